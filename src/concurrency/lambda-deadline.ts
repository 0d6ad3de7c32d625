import { setMaxListeners } from 'node:events';

/**
 * Time kept back from the Lambda's remaining time so the handler can still answer and log after
 * its calls (sends, fan-out, store calls, a JWKS fetch) are cut off: a quarter of the budget,
 * at most 1.5 s.
 */
const MAX_RESERVE_MS = 1500;
/** Timers past 2^31-1 ms fire at once; a deadline that far away is no deadline. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The point in time (epoch ms) by which an invocation's calls must have ended, from the Lambda
 * context's remaining time; undefined when the context cannot tell (a hand-made one), and then
 * each call's own timeout bounds it. Read defensively: a context may be built by hand.
 */
export function lambdaDeadline(lambdaContext: unknown): number | undefined {
  const getRemaining = (lambdaContext as { getRemainingTimeInMillis?: unknown } | null | undefined)
    ?.getRemainingTimeInMillis;
  if (typeof getRemaining !== 'function') return undefined;
  let remaining: unknown;
  try {
    remaining = (getRemaining as () => unknown).call(lambdaContext);
  } catch {
    return undefined;
  }
  if (typeof remaining !== 'number' || !Number.isFinite(remaining)) return undefined;
  const reserve = Math.min(MAX_RESERVE_MS, Math.max(0, remaining) / 4);
  return Math.floor(Date.now() + remaining - reserve);
}

// Deadlines this far off share a signal made for a deadline at most SHARE_MS before theirs.
const SHARE_FROM_MS = 1000;
const SHARE_MS = 25;
/** The last shareable signal and the deadline it fires at. */
let shared: { deadline: number; signal: AbortSignal } | undefined;

/**
 * An AbortSignal that fires at `deadline` (epoch ms), for calls that take one; already aborted
 * when the deadline has passed. `AbortSignal.timeout`'s timer does not keep the process alive.
 * Many calls may listen to one signal (a fan-out's sends), which is no leak.
 *
 * A deadline a second or more away may get the signal of a deadline up to 25 ms before it:
 * never later, and `AbortSignal.timeout` costs about 15 µs (an EventTarget, a timer, a weak
 * reference for the GC), which a container running events back to back (the local gateway at
 * a thousand messages a second, a burst in Lambda) would otherwise pay on every event.
 */
export function deadlineSignal(deadline: number | undefined): AbortSignal | undefined {
  if (deadline === undefined) return undefined;
  if (typeof deadline !== 'number' || Number.isNaN(deadline)) {
    throw new TypeError(`a deadline must be epoch ms, got ${String(deadline)}`);
  }
  const left = Math.ceil(deadline - Date.now());
  if (left <= 0) return AbortSignal.abort(new Error('the deadline has passed'));
  if (left > MAX_TIMER_MS) return undefined;
  if (left < SHARE_FROM_MS) return timeoutSignal(left);
  if (shared && shared.deadline <= deadline && deadline - shared.deadline <= SHARE_MS) {
    if (!shared.signal.aborted) return shared.signal;
  }
  const signal = timeoutSignal(left);
  shared = { deadline, signal };
  return signal;
}

function timeoutSignal(ms: number): AbortSignal {
  const signal = AbortSignal.timeout(ms);
  setMaxListeners(0, signal);
  return signal;
}
