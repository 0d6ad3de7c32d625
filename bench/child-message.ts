import type { ChildProcess } from 'node:child_process';

/**
 * The value under `key` of the next IPC message from `child` that has it; rejects if the child
 * exits first (`what` names it in the error). Stand-ins for AWS run in child processes.
 */
export function childMessage<T>(child: ChildProcess, key: string, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown): void => {
      if (typeof message === 'object' && message !== null && key in message) {
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve((message as Record<string, T>)[key]);
      }
    };
    const onExit = (): void => reject(new Error(`${what} exited`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}
