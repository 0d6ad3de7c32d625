import { WebSocketResponse } from '../context/websocket-response';
import type { WebSocketResult } from '../events/websocket-event';

/**
 * What a route returned -> the Lambda result. `undefined` -> 200 without a body;
 * `ctx.status(code).json(value)` -> exactly that; any other value -> 200 with it as JSON.
 * Headers set with `ctx.header(name, value)` go on the answer either way.
 *
 * Each result is one object literal with all of its fields: a literal's layout (V8's map) is
 * held by the literal itself, where adding `body` afterwards made a map that a full GC
 * collected between events, deoptimizing the code that maps results (src/engine/keep-shape.ts).
 */
export function toResult(value: unknown, pending: WebSocketResponse | undefined): WebSocketResult {
  const response = value instanceof WebSocketResponse ? value : pending;
  const statusCode = response?.statusCode ?? 200;
  let body: string | undefined;
  if (value instanceof WebSocketResponse) body = value.body;
  else if (value !== undefined) body = JSON.stringify(value);
  else body = response?.body;
  if (response && Object.keys(response.headers).length > 0) {
    const headers = { ...response.headers };
    return body === undefined ? { statusCode, headers } : { statusCode, headers, body };
  }
  return body === undefined ? { statusCode } : { statusCode, body };
}

/** The same result with another body (a request frame's reply), as one literal as well. */
export function withBody(result: WebSocketResult, body: string): WebSocketResult {
  const { statusCode, headers } = result;
  return headers === undefined ? { statusCode, body } : { statusCode, headers, body };
}
