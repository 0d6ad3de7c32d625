import { BadRequestError } from '../errors/named-errors';
import type { WebSocketEvent, WebSocketEventType } from '../events/websocket-event';

const EVENT_TYPES: ReadonlySet<string> = new Set(['CONNECT', 'MESSAGE', 'DISCONNECT']);

function eventTypeOf(routeKey: string): WebSocketEventType {
  if (routeKey === '$connect') return 'CONNECT';
  if (routeKey === '$disconnect') return 'DISCONNECT';
  return 'MESSAGE';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks that an event is an API Gateway WebSocket event before anything reads it; a malformed
 * one (a test's hand-made event, another trigger wired to this Lambda) gets a 400, not a crash.
 * Fields the framework cannot do without are required; the rest are filled with safe defaults.
 */
export function validateEvent(input: unknown): WebSocketEvent {
  if (!isRecord(input))
    throw new BadRequestError('malformed event: expected an API Gateway WebSocket event object');
  const rc = input.requestContext;
  if (!isRecord(rc)) throw new BadRequestError('malformed event: requestContext is missing');
  if (typeof rc.routeKey !== 'string' || rc.routeKey.length === 0) {
    throw new BadRequestError(
      'malformed event: requestContext.routeKey must be a non-empty string',
    );
  }
  if (typeof rc.connectionId !== 'string' || rc.connectionId.length === 0) {
    throw new BadRequestError(
      'malformed event: requestContext.connectionId must be a non-empty string',
    );
  }
  if (
    rc.eventType !== undefined &&
    (typeof rc.eventType !== 'string' || !EVENT_TYPES.has(rc.eventType))
  ) {
    throw new BadRequestError(
      'malformed event: requestContext.eventType must be CONNECT, MESSAGE or DISCONNECT',
    );
  }
  if (input.body !== undefined && input.body !== null && typeof input.body !== 'string') {
    throw new BadRequestError('malformed event: body must be a string');
  }
  for (const key of ['headers', 'queryStringParameters'] as const) {
    const value = input[key];
    if (value !== undefined && value !== null && !isRecord(value)) {
      throw new BadRequestError(`malformed event: ${key} must be an object`);
    }
  }
  const complete =
    typeof rc.eventType === 'string' &&
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
      eventType: (rc.eventType as WebSocketEventType | undefined) ?? eventTypeOf(rc.routeKey),
      requestId: typeof rc.requestId === 'string' ? rc.requestId : '',
      stage: typeof rc.stage === 'string' ? rc.stage : '',
      domainName: typeof rc.domainName === 'string' ? rc.domainName : '',
      apiId: typeof rc.apiId === 'string' ? rc.apiId : '',
    },
  };
}
