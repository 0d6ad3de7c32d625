import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { importBundled } from './bundle-module';
import { CliError } from './cli-error';
import type { ExportReference } from './parse-cli-args';

const EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];

/** A function a module exports, and the project files it was built from. */
export interface LoadedExport {
  value: (...args: never[]) => unknown;
  inputs: string[];
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/** The file a module argument names, with Node's usual omissions (extension, index file). */
export function findModuleFile(specifier: string, cwd: string): string {
  const base = resolve(cwd, specifier);
  const candidates = [
    base,
    ...EXTENSIONS.map((extension) => base + extension),
    ...EXTENSIONS.map((extension) => join(base, `index${extension}`)),
  ];
  const found = candidates.find(isFile);
  if (found) return found;
  throw new CliError(`cannot find module "${specifier}" (looked for ${base})`);
}

/**
 * Builds a .ts or .js module (ES or CommonJS) with esbuild, loads it and returns one of its
 * function exports. Failures are thrown as one-line messages for the user, naming the module and
 * the export, or the file:line:col of a syntax error.
 */
export async function loadExport(
  reference: ExportReference,
  cwd = process.cwd(),
): Promise<LoadedExport> {
  const file = findModuleFile(reference.module, cwd);
  const { exports, inputs } = await importBundled(file, reference.module, cwd);
  // An ES module's exports, or a CommonJS module's (as `default` when built as an ES module).
  const fromDefault = exports.default as Record<string, unknown> | undefined;
  const value = exports[reference.exportName] ?? fromDefault?.[reference.exportName];
  if (typeof value !== 'function') {
    const names = Object.keys(exports).filter((name) => name !== '__esModule');
    const problem =
      value === undefined
        ? `has no export "${reference.exportName}"`
        : `exports "${reference.exportName}" but it is not a function`;
    throw new CliError(
      `${reference.module} ${problem} (exports: ${names.join(', ') || 'none'}); choose one with --export`,
    );
  }
  return { value: value as (...args: never[]) => unknown, inputs };
}
