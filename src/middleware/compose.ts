import type { WebSocketContext } from '../context/websocket-context';
import type { MiddlewareFunction, Next } from './middleware';

/**
 * A composed chain: middleware around a final route invocation. It answers synchronously when
 * every layer does (a plain route without middleware, or pass-through middleware around a
 * synchronous route), saving the promise machinery on the hot path; callers await only what
 * is thenable.
 */
export type ComposedRoute = (ctx: WebSocketContext) => unknown;

const SECOND_NEXT = 'next() called more than once in one middleware';

/**
 * Builds the onion once, at bootstrap. Dispatch walks the array by index (the array is never
 * mutated) and a second `next()` from the same middleware is an error: calling the route twice
 * would send twice. `next()` always hands a promise to the middleware (its documented type),
 * but no async function frame is created per layer.
 */
export function compose(
  middleware: readonly MiddlewareFunction[],
  route: ComposedRoute,
): ComposedRoute {
  const chain = middleware.slice();
  const length = chain.length;
  if (length === 0) return route;

  return function run(ctx: WebSocketContext): unknown {
    let lastIndex = -1;
    const dispatch = (index: number): unknown => {
      if (index <= lastIndex) throw new Error(SECOND_NEXT);
      lastIndex = index;
      if (index === length) return route(ctx);
      const layer = chain[index];
      // The executor runs at once; a synchronous throw downstream becomes this rejection.
      const next: Next = () => new Promise((resolve) => resolve(dispatch(index + 1)));
      return layer(ctx, next);
    };
    return dispatch(0);
  };
}
