import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { startLocalGateway, type LocalGateway } from '../local/local-gateway';
import type { LocalAuthorizer, LocalHandler } from '../local/local-gateway-options';
import { serveStatic } from '../local/serve-static';
import type { Logger } from '../logging/logger';
import { errorMessage } from '../errors/error-message';
import { CliError } from './cli-error';
import { HELP_TEXT } from './help-text';
import { loadExport } from './load-export';
import { parseCliArgs, type DevCommand } from './parse-cli-args';

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
}

function oneLine(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'EADDRINUSE')
    return 'the port is already in use; choose another with --port (0 picks a free one)';
  if (code === 'EACCES') return 'not allowed to listen on that port; choose another with --port';
  return errorMessage(error).split('\n')[0];
}

async function startDev(command: DevCommand, io: CliIo): Promise<LocalGateway> {
  const cwd = io.cwd ?? process.cwd();
  let staticDir: string | undefined;
  if (command.staticDir !== undefined) {
    staticDir = resolve(cwd, command.staticDir);
    if (!existsSync(staticDir) || !statSync(staticDir).isDirectory()) {
      throw new CliError(`--static: "${command.staticDir}" is not a folder`);
    }
  }
  const handler = (await loadExport(command.handler, cwd)) as LocalHandler;
  const authorizer = command.authorizer
    ? ((await loadExport(command.authorizer, cwd)) as LocalAuthorizer)
    : undefined;
  const gateway = await startLocalGateway({
    handler,
    authorizer,
    port: command.port,
    host: command.host,
    stage: command.stage,
    routeResponses: command.routeResponses,
    routes: command.routes,
    routeSelectionExpression: command.routeSelectionExpression,
    http: staticDir ? serveStatic(staticDir) : undefined,
    logger: io.logger,
  });
  const served = `${command.handler.module} (export ${command.handler.exportName})`;
  io.stdout.write(
    `lift-ws dev: serving ${served}\n` +
      `  WebSocket     ${gateway.wsUrl}\n` +
      `  @connections  ${gateway.managementEndpoint}/@connections/{connectionId}\n` +
      `  HTTP          ${gateway.url}/${staticDir ? `  (files from ${command.staticDir ?? ''})` : ''}\n` +
      `Try: npx wscat -c ${gateway.wsUrl}   Stop: Ctrl+C\n`,
  );
  return gateway;
}

/**
 * Runs `lift-ws` with the given arguments. Never throws and never exits the process: user
 * mistakes become one line on stderr and exit code 1; `dev` resolves with the running gateway.
 *
 * @example
 * const { exitCode, gateway } = await runCli(['dev', 'src/handler.ts', '--port', '0'], process);
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<CliOutcome> {
  try {
    const command = parseCliArgs(argv);
    if (command.kind === 'help') {
      (command.exitCode === 0 ? io.stdout : io.stderr).write(HELP_TEXT);
      return { exitCode: command.exitCode };
    }
    return { exitCode: 0, gateway: await startDev(command, io) };
  } catch (error) {
    io.stderr.write(`lift-ws: ${oneLine(error)}\n`);
    return { exitCode: 1 };
  }
}
