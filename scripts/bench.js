// `npm run bench`: bundles bench/index.ts with esbuild (as Lambda code usually is, so decorator
// metadata is dropped, proving nothing depends on it) and runs it in one Node process.
const path = require('node:path');
const fs = require('node:fs');
const { buildSync } = require('esbuild');

// The SDK's notice that 2027 releases need Node 22 is not a benchmark result.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const root = path.resolve(__dirname, '..');
const outDir = path.join(root, '.tmp');
fs.mkdirSync(outDir, { recursive: true });
const bundle = (entry, outfile) =>
  buildSync({
    entryPoints: [path.join(root, entry)],
    bundle: true,
    platform: 'node',
    target: 'node20',
    outfile,
    sourcemap: 'inline',
    alias: {
      'lift-ws/testing': path.join(root, 'src/testing/index.ts'),
      'lift-ws': path.join(root, 'src/index.ts'),
    },
    external: ['@aws-sdk/*', '@smithy/*', 'winston', 'jsonwebtoken', 'ws', 'dynalite'],
    logLevel: 'warning',
  });
// The logging figures measure writes to process.stdout: their own process, stdout on /dev/null,
// tables on stderr.
const loggingBench = path.join(outDir, 'logging-bench.js');
bundle('bench/logging.bench.ts', loggingBench);
require('node:child_process').spawnSync(process.execPath, [loggingBench], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
const outfile = path.join(outDir, 'bench.js');
bundle('bench/index.ts', outfile);
require(outfile);
