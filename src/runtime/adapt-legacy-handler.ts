import type { WebSocketContext } from '../context/websocket-context';
import { WebSocketResponse } from '../context/websocket-response';
import type { LambdaContext, WebSocketEvent } from '../events/websocket-event';

/** A plain Lambda handler, as written before lift-ws. */
export type LegacyHandler = (event: WebSocketEvent, context: LambdaContext) => unknown;

function isProxyResult(
  value: unknown,
): value is { statusCode: number; headers?: Record<string, unknown>; body?: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { statusCode?: unknown }).statusCode === 'number'
  );
}

/**
 * Mounts an existing `(event, context) => result` Lambda handler as a route, so a big
 * `switch (routeKey)` handler can move over one route at a time. Its result passes through as is:
 * a `{ statusCode, headers, body }` object keeps all three; anything else is the body.
 *
 * @example
 * @WebSocketController()
 * class Legacy {
 *   @OnMessage('report') report = adaptLegacyHandler(oldReportHandler);
 * }
 */
export function adaptLegacyHandler(
  handler: LegacyHandler,
): (ctx: WebSocketContext) => Promise<unknown> {
  if (typeof handler !== 'function')
    throw new TypeError('adaptLegacyHandler(handler): handler must be a function');
  return async function legacyRoute(ctx: WebSocketContext): Promise<unknown> {
    const result = await handler(ctx.event, ctx.lambdaContext);
    if (!isProxyResult(result)) return result;
    const response = new WebSocketResponse(result.statusCode);
    for (const [name, value] of Object.entries(result.headers ?? {})) {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        response.header(name, String(value));
      }
    }
    if (typeof result.body === 'string') response.text(result.body);
    else if (result.body !== undefined && result.body !== null) response.json(result.body);
    return response;
  };
}
