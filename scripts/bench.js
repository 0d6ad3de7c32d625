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
const outfile = path.join(outDir, 'bench.js');
buildSync({
  entryPoints: [path.join(root, 'bench/index.ts')],
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
require(outfile);
