import { fork } from 'node:child_process';
import path from 'node:path';

/** dynalite in its own process (tests/support/dynalite-child.js), as the 20k test runs it. */
export async function startDynaliteChild(): Promise<{ port: number; stop: () => Promise<void> }> {
  // The bench runs bundled into .tmp/, one level below the project root.
  const script = path.resolve(__dirname, '..', 'tests', 'support', 'dynalite-child.js');
  const child = fork(script, [], { stdio: 'inherit' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve(message.port));
    child.once('exit', (code) => reject(new Error(`dynalite exited (${code})`)));
  });
  return {
    port,
    stop: async () => {
      child.send('close');
      await exited;
    },
  };
}
