/**
 * The key sets of the captured API Gateway events (the shared aws-events/ folder), inlined so
 * the tests run anywhere. Every list is sorted, ready to compare with `Object.keys(x).sort()`.
 */

/** requestContext keys every captured WebSocket event has. */
const CONTEXT = [
  'apiId',
  'connectedAt',
  'connectionId',
  'domainName',
  'eventType',
  'extendedRequestId',
  'identity',
  'messageDirection',
  'requestId',
  'requestTime',
  'requestTimeEpoch',
  'routeKey',
  'stage',
];
const WITH_HEADERS = ['headers', 'isBase64Encoded', 'multiValueHeaders', 'requestContext'];
const QUERY_MAPS = ['multiValueQueryStringParameters', 'queryStringParameters'];

function sorted(...keys: string[]): string[] {
  return keys.sort();
}

export const AWS_EVENT_KEYS = {
  connect: {
    /** Without a query string; the query maps appear only when the URL has one. */
    top: sorted(...WITH_HEADERS),
    topWithQuery: sorted(...WITH_HEADERS, ...QUERY_MAPS),
    requestContext: sorted(...CONTEXT, 'disconnectReason', 'disconnectStatusCode', 'messageId'),
    headers: sorted(
      'Host',
      'Origin',
      'Sec-WebSocket-Extensions',
      'Sec-WebSocket-Key',
      'Sec-WebSocket-Version',
      'User-Agent',
      'X-Amzn-Trace-Id',
      'X-Forwarded-For',
      'X-Forwarded-Port',
      'X-Forwarded-Proto',
    ),
  },
  message: {
    top: sorted('body', 'isBase64Encoded', 'requestContext'),
    requestContext: sorted(...CONTEXT, 'messageId'),
  },
  messageWithAuthorizer: { requestContext: sorted(...CONTEXT, 'authorizer', 'messageId') },
  disconnect: {
    top: sorted(...WITH_HEADERS),
    requestContext: sorted(...CONTEXT, 'disconnectReason', 'disconnectStatusCode'),
    headers: sorted('Host', 'X-Forwarded-For', 'x-api-key', 'x-restapi'),
  },
  authorizerRequest: {
    top: sorted(
      ...QUERY_MAPS,
      'headers',
      'methodArn',
      'multiValueHeaders',
      'requestContext',
      'stageVariables',
      'type',
    ),
    requestContext: sorted(...CONTEXT),
    headers: sorted('Host', 'Sec-WebSocket-Protocol', 'Sec-WebSocket-Version'),
  },
};
