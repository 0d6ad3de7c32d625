import type { WebSocketDisconnectEvent } from '../events/websocket-event';
import type { EventOptions } from './event-options';
import { buildHeaders, buildRequestContext, domainNameOf } from './request-context-builder';

export interface DisconnectEventOptions extends EventOptions {
  /** The WebSocket close code: 1000, 1001 (default: the browser left), 1005, 1006... */
  disconnectStatusCode?: number;
  /** Often empty in real events. Default `''`. */
  disconnectReason?: string;
}

/**
 * A `$disconnect` event shaped like API Gateway's, with the synthetic headers AWS sends
 * (empty `X-Forwarded-For`, `x-api-key`, `x-restapi`).
 *
 * @example
 * await handler(disconnectEvent({ connectionId, disconnectStatusCode: 1006 }), lambdaContext());
 */
export function disconnectEvent(options: DisconnectEventOptions = {}): WebSocketDisconnectEvent {
  const { headers, multiValueHeaders } = buildHeaders(
    { Host: domainNameOf(options), 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' },
    options.headers,
  );
  const { routeKey, ...rest } = buildRequestContext(options, '$disconnect', 'DISCONNECT');
  return {
    headers,
    multiValueHeaders,
    ...(options.stageVariables ? { stageVariables: { ...options.stageVariables } } : {}),
    requestContext: {
      ...rest,
      routeKey: routeKey as '$disconnect',
      eventType: 'DISCONNECT',
      disconnectStatusCode: options.disconnectStatusCode ?? 1001,
      disconnectReason: options.disconnectReason ?? '',
    },
    isBase64Encoded: false,
  };
}
