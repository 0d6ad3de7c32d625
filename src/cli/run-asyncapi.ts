import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Contract } from '../contract/contract-types';
import { isPlainObject } from '../validation/is-plain-object';
import { buildAsyncApi } from './asyncapi';
import { importBundled } from './bundle-module';
import { CliError } from './cli-error';
import { findModuleFile, loadExport } from './load-export';
import type { AsyncApiCommand, ExportReference } from './parse-cli-args';

function isContract(value: unknown): value is Contract {
  return isPlainObject(value) && value.kind === 'contract';
}

async function moduleExports(reference: ExportReference, cwd: string) {
  const file = findModuleFile(reference.module, cwd);
  const { exports } = await importBundled(file, reference.module, cwd);
  const fromDefault = exports.default as Record<string, unknown> | undefined;
  return { ...fromDefault, ...exports };
}

async function findContract(command: AsyncApiCommand, cwd: string): Promise<Contract> {
  if (command.contract) {
    const value = (await moduleExports(command.contract, cwd))[command.contract.exportName];
    if (!isContract(value)) {
      throw new CliError(
        `${command.contract.module}#${command.contract.exportName} is not a defineContract() object`,
      );
    }
    return value;
  }
  const found = Object.values(await moduleExports(command.handler, cwd)).filter(isContract);
  if (found.length !== 1) {
    throw new CliError(
      `${command.handler.module} exports ${found.length === 0 ? 'no' : 'more than one'} contract: name it with --contract <file#export>`,
    );
  }
  return found[0];
}

/** The API is the project's: its package.json names and versions the document. */
async function describedBy(cwd: string): Promise<{ title: string; version: string }> {
  try {
    const manifest = JSON.parse(await readFile(resolve(cwd, 'package.json'), 'utf8')) as {
      name?: unknown;
      version?: unknown;
    };
    return {
      title: typeof manifest.name === 'string' ? manifest.name : 'WebSocket API',
      version: typeof manifest.version === 'string' ? manifest.version : '0.0.0',
    };
  } catch {
    return { title: 'WebSocket API', version: '0.0.0' };
  }
}

/**
 * `lift-ws asyncapi`: loads the handler first, so that bootstrap's contract checks (every
 * action routed, every route in the contract) have passed before a document describes it.
 */
export async function runAsyncApi(command: AsyncApiCommand, cwd: string): Promise<string> {
  await loadExport(command.handler, cwd);
  const contract = await findContract(command, cwd);
  const { title, version } = await describedBy(cwd);
  const document = `${JSON.stringify(buildAsyncApi(contract, { title, version, jwt: command.jwt }), null, 2)}\n`;
  if (command.out) await writeFile(resolve(cwd, command.out), document);
  return document;
}
