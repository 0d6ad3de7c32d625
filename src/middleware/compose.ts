import type { WebSocketContext } from '../context/websocket-context';
import { keepShape } from '../engine/keep-shape';
import type { MiddlewareFunction, Next } from './middleware';

/**
 * A composed chain: middleware around a final route invocation. It answers synchronously when
 * every layer does (a plain route without middleware, or pass-through middleware around a
 * synchronous route), saving the promise machinery on the hot path; callers await only what
 * is thenable.
 */
export type ComposedRoute = (ctx: WebSocketContext) => unknown;

const SECOND_NEXT = 'next() called more than once in one middleware';
/** A route that returns nothing (most do) is answered by `next()` with one shared promise. */
const FULFILLED_UNDEFINED: Promise<unknown> = Promise.resolve(undefined);

/**
 * Builds the onion once, at bootstrap. Dispatch walks the array by index (the array is never
 * mutated) and a second `next()` from the same middleware is an error: calling the route twice
 * would send twice.
 *
 * `next()` always hands the middleware a promise (its documented type), but when the rest of
 * the chain answered synchronously that promise is already fulfilled with a value the run
 * knows: a middleware that returns it untouched (`return next()`, the pass-through case) is
 * answered with the value itself, so a chain of synchronous layers costs no await hop. A
 * middleware that awaits or chains `next()` returns a promise of its own, which callers await.
 */
export function compose(
  middleware: readonly MiddlewareFunction[],
  route: ComposedRoute,
): ComposedRoute {
  const chain = middleware.slice();
  if (chain.length === 0) return route;
  return (ctx) => step(new OnionRun(chain, route, ctx), 0);
}

/** The state of one event's pass through the onion: one object, no closure per layer but `next`. */
class OnionRun {
  /** The deepest layer entered so far; entering it again means a second `next()`. */
  entered = -1;
  /** The last promise `next()` made for a value it already had, and that value. */
  fulfilled: Promise<unknown> | undefined = undefined;
  fulfilledWith: unknown = undefined;

  constructor(
    readonly chain: readonly MiddlewareFunction[],
    readonly route: ComposedRoute,
    readonly ctx: WebSocketContext,
  ) {}
}

// A full GC would otherwise collect the run's map between events (see keepShape).
keepShape(new OnionRun([], () => undefined, {} as WebSocketContext));

function step(run: OnionRun, index: number): unknown {
  if (index <= run.entered) throw new Error(SECOND_NEXT);
  run.entered = index;
  if (index === run.chain.length) return run.route(run.ctx);
  const next: Next = () => settle(run, index + 1);
  const returned = run.chain[index](run.ctx, next);
  // That promise holds exactly `fulfilledWith`: answering with the value changes only timing.
  return returned === run.fulfilled && returned !== undefined ? run.fulfilledWith : returned;
}

/** What `next()` returns: the rest of the chain's answer as a promise, made at most once. */
function settle(run: OnionRun, index: number): Promise<unknown> {
  let value: unknown;
  try {
    value = step(run, index);
  } catch (error) {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- whatever was thrown, as an async function would reject with it
    return Promise.reject(error);
  }
  // A native promise from further in is handed on as is (no extra resolution step).
  if (value instanceof Promise) return value;
  if (isThenable(value)) return Promise.resolve(value);
  // A pass-through layer further in handed back the promise made for this very value: the
  // same (fulfilled, immutable) promise serves this layer too, one allocation for the chain.
  if (run.fulfilled !== undefined && value === run.fulfilledWith) return run.fulfilled;
  run.fulfilledWith = value;
  return (run.fulfilled = value === undefined ? FULFILLED_UNDEFINED : Promise.resolve(value));
}

function isThenable(value: unknown): boolean {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
