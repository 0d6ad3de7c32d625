import type { WebSocketConnectEvent } from '../events/websocket-event';
import type { EventOptions } from './event-options';
import {
  DEFAULT_SOURCE_IP,
  DEFAULT_USER_AGENT,
  buildHeaders,
  buildQuery,
  buildRequestContext,
  domainNameOf,
} from './request-context-builder';

/**
 * A `$connect` event shaped like API Gateway's: the browser's handshake headers, the query maps
 * only when a query is given, and `messageId` / `disconnectStatusCode` / `disconnectReason` null.
 *
 * @example
 * const event = connectEvent({ query: { Authorization: token }, headers: { Origin: 'https://app.example.com' } });
 * const result = await handler(event, lambdaContext());
 */
export function connectEvent(options: EventOptions = {}): WebSocketConnectEvent {
  const { headers, multiValueHeaders } = buildHeaders(
    {
      Host: domainNameOf(options),
      Origin: 'https://chat.example.com',
      'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version': '13',
      'User-Agent': options.userAgent ?? DEFAULT_USER_AGENT,
      'X-Amzn-Trace-Id': 'Root=1-67890abc-1234567890abcdef12345678',
      'X-Forwarded-For': options.sourceIp ?? DEFAULT_SOURCE_IP,
      'X-Forwarded-Port': '443',
      'X-Forwarded-Proto': 'https',
    },
    options.headers,
  );
  const requestContext = buildRequestContext(options, '$connect', 'CONNECT');
  requestContext.messageId = null;
  requestContext.disconnectStatusCode = null;
  requestContext.disconnectReason = null;
  // Key order follows AWS (headers, query maps, requestContext) so printed events read alike.
  const event: WebSocketConnectEvent = {
    headers,
    multiValueHeaders,
    ...(options.query ? buildQuery(options.query) : {}),
    ...(options.stageVariables ? { stageVariables: { ...options.stageVariables } } : {}),
    requestContext: requestContext as WebSocketConnectEvent['requestContext'],
    isBase64Encoded: false,
  };
  return event;
}
