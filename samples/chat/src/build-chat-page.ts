import { join } from 'node:path';

/**
 * Bundles the page's TypeScript (`public/app.ts`: lift-ws/client, the shared contract, zod)
 * into one browser script, in memory: nothing is written beside the sources, so a fresh clone
 * and `npm start` have nothing to build first or keep in sync. esbuild finds the repository's
 * tsconfig.json on its own (its `paths` map `lift-ws/client` to the sources).
 */
export async function buildChatPage(publicDir: string): Promise<string> {
  // esbuild is a dev dependency; the sample's Lambda build never loads this module.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [join(publicDir, 'app.ts')],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}
