#!/usr/bin/env node
import type { LocalGateway } from '../local/local-gateway';
import { runCli } from './run-cli';

/**
 * The `lift-ws` executable: runs the CLI, then keeps a `dev` gateway up until SIGINT or
 * SIGTERM, which close every connection (each gets its `$disconnect`) before exiting.
 */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const state: { gateway?: LocalGateway; stopping: boolean } = { stopping: false };
  const shutdown = (gateway: LocalGateway): void => {
    // Exit explicitly: the user's module may hold timers or clients open.
    gateway.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    // A second Ctrl+C does not wait for slow $disconnect handlers.
    if (state.stopping) process.exit(1);
    state.stopping = true;
    process.stderr.write(`lift-ws: ${signal}, closing connections\n`);
    // Still starting: the gateway stops as soon as it is up.
    if (state.gateway) shutdown(state.gateway);
  };
  // Installed first: a signal arriving while the module loads must not kill the process
  // before the gateway can close its connections.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const { exitCode, gateway } = await runCli(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
  });
  state.gateway = gateway;
  if (gateway) {
    if (state.stopping) shutdown(gateway);
    return;
  }
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.exitCode = exitCode;
}

if (require.main === module) void main();
