// `npm run bench`: bundles the benches with esbuild (as Lambda code usually is, so decorator
// metadata is dropped, proving nothing depends on it) and runs them: the logging figures in a
// process of their own, then everything else with `--expose-gc` (the memory figures need it).
const path = require('node:path');
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');
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
      'lift-ws/local': path.join(root, 'src/local/index.ts'),
      'lift-ws': path.join(root, 'src/index.ts'),
    },
    external: ['@aws-sdk/*', '@smithy/*', 'winston', 'jsonwebtoken', 'ws', 'dynalite', 'esbuild'],
    logLevel: 'warning',
  });
// The logging figures measure writes to process.stdout: their own process, stdout on /dev/null,
// tables on stderr (passed through; the last line is their JSON summary).
const loggingBench = path.join(outDir, 'logging-bench.js');
bundle('bench/logging.bench.ts', loggingBench);
const logging = spawnSync(process.execPath, [loggingBench], {
  stdio: ['ignore', 'ignore', 'pipe'],
  encoding: 'utf8',
});
process.stderr.write(logging.stderr);
const loggingSummary = logging.stderr
  .split('\n')
  .filter((line) => line.startsWith('{"logging.'))
  .pop();
const outfile = path.join(outDir, 'bench.js');
bundle('bench/index.ts', outfile);
const main = spawnSync(process.execPath, ['--expose-gc', outfile], {
  stdio: 'inherit',
  env: { ...process.env, LIFT_WS_BENCH_LOGGING_SUMMARY: loggingSummary ?? '{}' },
});
process.exitCode = logging.status || main.status || 0;
