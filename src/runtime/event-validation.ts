import { BadRequestError } from '../errors/named-errors';
import { isWellFormedConnectionId, MAX_CONNECTION_ID_LENGTH } from '../events/connection-id';
import type { WebSocketEvent, WebSocketEventType } from '../events/websocket-event';
import { isPlainObject } from '../validation/is-plain-object';

/** Connection ids and route keys are bounded so that logs, errors and store keys stay small. */
const MAX_ROUTE_KEY_LENGTH = 128;

/**
 * A route key is bounded and encodable: it reaches logs, errors and metrics labels. (The
 * connection id's rule is in events/connection-id.ts.)
 */
function isRouteKey(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= MAX_ROUTE_KEY_LENGTH &&
    value.isWellFormed()
  );
}

/** Absent, or an object (not an array): headers, query parameters. */
function isOptionalMap(value: unknown): boolean {
  return value === undefined || value === null || isPlainObject(value);
}

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
 *
 * The first test is the whole check for what API Gateway sends (every field present and of its
 * type), flat, so the common event costs a handful of comparisons; anything it does not accept
 * goes through `checkFields`, which names what is wrong.
 */
export function validateEvent(input: unknown): WebSocketEvent {
  if (typeof input === 'object' && input !== null) {
    const event = input as Record<string, unknown>;
    const rc = event.requestContext as Record<string, unknown> | null | undefined;
    if (
      typeof rc === 'object' &&
      rc !== null &&
      isRouteKey(rc.routeKey) &&
      isWellFormedConnectionId(rc.connectionId) &&
      rc.eventType === eventTypeOf(rc.routeKey) &&
      typeof rc.requestId === 'string' &&
      typeof rc.stage === 'string' &&
      typeof rc.domainName === 'string' &&
      typeof rc.apiId === 'string' &&
      (event.body === undefined || event.body === null || typeof event.body === 'string') &&
      isOptionalMap(event.headers) &&
      isOptionalMap(event.queryStringParameters) &&
      !Array.isArray(input) &&
      !Array.isArray(rc)
    ) {
      return input as WebSocketEvent;
    }
  }
  return checkFields(input);
}

/** The slow path: says which field is wrong, or fills the missing optional ones on a copy. */
function checkFields(input: unknown): WebSocketEvent {
  if (!isPlainObject(input)) throw malformed('expected an API Gateway WebSocket event object');
  const rc = input.requestContext;
  if (!isPlainObject(rc)) throw malformed('requestContext is missing');
  const routeKey = rc.routeKey;
  if (!isRouteKey(routeKey)) {
    throw malformed(
      `requestContext.routeKey must be a string of 1 to ${MAX_ROUTE_KEY_LENGTH} characters`,
    );
  }
  if (!isWellFormedConnectionId(rc.connectionId)) {
    throw malformed(
      `requestContext.connectionId must be a well-formed string of 1 to ${MAX_CONNECTION_ID_LENGTH} characters`,
    );
  }
  const eventType = rc.eventType;
  if (
    eventType !== undefined &&
    eventType !== 'CONNECT' &&
    eventType !== 'MESSAGE' &&
    eventType !== 'DISCONNECT'
  ) {
    throw malformed('requestContext.eventType must be CONNECT, MESSAGE or DISCONNECT');
  }
  if (eventType !== undefined && eventType !== eventTypeOf(routeKey)) {
    throw malformed(`requestContext.eventType ${eventType} does not match routeKey ${routeKey}`);
  }
  if (input.body !== undefined && input.body !== null && typeof input.body !== 'string') {
    throw malformed('body must be a string');
  }
  if (!isOptionalMap(input.headers)) throw malformed('headers must be an object');
  if (!isOptionalMap(input.queryStringParameters)) {
    throw malformed('queryStringParameters must be an object');
  }
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
