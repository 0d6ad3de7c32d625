import type { LambdaContext } from '../events/websocket-event';

/**
 * Time kept back from the Lambda's remaining time so the handler can still answer (and log)
 * after its calls are cut off: a quarter of the budget, at most 1.5 s.
 */
const MAX_RESERVE_MS = 1500;

/**
 * The point in time after which an event's calls (sends, fan-out, store calls) must have
 * ended, derived from the Lambda's remaining time. Undefined when the context cannot tell
 * (a hand-made event without `getRemainingTimeInMillis`): the calls' own timeouts still apply.
 * @internal
 */
export function eventDeadline(lambdaContext: LambdaContext): number | undefined {
  const remaining = lambdaContext.getRemainingTimeInMillis?.();
  if (typeof remaining !== 'number' || !Number.isFinite(remaining)) return undefined;
  const reserve = Math.min(MAX_RESERVE_MS, Math.max(0, remaining) / 4);
  return Math.floor(Date.now() + remaining - reserve);
}

/**
 * An AbortSignal that fires at the deadline, for calls that take a signal (the store's).
 * `AbortSignal.timeout`'s timer does not keep the process alive.
 * @internal
 */
export function deadlineSignal(deadline: number | undefined): AbortSignal | undefined {
  if (deadline === undefined) return undefined;
  return AbortSignal.timeout(Math.max(0, Math.floor(deadline - Date.now())));
}
