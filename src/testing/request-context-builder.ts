import type {
  AuthorizerContext,
  WebSocketEventType,
  WebSocketRequestContext,
} from '../events/websocket-event';
import { gatewayIds } from '../events/gateway-ids';
import type { EventOptions, QueryValue } from './event-options';

/** @internal Defaults shared by every builder (the ids of aws-events/*.json). */
export const DEFAULT_STAGE = 'prod';
/** @internal */
export const DEFAULT_API_ID = 'abcdef1234';
/** @internal */
export const DEFAULT_REGION = 'us-east-1';
/** @internal */
export const DEFAULT_ACCOUNT_ID = '123456789012';
/** @internal The caller's `identity`, in events and in the recorder's GetConnection answers. */
export const DEFAULT_SOURCE_IP = '203.0.113.10';
/** @internal */
export const DEFAULT_USER_AGENT = 'Mozilla/5.0';

/** @internal */
export function domainNameOf(options: EventOptions): string {
  return (
    options.domainName ??
    `${options.apiId ?? DEFAULT_API_ID}.execute-api.${options.region ?? DEFAULT_REGION}.amazonaws.com`
  );
}

/**
 * The requestContext fields every WebSocket event carries, in the order AWS sends them.
 * @internal
 */
export function buildRequestContext(
  options: EventOptions,
  routeKey: string,
  eventType: WebSocketEventType,
): WebSocketRequestContext {
  const now = Date.now();
  const requestId = options.requestId ?? gatewayIds.newId();
  const requestTimeEpoch = options.requestTimeEpoch ?? now;
  const context: WebSocketRequestContext = {
    routeKey: options.routeKey ?? routeKey,
    eventType,
    extendedRequestId: requestId,
    requestTime: gatewayIds.requestTime(requestTimeEpoch),
    messageDirection: 'IN',
    stage: options.stage ?? DEFAULT_STAGE,
    connectedAt: options.connectedAt ?? now,
    requestTimeEpoch,
    identity: {
      sourceIp: options.sourceIp ?? DEFAULT_SOURCE_IP,
      userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
    },
    requestId,
    domainName: domainNameOf(options),
    connectionId: options.connectionId ?? gatewayIds.newId(),
    apiId: options.apiId ?? DEFAULT_API_ID,
  };
  if (options.authorizer) context.authorizer = stringifyAuthorizer(options.authorizer);
  return context;
}

/**
 * API Gateway hands a REQUEST authorizer's context to later events with every value as a
 * string, plus `principalId` and `integrationLatency`.
 */
function stringifyAuthorizer(context: AuthorizerContext): Record<string, string> {
  const out: Record<string, string> = {};
  const principal = context.principalId ?? context.sub;
  out.principalId = principal === null || principal === undefined ? 'user' : String(principal);
  out.integrationLatency = '38';
  for (const [key, value] of Object.entries(context)) {
    if (value !== null && value !== undefined) out[key] = String(value);
  }
  return out;
}

/**
 * Merges headers over defaults case-insensitively (a given `origin` replaces the default
 * `Origin`); `undefined` removes a header. Returns both maps AWS sends.
 * @internal
 */
export function buildHeaders(
  defaults: Record<string, string>,
  given: Record<string, string | undefined> | undefined,
): { headers: Record<string, string>; multiValueHeaders: Record<string, string[]> } {
  const merged = new Map<string, [string, string]>();
  for (const [name, value] of Object.entries(defaults))
    merged.set(name.toLowerCase(), [name, value]);
  for (const [name, value] of Object.entries(given ?? {})) {
    if (value === undefined) merged.delete(name.toLowerCase());
    else merged.set(name.toLowerCase(), [name, value]);
  }
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of merged.values()) {
    headers[name] = value;
    multiValueHeaders[name] = [value];
  }
  return { headers, multiValueHeaders };
}

/**
 * Both query maps. For a repeated name AWS puts the last value in `queryStringParameters`.
 * @internal
 */
export function buildQuery(query: Record<string, QueryValue>): {
  queryStringParameters: Record<string, string>;
  multiValueQueryStringParameters: Record<string, string[]>;
} {
  const queryStringParameters: Record<string, string> = {};
  const multiValueQueryStringParameters: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(query)) {
    const values: string[] = typeof value === 'string' ? [value] : [...value];
    if (values.length === 0) continue;
    queryStringParameters[name] = values[values.length - 1];
    multiValueQueryStringParameters[name] = values;
  }
  return { queryStringParameters, multiValueQueryStringParameters };
}
