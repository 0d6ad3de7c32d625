import { randomBytes } from 'node:crypto';
import { builtinModules, createRequire } from 'node:module';
import { rm, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BuildFailure, BuildOptions, BuildResult, Message, Metafile, Plugin } from 'esbuild';
import { errorMessage } from '../errors/error-message';
import { CliError } from './cli-error';

/** A module loaded from a fresh bundle, and the source files it was built from (for --watch). */
export interface BundledModule {
  exports: Record<string, unknown>;
  /** Absolute paths of the project's own files in the bundle (node_modules excluded). */
  inputs: string[];
}

type Esbuild = typeof import('esbuild');

let esbuild: Promise<Esbuild> | undefined;

/**
 * esbuild is an optional peer: only `lift-ws dev` needs it, and then with a clear message. The
 * project's own copy comes first (lift-ws may be linked from elsewhere).
 */
function loadEsbuild(cwd: string): Promise<Esbuild> {
  esbuild ??= Promise.resolve()
    .then(() => {
      const own = createRequire(__filename);
      return own(own.resolve('esbuild', { paths: [cwd, __dirname] })) as Esbuild;
    })
    .catch(() => {
      esbuild = undefined;
      throw new CliError(
        'lift-ws dev loads modules through esbuild, which is not installed: npm install --save-dev esbuild',
      );
    });
  return esbuild;
}

/** `file:line:col: text`, the way editors and terminals link to a place. */
function formatMessage(message: Message, cwd: string): string {
  const where = message.location;
  if (!where) return message.text;
  const file = isAbsolute(where.file) ? relative(cwd, where.file) : where.file;
  return `${file}:${where.line}:${where.column + 1}: ${message.text}`;
}

function isBuildFailure(error: unknown): error is BuildFailure {
  return Array.isArray((error as { errors?: unknown }).errors);
}

function projectInputs(metafile: Metafile, cwd: string): string[] {
  return Object.keys(metafile.inputs)
    .filter((input) => !input.includes('node_modules/') && !input.includes(':'))
    .map((input) => resolve(cwd, input));
}

const BUILTINS = new Set(builtinModules);
const NODE_MODULES = `${sep}node_modules${sep}`;

const RESOLVING = Symbol('lift-ws: resolving through esbuild');

/**
 * Packages stay out of the bundle, but each is resolved where its importer sits and required by
 * absolute path: a file bundled from another folder (a workspace package, a shared `src/`) gets
 * its own node_modules, wherever the bundle is written. A tsconfig `paths` alias that leads into
 * the project is bundled like any source file. Packages resolve through `require` conditions,
 * which both output formats can load on Node 20; what has none stays a bare specifier.
 */
const externalPackages: Plugin = {
  name: 'lift-ws-external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === RESOLVING) return undefined;
      if (args.path.startsWith('node:') || BUILTINS.has(args.path)) {
        return { path: args.path, external: true };
      }
      const found = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: RESOLVING,
      });
      if (found.errors.length === 0 && !found.external && !found.path.includes(NODE_MODULES)) {
        return { path: found.path };
      }
      try {
        const path = createRequire(join(args.resolveDir, 'noop.js')).resolve(args.path);
        return { path, external: true };
      } catch {
        return { path: args.path, external: true };
      }
    });
  },
};

const TOP_LEVEL_AWAIT_IN_CJS =
  /Top-level await is currently not supported with the "cjs" output format/;

function buildOptions(
  file: string,
  cwd: string,
  format: 'cjs' | 'esm',
  outfile: string,
): BuildOptions {
  const fileUrl = JSON.stringify(pathToFileURL(file).href);
  return {
    entryPoints: [file],
    absWorkingDir: cwd,
    bundle: true,
    plugins: [externalPackages],
    platform: 'node',
    format,
    target: `node${process.versions.node.split('.')[0]}`,
    write: false,
    outfile,
    metafile: true,
    sourcemap: 'inline',
    sourcesContent: false,
    logLevel: 'silent',
    // CommonJS sources in an ES module bundle still call require() on their packages.
    banner:
      format === 'esm'
        ? {
            js: "import { createRequire as __liftWsCreateRequire } from 'node:module'; const require = __liftWsCreateRequire(import.meta.url);",
          }
        : {},
    define: {
      __filename: JSON.stringify(file),
      __dirname: JSON.stringify(dirname(file)),
      ...(format === 'cjs'
        ? {
            'import.meta.url': fileUrl,
            'import.meta.filename': JSON.stringify(file),
            'import.meta.dirname': JSON.stringify(dirname(file)),
          }
        : {}),
    },
  };
}

/*
 * Why a bundle written next to the entry, rather than require hooks or a loader:
 * - beside the entry, the bundle resolves packages (left external) from the same node_modules
 *   as the source, and `__dirname` and `import.meta.url` point at the entry's folder;
 * - CommonJS output loads through Node's own require (also inside jest); sources with
 *   top-level await are built as an ES module instead, the one format that allows it;
 * - a fresh file name per build gives a fresh module instance, which is what --watch swaps in
 *   (an ES module cannot be evicted from Node's cache; each reload keeps its predecessor's
 *   memory, which is fine for a development server).
 * esbuild reads the project's tsconfig.json itself: `paths`, `baseUrl`, `experimentalDecorators`
 * and the class-field semantics its `target` implies; `.js` specifiers find `.ts` files. It drops
 * `emitDecoratorMetadata`, which lift-ws does not need.
 */
export async function importBundled(
  file: string,
  label: string,
  cwd: string,
): Promise<BundledModule> {
  const { build } = await loadEsbuild(cwd);
  const stem = join(
    dirname(file),
    `.${basename(file)}.lift-ws-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  let format: 'cjs' | 'esm' = 'cjs';
  let result: BuildResult;
  try {
    try {
      result = await build(buildOptions(file, cwd, 'cjs', `${stem}.cjs`));
    } catch (error) {
      if (!isBuildFailure(error) || !error.errors.some((e) => TOP_LEVEL_AWAIT_IN_CJS.test(e.text)))
        throw error;
      format = 'esm';
      result = await build(buildOptions(file, cwd, 'esm', `${stem}.mjs`));
    }
  } catch (error) {
    if (!isBuildFailure(error)) throw error;
    const [first, ...more] = error.errors;
    const extra = more.length > 0 ? ` (and ${more.length} more)` : '';
    throw new CliError(
      first ? `${formatMessage(first, cwd)}${extra}` : `cannot build ${label}: ${error.message}`,
    );
  }
  const output = result.outputFiles?.[0];
  if (!result.metafile || !output)
    throw new CliError(`cannot build ${label}: esbuild wrote nothing`);
  const inputs = projectInputs(result.metafile, cwd);
  const outfile = `${stem}.${format === 'cjs' ? 'cjs' : 'mjs'}`;
  await writeFile(outfile, output.contents);
  try {
    const exports =
      format === 'cjs'
        ? (createRequire(file)(outfile) as Record<string, unknown>)
        : ((await import(pathToFileURL(outfile).href)) as Record<string, unknown>);
    return { exports, inputs };
  } catch (error) {
    throw new CliError(`failed to load ${label}: ${errorMessage(error)}`);
  } finally {
    // Loaded (or failed): the file is no longer needed; the source map is inline.
    await rm(outfile, { force: true });
  }
}
