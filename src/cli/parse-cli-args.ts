import { parseArgs } from 'node:util';
import { errorMessage } from '../errors/error-message';
import { CliError } from './cli-error';

/** Where an export lives: `module#export`. */
export interface ExportReference {
  module: string;
  exportName: string;
}

export interface DevCommand {
  kind: 'dev';
  handler: ExportReference;
  port: number;
  host: string;
  stage: string;
  routeResponses: boolean;
  routes?: string[];
  routeSelectionExpression?: string;
  authorizer?: ExportReference;
  /** The SQS-triggered fan-out worker, run next to the handler on a local queue. */
  fanoutWorker?: ExportReference;
  staticDir?: string;
  /** Rebuild and swap the functions when their source files change. */
  watch?: boolean;
}

export interface HelpCommand {
  kind: 'help';
  /** 0 when asked for, 1 when shown because the command line was incomplete. */
  exitCode: 0 | 1;
}

export interface VersionCommand {
  kind: 'version';
}

/** `lift-ws asyncapi <handler>[#export] [--contract file#export] [--out file] [--jwt]`. */
export interface AsyncApiCommand {
  kind: 'asyncapi';
  handler: ExportReference;
  /** Default: a contract exported by the handler's module. */
  contract?: ExportReference;
  /** Default: stdout. */
  out?: string;
  /** JwtAuth guards `$connect` (bootstrap does not expose its route table to the CLI). */
  jwt: boolean;
}

export type CliCommand = DevCommand | AsyncApiCommand | HelpCommand | VersionCommand;

const OPTIONS = {
  export: { type: 'string', short: 'e' },
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  stage: { type: 'string' },
  'route-responses': { type: 'boolean' },
  routes: { type: 'string' },
  'route-selection': { type: 'string' },
  authorizer: { type: 'string' },
  'fanout-worker': { type: 'string' },
  static: { type: 'string' },
  watch: { type: 'boolean', short: 'w' },
  contract: { type: 'string' },
  out: { type: 'string', short: 'o' },
  jwt: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

function parsePort(raw: string, source: string): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || port > 65535) {
    throw new CliError(`${source} must be a port number from 0 to 65535, got "${raw}"`);
  }
  return port;
}

function parseReference(raw: string, defaultExport: string): ExportReference {
  const hash = raw.lastIndexOf('#');
  if (hash === -1) return { module: raw, exportName: defaultExport };
  const module = raw.slice(0, hash);
  const exportName = raw.slice(hash + 1);
  if (!module || !exportName) throw new CliError(`expected <module>#<export>, got "${raw}"`);
  return { module, exportName };
}

/**
 * Reads `lift-ws` arguments with node:util parseArgs. Throws {@link CliError} with a one-line
 * message on anything it cannot use.
 */
export function parseCliArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs explains how to pass a positional starting with '-'; the first sentence is enough.
    const message = errorMessage(error).split('. To specify')[0];
    throw new CliError(`${message.replace(/\.$/, '')}. See lift-ws --help`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help', exitCode: 0 };
  if (values.version) return { kind: 'version' };
  const [command, module, ...extra] = positionals;
  if (command === undefined) return { kind: 'help', exitCode: 1 };
  if (command === 'asyncapi') {
    if (module === undefined) throw new CliError('missing <handler>: lift-ws asyncapi <handler>');
    if (extra.length > 0)
      throw new CliError(`unexpected argument "${extra[0]}". See lift-ws --help`);
    return {
      kind: 'asyncapi',
      handler: parseReference(module, values.export ?? 'handler'),
      ...(values.contract ? { contract: parseReference(values.contract, 'contract') } : {}),
      ...(values.out ? { out: values.out } : {}),
      jwt: values.jwt ?? false,
    };
  }
  if (command !== 'dev') throw new CliError(`unknown command "${command}". See lift-ws --help`);
  if (module === undefined) throw new CliError('missing <module>: lift-ws dev <module> [options]');
  if (extra.length > 0) throw new CliError(`unexpected argument "${extra[0]}". See lift-ws --help`);

  const portSource = values.port !== undefined ? '--port' : 'PORT';
  const rawPort = values.port ?? env.PORT;
  const routes = values.routes
    ?.split(',')
    .map((route) => route.trim())
    .filter((route) => route !== '');
  if (routes?.length === 0) throw new CliError('--routes needs at least one route key');

  return {
    kind: 'dev',
    handler: { module, exportName: values.export ?? 'handler' },
    port: rawPort === undefined || rawPort === '' ? 3001 : parsePort(rawPort, portSource),
    host: values.host ?? '127.0.0.1',
    stage: values.stage ?? 'local',
    routeResponses: values['route-responses'] ?? false,
    ...(routes ? { routes } : {}),
    ...(values['route-selection'] ? { routeSelectionExpression: values['route-selection'] } : {}),
    ...(values.authorizer ? { authorizer: parseReference(values.authorizer, 'handler') } : {}),
    ...(values['fanout-worker']
      ? { fanoutWorker: parseReference(values['fanout-worker'], 'handler') }
      : {}),
    ...(values.static ? { staticDir: values.static } : {}),
    ...(values.watch ? { watch: true } : {}),
  };
}
