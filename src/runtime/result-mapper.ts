import { WebSocketResponse } from '../context/websocket-response';
import type { WebSocketResult } from '../events/websocket-event';

/**
 * What a route returned -> the Lambda result. `undefined` -> 200 without a body;
 * `ctx.status(code).json(value)` -> exactly that; any other value -> 200 with it as JSON.
 * Headers set with `ctx.header(name, value)` go on the answer either way.
 */
export function toResult(value: unknown, pending: WebSocketResponse | undefined): WebSocketResult {
  const response = value instanceof WebSocketResponse ? value : pending;
  const result: WebSocketResult = { statusCode: response?.statusCode ?? 200 };
  if (response && Object.keys(response.headers).length > 0)
    result.headers = { ...response.headers };
  if (value instanceof WebSocketResponse) {
    if (value.body !== undefined) result.body = value.body;
  } else if (value !== undefined) {
    const body = JSON.stringify(value);
    if (body !== undefined) result.body = body;
  } else if (response?.body !== undefined) {
    result.body = response.body;
  }
  return result;
}
