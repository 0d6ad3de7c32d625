import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { startLocalGateway, type LocalGateway } from '../local/local-gateway';
import type { LocalFanoutWorker } from '../local/local-fanout';
import type { LocalAuthorizer, LocalHandler } from '../local/local-gateway-options';
import { serveStatic } from '../local/serve-static';
import type { Logger } from '../logging/logger';
import { errorMessage } from '../errors/error-message';
import { CliError } from './cli-error';
import { devToken } from './dev-token';
import { HELP_TEXT } from './help-text';
import { loadExport } from './load-export';
import { parseCliArgs, type DevCommand } from './parse-cli-args';
import { runAsyncApi } from './run-asyncapi';
import { SourceWatcher } from './source-watcher';

/** Where the CLI writes; tests pass buffers. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** The gateway's logger. Default: `createLogger()`. */
  logger?: Logger;
  cwd?: string;
}

export interface CliOutcome {
  exitCode: number;
  /** The running gateway, for `dev`; the caller closes it. */
  gateway?: LocalGateway;
  /** `dev --watch`: the file watcher; the caller closes it with the gateway. */
  watcher?: SourceWatcher;
}

/** The package's version, read beside the code (src/cli or dist/cli, both two levels down). */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as {
    version?: string;
  };
  return manifest.version ?? 'unknown';
}

function oneLine(error: unknown, command?: DevCommand): string {
  const code = (error as { code?: unknown }).code;
  const where = command ? `port ${command.port} on ${command.host}` : 'the port';
  if (code === 'EADDRINUSE')
    return `${where} is already in use; choose another with --port (0 picks a free one)`;
  if (code === 'EACCES') return `not allowed to listen on ${where}; choose another with --port`;
  return errorMessage(error).split('\n')[0];
}

interface LoadedFunctions {
  handler: LocalHandler;
  authorizer?: LocalAuthorizer;
  fanoutWorker?: LocalFanoutWorker;
  inputs: string[];
}

async function loadFunctions(command: DevCommand, cwd: string): Promise<LoadedFunctions> {
  const handler = await loadExport(command.handler, cwd);
  const authorizer = command.authorizer ? await loadExport(command.authorizer, cwd) : undefined;
  const worker = command.fanoutWorker ? await loadExport(command.fanoutWorker, cwd) : undefined;
  return {
    handler: handler.value as LocalHandler,
    authorizer: authorizer?.value as LocalAuthorizer | undefined,
    fanoutWorker: worker?.value as LocalFanoutWorker | undefined,
    inputs: [
      ...new Set([...handler.inputs, ...(authorizer?.inputs ?? []), ...(worker?.inputs ?? [])]),
    ],
  };
}

function stillLoading(): never {
  throw new Error('lift-ws dev: the functions are still loading');
}

function banner(command: DevCommand, gateway: LocalGateway): string {
  const served = `${command.handler.module} (export ${command.handler.exportName})`;
  const token = devToken();
  const tryLine = token
    ? `Try: npx wscat -c "${gateway.wsUrl}?Authorization=${token}"\n` +
      '     (a 1-hour token for user lift-ws-dev, signed with JWT_SECRET)\n'
    : `Try: npx wscat -c ${gateway.wsUrl}\n`;
  return (
    `lift-ws dev: serving ${served}${command.watch ? ', watching its files' : ''}\n` +
    `  WebSocket     ${gateway.wsUrl}\n` +
    `  @connections  ${gateway.managementEndpoint}/@connections/{connectionId}\n` +
    `  HTTP          ${gateway.url}/${command.staticDir ? `  (files from ${command.staticDir})` : ''}\n` +
    (gateway.fanout
      ? `  Fan-out queue ${gateway.fanout.queueUrl} (worker ${command.fanoutWorker?.module})\n`
      : '') +
    tryLine +
    'Stop: Ctrl+C\n'
  );
}

function startWatching(
  command: DevCommand,
  io: CliIo,
  cwd: string,
  gateway: LocalGateway,
  inputs: string[],
): SourceWatcher {
  return new SourceWatcher({
    inputs,
    rebuild: async (changed) => {
      const started = performance.now();
      try {
        const loaded = await loadFunctions(command, cwd);
        gateway.replaceHandlers({
          handler: loaded.handler,
          authorizer: loaded.authorizer,
          fanoutWorker: loaded.fanoutWorker,
        });
        const ms = Math.round(performance.now() - started);
        io.stdout.write(`lift-ws dev: reloaded in ${ms} ms (${relative(cwd, changed)} changed)\n`);
        return loaded.inputs;
      } catch (error) {
        io.stderr.write(
          `lift-ws dev: reload failed, still serving the previous code: ${oneLine(error)}\n`,
        );
        throw error;
      }
    },
  });
}

async function startDev(
  command: DevCommand,
  io: CliIo,
): Promise<{ gateway: LocalGateway; watcher?: SourceWatcher }> {
  const cwd = io.cwd ?? process.cwd();
  let staticDir: string | undefined;
  if (command.staticDir !== undefined) {
    staticDir = resolve(cwd, command.staticDir);
    if (!existsSync(staticDir) || !statSync(staticDir).isDirectory()) {
      throw new CliError(`--static: "${command.staticDir}" is not a folder`);
    }
  }
  // With a fan-out worker the gateway (and its local queue) starts first: the handler's module
  // reads the queue URL from the environment when it runs bootstrap.
  const early = command.fanoutWorker !== undefined;
  let loaded = early ? undefined : await loadFunctions(command, cwd);
  const gateway = await startLocalGateway({
    handler: loaded?.handler ?? stillLoading,
    authorizer: loaded ? loaded.authorizer : command.authorizer && stillLoading,
    fanoutWorker: early ? { handler: stillLoading } : undefined,
    port: command.port,
    host: command.host,
    stage: command.stage,
    routeResponses: command.routeResponses,
    routes: command.routes,
    routeSelectionExpression: command.routeSelectionExpression,
    http: staticDir ? serveStatic(staticDir) : undefined,
    logger: io.logger,
  });
  if (!loaded) {
    try {
      loaded = await loadFunctions(command, cwd);
    } catch (error) {
      await gateway.close();
      throw error;
    }
    gateway.replaceHandlers({
      handler: loaded.handler,
      authorizer: loaded.authorizer,
      fanoutWorker: loaded.fanoutWorker,
    });
  }
  io.stdout.write(banner(command, gateway));
  const watcher = command.watch
    ? startWatching(command, io, cwd, gateway, loaded.inputs)
    : undefined;
  return { gateway, ...(watcher ? { watcher } : {}) };
}

/**
 * Runs `lift-ws` with the given arguments. Never throws and never exits the process: user
 * mistakes become one line on stderr and exit code 1; `dev` resolves with the running gateway.
 *
 * @example
 * const { exitCode, gateway } = await runCli(['dev', 'src/handler.ts', '--port', '0'], process);
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<CliOutcome> {
  let command;
  try {
    command = parseCliArgs(argv);
    if (command.kind === 'help') {
      (command.exitCode === 0 ? io.stdout : io.stderr).write(HELP_TEXT);
      return { exitCode: command.exitCode };
    }
    if (command.kind === 'version') {
      io.stdout.write(`${packageVersion()}\n`);
      return { exitCode: 0 };
    }
    if (command.kind === 'asyncapi') {
      const document = await runAsyncApi(command, io.cwd ?? process.cwd());
      if (!command.out) io.stdout.write(document);
      return { exitCode: 0 };
    }
    return { exitCode: 0, ...(await startDev(command, io)) };
  } catch (error) {
    io.stderr.write(`lift-ws: ${oneLine(error, command?.kind === 'dev' ? command : undefined)}\n`);
    return { exitCode: 1 };
  }
}
