import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { build } from 'esbuild';

// lift-ws/client goes into browser pages: it must bundle on its own (no dependency, no Node
// built-in) and stay small. Goal from issue 10: under 6 KB minified and gzipped.
const GOAL_BYTES = 6 * 1024;

async function bundle(): Promise<string> {
  const result = await build({
    entryPoints: [join(__dirname, '../../src/client/index.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

describe('lift-ws/client bundle', () => {
  test('bundles for the browser with no imports left, under 6 KB min+gzip', async () => {
    const code = await bundle();
    // Nothing external: no import statement, no require, no Node built-in.
    expect(code).not.toMatch(/(^|[;\s])import[\s{*]/);
    expect(code).not.toMatch(/\brequire\(/);
    expect(code).not.toMatch(/node:/);
    const gzipped = gzipSync(code, { level: 9 }).length;
    process.stderr.write(
      `lift-ws/client: ${code.length} bytes minified, ${gzipped} bytes min+gzip\n`,
    );
    expect(gzipped).toBeLessThan(GOAL_BYTES);
  });
});
