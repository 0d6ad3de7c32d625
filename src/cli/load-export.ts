import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { errorMessage } from '../errors/error-message';
import { CliError } from './cli-error';
import type { ExportReference } from './parse-cli-args';
import { registerTypeScript } from './register-typescript';

const TYPESCRIPT = /\.c?ts$/;
const EXTENSIONS = ['.ts', '.js', '.cjs', '.cts'];

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/** The file a module argument names, with Node's usual omissions (extension, index file). */
function findModuleFile(specifier: string, cwd: string): string {
  const base = resolve(cwd, specifier);
  const candidates = [
    base,
    ...EXTENSIONS.map((extension) => base + extension),
    join(base, 'index.ts'),
    join(base, 'index.js'),
  ];
  const found = candidates.find(isFile);
  if (found) return found;
  throw new CliError(`cannot find module "${specifier}" (looked for ${base})`);
}

/**
 * Loads a .js or .ts module and returns one of its function exports. Failures are thrown as
 * messages for the user, naming the module and the export; `runCli` prints their first line.
 */
export async function loadExport(
  reference: ExportReference,
  cwd = process.cwd(),
): Promise<(...args: never[]) => unknown> {
  const file = findModuleFile(reference.module, cwd);
  if (TYPESCRIPT.test(file)) await registerTypeScript();
  let loaded: unknown;
  try {
    loaded = createRequire(__filename)(file);
  } catch (error) {
    throw new CliError(`failed to load ${reference.module}: ${errorMessage(error)}`);
  }
  const exports = (loaded ?? {}) as Record<string, unknown>;
  // An ES module's exports, or a CommonJS module exporting an object as default.
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
  return value as (...args: never[]) => unknown;
}
