import type { WebSocketAuthorizerEvent } from '../events/websocket-event';
import type { EventOptions } from './event-options';
import {
  DEFAULT_ACCOUNT_ID,
  DEFAULT_API_ID,
  DEFAULT_REGION,
  DEFAULT_STAGE,
  buildHeaders,
  buildQuery,
  buildRequestContext,
  domainNameOf,
} from './request-context-builder';

export interface AuthorizerEventOptions extends Omit<EventOptions, 'authorizer'> {
  /** Default `123456789012`; part of `methodArn`. */
  accountId?: string;
}

/**
 * The input of a Lambda REQUEST authorizer on `$connect`, shaped like API Gateway's. Unlike the
 * `$connect` event, the query and stage-variable maps are always present (empty when none).
 *
 * @example
 * const answer = await authorizer(authorizerEvent({ query: { Authorization: token } }));
 * expect(answer.policyDocument.Statement[0].Effect).toBe('Allow');
 */
export function authorizerEvent(options: AuthorizerEventOptions = {}): WebSocketAuthorizerEvent {
  const region = options.region ?? DEFAULT_REGION;
  const apiId = options.apiId ?? DEFAULT_API_ID;
  const stage = options.stage ?? DEFAULT_STAGE;
  const routeKey = options.routeKey ?? '$connect';
  const { headers, multiValueHeaders } = buildHeaders(
    { Host: domainNameOf(options), 'Sec-WebSocket-Version': '13' },
    options.headers,
  );
  const query = buildQuery(options.query ?? {});
  return {
    type: 'REQUEST',
    methodArn: `arn:aws:execute-api:${region}:${options.accountId ?? DEFAULT_ACCOUNT_ID}:${apiId}/${stage}/${routeKey}`,
    headers,
    multiValueHeaders,
    queryStringParameters: query.queryStringParameters,
    multiValueQueryStringParameters: query.multiValueQueryStringParameters,
    stageVariables: { ...options.stageVariables },
    requestContext: buildRequestContext({ ...options, routeKey }, '$connect', 'CONNECT'),
  };
}
