import {
  authorizerEvent,
  connectEvent,
  disconnectEvent,
  lambdaContext,
  messageEvent,
} from '../../src/testing';
import { AWS_EVENT_KEYS } from '../support/aws-event-keys';

function sorted(list: string[]): string[] {
  return [...list].sort();
}

function keys(value: object): string[] {
  return Object.keys(value).sort();
}

const CONNECTION_ID = /^[A-Za-z0-9+/]{15}=$/;

describe('event builders match the real event shapes', () => {
  it('connectEvent has the keys of connect.json (query maps only when a query is given)', () => {
    const real = AWS_EVENT_KEYS.connect;
    const withQuery = connectEvent({ query: { Authorization: '<jwt>' } });
    expect(keys(withQuery)).toEqual(sorted(real.topWithQuery));
    expect(keys(withQuery.requestContext)).toEqual(sorted(real.requestContext));
    expect(keys(withQuery.headers)).toEqual(sorted(real.headers));
    expect(withQuery.queryStringParameters).toEqual({ Authorization: '<jwt>' });
    expect(withQuery.multiValueQueryStringParameters).toEqual({ Authorization: ['<jwt>'] });

    const plain = connectEvent();
    expect('queryStringParameters' in plain).toBe(false);
    expect('multiValueQueryStringParameters' in plain).toBe(false);
    expect(plain.requestContext).toMatchObject({
      routeKey: '$connect',
      eventType: 'CONNECT',
      messageId: null,
      disconnectStatusCode: null,
      disconnectReason: null,
      stage: 'prod',
      apiId: 'abcdef1234',
      domainName: 'abcdef1234.execute-api.us-east-1.amazonaws.com',
      messageDirection: 'IN',
    });
    expect(plain.headers.Host).toBe(plain.requestContext.domainName);
    expect(plain.isBase64Encoded).toBe(false);
  });

  it('messageEvent has the keys of message.json; bodies as string or JSON', () => {
    const real = AWS_EVENT_KEYS.message;
    const event = messageEvent('{"action":"sendMessage"}');
    expect(keys(event)).toEqual(sorted(real.top));
    expect(keys(event.requestContext)).toEqual(sorted(real.requestContext));
    expect(event.body).toBe('{"action":"sendMessage"}');
    expect(event.requestContext.routeKey).toBe('$default');
    expect(event.requestContext.messageId).toMatch(CONNECTION_ID);

    const fromObject = messageEvent({
      body: { action: 'sendMessage', text: 'hi' },
      routeKey: 'sendMessage',
    });
    expect(JSON.parse(fromObject.body)).toEqual({ action: 'sendMessage', text: 'hi' });
    expect(fromObject.requestContext.routeKey).toBe('sendMessage');
    expect(messageEvent().body).toBe('');
    expect(messageEvent('x', { connectionId: 'abc=' }).requestContext.connectionId).toBe('abc=');
  });

  it('messageEvent encodes base64 bodies when asked, and bytes always', () => {
    const text = messageEvent({ body: 'héllo', isBase64Encoded: true });
    expect(text.isBase64Encoded).toBe(true);
    expect(Buffer.from(text.body, 'base64').toString('utf8')).toBe('héllo');
    const bytes = messageEvent({ body: new Uint8Array([0, 255, 1]) });
    expect(bytes.isBase64Encoded).toBe(true);
    expect([...Buffer.from(bytes.body, 'base64')]).toEqual([0, 255, 1]);
  });

  it('the authorizer context is stringified like AWS, with principalId and integrationLatency', () => {
    const real = AWS_EVENT_KEYS.messageWithAuthorizer;
    const event = messageEvent({
      routeKey: 'sendMessage',
      body: { action: 'sendMessage' },
      authorizer: { sub: 'user-42', tenant_id: 'acme', exp: 1795681466, admin: false },
    });
    expect(keys(event.requestContext)).toEqual(sorted(real.requestContext));
    expect(event.requestContext.authorizer).toEqual({
      principalId: 'user-42',
      integrationLatency: '38',
      sub: 'user-42',
      tenant_id: 'acme',
      exp: '1795681466',
      admin: 'false',
    });
    expect(connectEvent({ authorizer: { sub: 'u' } }).requestContext.authorizer).toMatchObject({
      sub: 'u',
    });
  });

  it('disconnectEvent has the keys of disconnect.json and its close code', () => {
    const real = AWS_EVENT_KEYS.disconnect;
    const event = disconnectEvent({ disconnectStatusCode: 1006, disconnectReason: 'gone away' });
    expect(keys(event)).toEqual(sorted(real.top));
    expect(keys(event.requestContext)).toEqual(sorted(real.requestContext));
    expect(keys(event.headers ?? {})).toEqual(sorted(real.headers));
    expect(event.requestContext).toMatchObject({
      routeKey: '$disconnect',
      eventType: 'DISCONNECT',
      disconnectStatusCode: 1006,
      disconnectReason: 'gone away',
    });
    expect(disconnectEvent().requestContext.disconnectStatusCode).toBe(1001);
    expect(disconnectEvent().requestContext.disconnectReason).toBe('');
  });

  it('authorizerEvent has the keys of authorizer-request.json and a methodArn for the route', () => {
    const real = AWS_EVENT_KEYS.authorizerRequest;
    const event = authorizerEvent({
      headers: { 'Sec-WebSocket-Protocol': '<jwt>' },
      apiId: 'xyz987',
      stage: 'dev',
      region: 'eu-west-1',
    });
    expect(keys(event)).toEqual(sorted(real.top));
    expect(keys(event.requestContext)).toEqual(sorted(real.requestContext));
    expect(keys(event.headers ?? {})).toEqual(sorted(real.headers));
    expect(event.methodArn).toBe('arn:aws:execute-api:eu-west-1:123456789012:xyz987/dev/$connect');
    expect(event.requestContext.domainName).toBe('xyz987.execute-api.eu-west-1.amazonaws.com');
    expect(event.queryStringParameters).toEqual({});
    expect(event.stageVariables).toEqual({});
    expect(authorizerEvent({ query: { Authorization: 't' } }).queryStringParameters).toEqual({
      Authorization: 't',
    });
  });

  it('gives fresh ids on every call, shaped like API Gateway ids', () => {
    const a = connectEvent();
    const b = connectEvent();
    expect(a.requestContext.connectionId).toMatch(CONNECTION_ID);
    expect(a.requestContext.connectionId).not.toBe(b.requestContext.connectionId);
    expect(a.requestContext.requestId).not.toBe(b.requestContext.requestId);
    expect(a.requestContext.extendedRequestId).toBe(a.requestContext.requestId);
    const ids = new Set(
      Array.from({ length: 1000 }, () => messageEvent().requestContext.connectionId),
    );
    expect(ids.size).toBe(1000);
  });

  it('takes every option', () => {
    const event = connectEvent({
      connectionId: 'Q29ubjAwMDAwMDE=',
      requestId: 'Q2xpZW50MTIzNDU=',
      stage: 'dev',
      domainName: 'ws.example.com',
      apiId: 'api1',
      sourceIp: '198.51.100.7',
      userAgent: 'curl/8',
      connectedAt: 1795677866185,
      requestTimeEpoch: 1795677866186,
      headers: { origin: 'https://evil.example', 'Sec-WebSocket-Key': undefined, 'X-Extra': '1' },
      query: { room: ['a', 'b'] },
      stageVariables: { env: 'dev' },
    });
    expect(event.requestContext).toMatchObject({
      connectionId: 'Q29ubjAwMDAwMDE=',
      requestId: 'Q2xpZW50MTIzNDU=',
      stage: 'dev',
      domainName: 'ws.example.com',
      apiId: 'api1',
      identity: { sourceIp: '198.51.100.7', userAgent: 'curl/8' },
      connectedAt: 1795677866185,
      requestTimeEpoch: 1795677866186,
      requestTime: '26/Nov/2026:07:24:26 +0000',
    });
    // Case-insensitive merge: `origin` replaces `Origin`; undefined removes a default.
    expect(event.headers.origin).toBe('https://evil.example');
    expect(event.headers.Origin).toBeUndefined();
    expect(event.headers['Sec-WebSocket-Key']).toBeUndefined();
    expect(event.multiValueHeaders['X-Extra']).toEqual(['1']);
    expect(event.headers.Host).toBe('ws.example.com');
    expect(event.queryStringParameters).toEqual({ room: 'b' });
    expect(event.multiValueQueryStringParameters).toEqual({ room: ['a', 'b'] });
    expect(event.stageVariables).toEqual({ env: 'dev' });
  });
});

describe('lambdaContext', () => {
  afterEach(() => jest.useRealTimers());

  it('fills the Lambda fields with a fresh awsRequestId', () => {
    const a = lambdaContext();
    const b = lambdaContext({ functionName: 'chat', region: 'eu-west-1' });
    expect(a.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.awsRequestId).not.toBe(b.awsRequestId);
    expect(b.invokedFunctionArn).toBe('arn:aws:lambda:eu-west-1:123456789012:function:chat');
    expect(b.logGroupName).toBe('/aws/lambda/chat');
    expect(lambdaContext({ awsRequestId: 'r1' }).awsRequestId).toBe('r1');
  });

  it('counts the remaining time down from the budget, stopping at zero', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const ctx = lambdaContext({ timeoutMs: 3000 });
    expect(ctx.getRemainingTimeInMillis()).toBe(3000);
    jest.advanceTimersByTime(1200);
    expect(ctx.getRemainingTimeInMillis()).toBe(1800);
    jest.advanceTimersByTime(5000);
    expect(ctx.getRemainingTimeInMillis()).toBe(0);
    expect(lambdaContext().getRemainingTimeInMillis()).toBe(30000);
  });
});
