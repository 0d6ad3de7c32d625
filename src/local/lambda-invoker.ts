import type { LambdaContext } from '../events/websocket-event';

/** How an invocation ended, as API Gateway sees it. */
export type InvocationOutcome =
  | { status: 'ok'; result: unknown; durationMs: number }
  | { status: 'error'; error: unknown; durationMs: number }
  | { status: 'timeout'; durationMs: number };

export interface LambdaInvokerConfig {
  /** API Gateway's integration timeout (29 s on AWS). */
  timeoutMs: number;
  /** A Lambda context whose remaining time ends at `deadline`. */
  createContext: (deadline: number) => LambdaContext;
  /** Runs right before each call (the gateway points the environment at itself there). */
  beforeInvoke?: () => void;
}

/**
 * Calls a Lambda function the way API Gateway does: a fresh context per call, a result or an
 * error, and no more than the integration timeout of waiting. Never throws.
 */
export class LambdaInvoker {
  constructor(private readonly config: LambdaInvokerConfig) {}

  async invoke<E>(
    fn: (event: E, context: LambdaContext) => unknown,
    event: E,
  ): Promise<InvocationOutcome> {
    const started = Date.now();
    const context = this.config.createContext(started + this.config.timeoutMs);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.config.timeoutMs);
    });
    try {
      this.config.beforeInvoke?.();
      const pending = Promise.resolve(fn(event, context));
      // A late rejection after the timeout must not become an unhandled rejection.
      pending.catch(() => undefined);
      const settled = await Promise.race([pending.then((result) => ({ result })), timedOut]);
      const durationMs = Date.now() - started;
      return settled === 'timeout'
        ? { status: 'timeout', durationMs }
        : { status: 'ok', result: settled.result, durationMs };
    } catch (error) {
      return { status: 'error', error, durationMs: Date.now() - started };
    } finally {
      clearTimeout(timer);
    }
  }
}
