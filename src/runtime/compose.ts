import type { WebSocketContext } from '../context/websocket-context';
import type { MiddlewareFunction } from '../middleware/middleware';

/**
 * A composed chain: middleware around a final route invocation. It may answer synchronously
 * (a plain route without middleware does), saving the promise machinery on the hot path; callers
 * await only what is thenable.
 */
export type ComposedRoute = (ctx: WebSocketContext) => unknown;

/**
 * Builds the onion once, at bootstrap. Dispatch walks the array by index (the array is never
 * mutated) and a second `next()` from the same middleware is an error: calling the route twice
 * would send twice.
 */
export function compose(
  middleware: readonly MiddlewareFunction[],
  route: ComposedRoute,
): ComposedRoute {
  const chain = middleware.slice();
  const length = chain.length;
  if (length === 0) return route;

  return function run(ctx: WebSocketContext): Promise<unknown> {
    let lastIndex = -1;
    const dispatch = async (index: number): Promise<unknown> => {
      if (index <= lastIndex) throw new Error('next() called more than once in one middleware');
      lastIndex = index;
      if (index === length) return await route(ctx);
      return chain[index](ctx, () => dispatch(index + 1));
    };
    return dispatch(0);
  };
}
