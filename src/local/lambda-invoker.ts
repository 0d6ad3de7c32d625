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

  invoke<E>(
    fn: (event: E, context: LambdaContext) => unknown,
    event: E,
  ): Promise<InvocationOutcome> {
    const started = Date.now();
    // One promise settled by whichever comes first, the result or the timer (a race of two
    // promises cost two more per message); a late settlement after the timeout is ignored, so a
    // late rejection is never unhandled.
    return new Promise<InvocationOutcome>((resolve) => {
      const timer = setTimeout(
        () => resolve({ status: 'timeout', durationMs: Date.now() - started }),
        this.config.timeoutMs,
      );
      const settle = (outcome: InvocationOutcome): void => {
        clearTimeout(timer);
        resolve(outcome);
      };
      try {
        const context = this.config.createContext(started + this.config.timeoutMs);
        this.config.beforeInvoke?.();
        Promise.resolve(fn(event, context)).then(
          (result) => settle({ status: 'ok', result, durationMs: Date.now() - started }),
          (error: unknown) => settle({ status: 'error', error, durationMs: Date.now() - started }),
        );
      } catch (error) {
        settle({ status: 'error', error, durationMs: Date.now() - started });
      }
    });
  }
}
