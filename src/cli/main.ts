#!/usr/bin/env node
import type { LocalGateway } from '../local/local-gateway';
import { runCli } from './run-cli';

/**
 * The `lift-ws` executable: runs the CLI, then keeps a `dev` gateway up until SIGINT or
 * SIGTERM, which close every connection (each gets its `$disconnect`) before exiting.
 */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  let gateway: LocalGateway | undefined;
  let stopping = false;
  const shutdown = (): void => {
    // Exit explicitly: the user's module may hold timers or clients open.
    (gateway?.close() ?? Promise.resolve()).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    // A second Ctrl+C does not wait for slow $disconnect handlers.
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write(`lift-ws: ${signal}, closing connections\n`);
    // Still starting: stop as soon as the gateway is up.
    if (gateway) shutdown();
  };
  // Installed first: a signal arriving while the module loads must not kill the process
  // before the gateway can close its connections.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const outcome = await runCli(argv, { stdout: process.stdout, stderr: process.stderr });
  gateway = outcome.gateway;
  if (gateway && stopping) return shutdown();
  if (!gateway) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.exitCode = outcome.exitCode;
  }
}

if (require.main === module) void main();
