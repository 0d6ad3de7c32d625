import type { WebSocketMessageEvent } from '../events/websocket-event';
import { gatewayIds } from '../events/gateway-ids';
import type { EventOptions } from './event-options';
import { buildHeaders, buildQuery, buildRequestContext } from './request-context-builder';

/** A message body: a string as is, bytes as is, anything else as JSON. */
export type MessageBody = string | Uint8Array | Record<string, unknown> | unknown[];

export interface MessageEventOptions extends EventOptions {
  /** The frame the client sent: a string as is, an object or array as JSON. Default `''`. */
  body?: MessageBody;
  /**
   * Marks the body base64-encoded, as API Gateway does for binary frames; the builder encodes
   * the body (give it decoded). Bytes are always sent this way. AWS itself refuses binary
   * frames on WebSocket APIs, so this is for testing the decoding path.
   */
  isBase64Encoded?: boolean;
  /** Default: fresh. */
  messageId?: string;
}

/**
 * A message event shaped like API Gateway's (route `$default` unless `routeKey` is given).
 * Pass the body as a string, or options (with `body` as a string, bytes or an object).
 *
 * @example
 * messageEvent('{"action":"sendMessage","text":"hi"}');
 * messageEvent({ body: { action: 'sendMessage', text: 'hi' }, connectionId, authorizer: { sub: 'user-42' } });
 */
export function messageEvent(
  bodyOrOptions?: string | MessageEventOptions,
  options?: MessageEventOptions,
): WebSocketMessageEvent {
  const opts: MessageEventOptions =
    typeof bodyOrOptions === 'string'
      ? { ...options, body: bodyOrOptions }
      : { ...bodyOrOptions, ...options };
  const requestContext = buildRequestContext(opts, '$default', 'MESSAGE');
  const { body, isBase64Encoded } = encodeBody(opts.body ?? '', opts.isBase64Encoded === true);
  // messageId comes second in real events; rebuild to keep the printed order familiar.
  const { routeKey, messageId: _none, ...rest } = requestContext;
  const event: WebSocketMessageEvent = {
    ...(opts.headers ? buildHeaders({}, opts.headers) : {}),
    ...(opts.query ? buildQuery(opts.query) : {}),
    ...(opts.stageVariables ? { stageVariables: { ...opts.stageVariables } } : {}),
    requestContext: {
      routeKey,
      messageId: opts.messageId ?? gatewayIds.newId(),
      ...rest,
      eventType: 'MESSAGE',
    },
    body,
    isBase64Encoded,
  };
  return event;
}

function encodeBody(
  body: MessageBody,
  base64: boolean,
): { body: string; isBase64Encoded: boolean } {
  if (body instanceof Uint8Array) {
    return { body: Buffer.from(body).toString('base64'), isBase64Encoded: true };
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return base64
    ? { body: Buffer.from(text, 'utf8').toString('base64'), isBase64Encoded: true }
    : { body: text, isBase64Encoded: false };
}
