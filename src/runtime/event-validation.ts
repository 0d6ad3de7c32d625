import { BadRequestError } from '../errors/named-errors';
import type { WebSocketEvent, WebSocketEventType } from '../events/websocket-event';
import { isPlainObject } from '../validation/is-plain-object';

const EVENT_TYPES: ReadonlySet<string> = new Set(['CONNECT', 'MESSAGE', 'DISCONNECT']);
/**
 * API Gateway's connection ids are short base64-like strings ("L0SM9cOFvHcCIhw="). Anything
 * else (a lone surrogate, a megabyte, a control character) would reach `encodeURIComponent`
 * and the store's keys; it is refused here instead.
 */
const CONNECTION_ID = /^[\x21-\x7e]{1,128}$/;
/** Route keys are chosen by the API's author; bounded so that logs and errors stay small. */
const MAX_ROUTE_KEY_LENGTH = 128;

function eventTypeOf(routeKey: string): WebSocketEventType {
  if (routeKey === '$connect') return 'CONNECT';
  if (routeKey === '$disconnect') return 'DISCONNECT';
  return 'MESSAGE';
}

function malformed(what: string): BadRequestError {
  return new BadRequestError(`malformed event: ${what}`);
}

/**
 * Checks that an event is an API Gateway WebSocket event before anything reads it; a malformed
 * one (a test's hand-made event, another trigger wired to this Lambda, a fuzzer) gets a 400,
 * not a crash. Fields the framework cannot do without are required; fields read later are
 * checked for type where they are read (headers, query values, the authorizer context); the
 * rest are filled with safe defaults on a copy.
 */
export function validateEvent(input: unknown): WebSocketEvent {
  if (!isPlainObject(input)) throw malformed('expected an API Gateway WebSocket event object');
  const rc = input.requestContext;
  if (!isPlainObject(rc)) throw malformed('requestContext is missing');
  const routeKey = rc.routeKey;
  if (
    typeof routeKey !== 'string' ||
    routeKey.length === 0 ||
    routeKey.length > MAX_ROUTE_KEY_LENGTH ||
    !routeKey.isWellFormed()
  ) {
    throw malformed(
      `requestContext.routeKey must be a string of 1 to ${MAX_ROUTE_KEY_LENGTH} characters`,
    );
  }
  if (typeof rc.connectionId !== 'string' || !CONNECTION_ID.test(rc.connectionId)) {
    throw malformed(
      'requestContext.connectionId must be 1 to 128 printable ASCII characters, as API Gateway issues them',
    );
  }
  const eventType = rc.eventType;
  if (eventType !== undefined && (typeof eventType !== 'string' || !EVENT_TYPES.has(eventType))) {
    throw malformed('requestContext.eventType must be CONNECT, MESSAGE or DISCONNECT');
  }
  if (eventType !== undefined && eventType !== eventTypeOf(routeKey)) {
    throw malformed(`requestContext.eventType ${eventType} does not match routeKey ${routeKey}`);
  }
  if (input.body !== undefined && input.body !== null && typeof input.body !== 'string') {
    throw malformed('body must be a string');
  }
  for (const key of ['headers', 'queryStringParameters'] as const) {
    const value = input[key];
    if (value !== undefined && value !== null && !isPlainObject(value)) {
      throw malformed(`${key} must be an object`);
    }
  }
  const complete =
    typeof eventType === 'string' &&
    typeof rc.requestId === 'string' &&
    typeof rc.stage === 'string' &&
    typeof rc.domainName === 'string' &&
    typeof rc.apiId === 'string';
  if (complete) return input as unknown as WebSocketEvent;
  // Fill what is missing on a copy; the caller's event is never changed.
  return {
    ...(input as unknown as WebSocketEvent),
    requestContext: {
      ...(rc as unknown as WebSocketEvent['requestContext']),
      eventType: eventType ?? eventTypeOf(routeKey),
      requestId: typeof rc.requestId === 'string' ? rc.requestId : '',
      stage: typeof rc.stage === 'string' ? rc.stage : '',
      domainName: typeof rc.domainName === 'string' ? rc.domainName : '',
      apiId: typeof rc.apiId === 'string' ? rc.apiId : '',
    },
  };
}
