/**
 * The local gateway's pure parts: route selection, the authorizer's policy, proxy results,
 * ids and times, the `@connections` wire format, the environment it sets, and option validation.
 */
import {
  decideOnAuthorizerError,
  decideOnAuthorizerResult,
} from '../../src/local/authorizer-decision';
import {
  GatewayEnvironment,
  MANAGEMENT_ENDPOINT_VARIABLE,
} from '../../src/local/gateway-environment';
import { connectionsWire } from '../../src/events/connections-wire';
import { gatewayIds } from '../../src/events/gateway-ids';
import { resolveLimits } from '../../src/local/local-gateway-options';
import { readProxyResult } from '../../src/local/proxy-result';
import { RouteSelector } from '../../src/local/route-selector';
import { startLocalGateway, type LocalHandler } from '../../src/local';

const ARN = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/local/$connect';

function policy(...statements: Array<{ Effect: string; Resource: unknown; Action?: unknown }>) {
  return {
    principalId: 'user-1',
    policyDocument: {
      Version: '2012-10-17',
      Statement: statements.map((s) => ({ Action: 'execute-api:Invoke', ...s })),
    },
  };
}

describe('RouteSelector', () => {
  it('selects by a top-level or dotted field, both expression spellings', () => {
    expect(new RouteSelector('$request.body.action', []).select('{"action":"join"}')).toBe('join');
    expect(new RouteSelector('${request.body.meta.kind}', []).select('{"meta":{"kind":"x"}}')).toBe(
      'x',
    );
  });

  it('reads scalars as strings and everything else as no selection', () => {
    const selector = new RouteSelector('$request.body.action', []);
    expect(selector.select('{"action":7}')).toBe('7');
    expect(selector.select('{"action":true}')).toBe('true');
    for (const body of [
      '{"action":null}',
      '{"action":{"a":1}}',
      '[1]',
      '"action"',
      'plain text',
      '{}',
    ]) {
      expect(selector.select(body)).toBeUndefined();
    }
    expect(new RouteSelector('$request.body.constructor.name', []).select('{}')).toBeUndefined();
  });

  it('decides: matching route, else $default, else Forbidden; $-keys cannot be selected', () => {
    const selector = new RouteSelector('$request.body.action', ['join', '$default', '$disconnect']);
    expect(selector.decide('{"action":"join"}')).toEqual({ routeKey: 'join' });
    expect(selector.decide('{"action":"$disconnect"}')).toEqual({ routeKey: '$default' });
    expect(new RouteSelector('$request.body.action', ['join']).decide('{"action":"x"}')).toEqual({
      forbidden: true,
    });
  });

  it('rejects expressions API Gateway would not evaluate here', () => {
    expect(() => new RouteSelector('$request.header.x', [])).toThrow(
      'Unsupported route selection expression',
    );
    expect(() => new RouteSelector('$request.body.', [])).toThrow();
    expect(() => new RouteSelector('action', [])).toThrow();
  });
});

describe('authorizer decision', () => {
  it('allows on an Allow for the method ARN, with wildcards, and stringifies the context', () => {
    const result = {
      ...policy({ Effect: 'Allow', Resource: 'arn:aws:execute-api:*:*:abcdef1234/*' }),
    };
    const decision = decideOnAuthorizerResult(
      { ...result, context: { n: 1, b: false, s: 'x', gone: null } },
      ARN,
    );
    expect(decision).toEqual({
      allow: true,
      principalId: 'user-1',
      context: { n: '1', b: 'false', s: 'x' },
    });
  });

  it('denies (403) on an explicit Deny, even beside an Allow, and when nothing allows', () => {
    const both = policy({ Effect: 'Allow', Resource: ARN }, { Effect: 'Deny', Resource: [ARN] });
    expect(decideOnAuthorizerResult(both, ARN)).toMatchObject({ allow: false, statusCode: 403 });
    const elsewhere = policy({
      Effect: 'Allow',
      Resource: 'arn:aws:execute-api:us-east-1:1:other/*',
    });
    expect(decideOnAuthorizerResult(elsewhere, ARN)).toMatchObject({
      allow: false,
      statusCode: 403,
    });
    const wrongAction = policy({ Effect: 'Allow', Resource: ARN, Action: 's3:GetObject' });
    expect(decideOnAuthorizerResult(wrongAction, ARN)).toMatchObject({
      allow: false,
      statusCode: 403,
    });
  });

  it('answers 500 for malformed results and errors other than "Unauthorized"', () => {
    for (const bad of [undefined, 'Allow', { policyDocument: {} }, { principalId: 'p' }]) {
      expect(decideOnAuthorizerResult(bad, ARN)).toMatchObject({ allow: false, statusCode: 500 });
    }
    expect(decideOnAuthorizerError(new Error('Unauthorized'))).toMatchObject({ statusCode: 401 });
    expect(decideOnAuthorizerError('Unauthorized')).toMatchObject({ statusCode: 401 });
    expect(decideOnAuthorizerError(new Error('jwks unreachable'))).toMatchObject({
      statusCode: 500,
    });
  });
});

describe('readProxyResult', () => {
  it('reads status, headers and body; a string is a body; base64 is decoded', () => {
    expect(
      readProxyResult({ statusCode: 201, headers: { 'X-A': 'b', 'X-N': 2 }, body: 'x' }),
    ).toEqual({
      statusCode: 201,
      headers: [
        ['X-A', 'b'],
        ['X-N', '2'],
      ],
      body: 'x',
    });
    expect(readProxyResult('hello')).toEqual({ headers: [], body: 'hello' });
    expect(
      readProxyResult({ body: Buffer.from('hi').toString('base64'), isBase64Encoded: true }).body,
    ).toBe('hi');
    expect(readProxyResult(undefined)).toEqual({ headers: [] });
  });

  it('drops headers that could inject lines into the handshake', () => {
    const result = readProxyResult({
      headers: { 'X-Bad': 'a\r\nSet-Cookie: x', 'Bad Name': 'v', 'X-Ok': 'v' },
    });
    expect(result.headers).toEqual([['X-Ok', 'v']]);
  });
});

describe('gatewayIds', () => {
  it('formats requestTime like API Gateway', () => {
    expect(gatewayIds.requestTime(1795677866185)).toBe('26/Nov/2026:07:24:26 +0000');
    expect(gatewayIds.requestTime(Date.UTC(2026, 0, 5, 3, 4, 5))).toBe(
      '05/Jan/2026:03:04:05 +0000',
    );
  });

  it('makes ids shaped like AWS ones', () => {
    expect(gatewayIds.newId()).toMatch(/^[A-Za-z0-9]{15}=$/);
    expect(gatewayIds.newApiId()).toMatch(/^[a-z0-9]{10}$/);
  });
});

describe('RouteSelector with the shared RouteSelectionExpression', () => {
  it('selects by the multi-variable form and refuses a bare path an API cannot have', () => {
    const selector = new RouteSelector('${request.body.service}/${request.body.action}', [
      'chat/join',
    ]);
    expect(selector.decide('{"service":"chat","action":"join"}')).toEqual({
      routeKey: 'chat/join',
    });
    expect(selector.decide('{"action":"join"}')).toEqual({ forbidden: true });
    expect(() => new RouteSelector('meta.type', [])).toThrow(
      'Unsupported route selection expression "meta.type"',
    );
  });
});

describe('connectionsWire', () => {
  it('parses /{stage}/@connections/{id}: doubled slashes, no stage, query, trailing slash', () => {
    expect(connectionsWire.parsePath('/local/@connections/abc%3D')).toEqual({
      stage: 'local',
      connectionId: 'abc=',
      encodedConnectionId: 'abc%3D',
    });
    expect(connectionsWire.parsePath('/local//@connections/a%2Fb')?.connectionId).toBe('a/b');
    expect(connectionsWire.parsePath('//@connections/x')).toMatchObject({
      stage: undefined,
      connectionId: 'x',
    });
    expect(connectionsWire.parsePath('/dev/@connections/x/?a=1#h')?.connectionId).toBe('x');
    expect(connectionsWire.parsePath('/dev/@connections/%E0%A4%A')).toMatchObject({
      stage: 'dev',
      connectionId: undefined,
    });
    for (const path of [undefined, '/', '/dev', '/dev/@connections/', '/a/b/@connections/x']) {
      expect(connectionsWire.parsePath(path)).toBeUndefined();
    }
  });

  it("answers GetConnection's shape: ISO-8601 strings, keys in AWS's order", () => {
    const info = connectionsWire.connectionInfo({
      connectedAt: Date.UTC(2026, 0, 5, 3, 4, 5),
      identity: { sourceIp: '127.0.0.1', userAgent: 'ua' },
      lastActiveAt: new Date(Date.UTC(2026, 0, 5, 3, 4, 6)),
    });
    expect(JSON.stringify(info)).toBe(
      '{"connectedAt":"2026-01-05T03:04:05.000Z","identity":{"sourceIp":"127.0.0.1",' +
        '"userAgent":"ua"},"lastActiveAt":"2026-01-05T03:04:06.000Z"}',
    );
  });
});

describe('GatewayEnvironment', () => {
  const names = [
    MANAGEMENT_ENDPOINT_VARIABLE,
    'AWS_REGION',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
  ];
  let saved: Array<string | undefined>;
  beforeEach(() => {
    saved = names.map((name) => process.env[name]);
    for (const name of names) delete process.env[name];
  });
  afterEach(() => {
    names.forEach((name, index) => {
      if (saved[index] === undefined) delete process.env[name];
      else process.env[name] = saved[index];
    });
  });

  it('sets endpoint, region and dummy credentials, and restores them', () => {
    const environment = new GatewayEnvironment('http://127.0.0.1:1/local', 'eu-west-1');
    environment.apply();
    expect(process.env[MANAGEMENT_ENDPOINT_VARIABLE]).toBe('http://127.0.0.1:1/local');
    expect(process.env.AWS_REGION).toBe('eu-west-1');
    expect(process.env.AWS_ACCESS_KEY_ID).toBeTruthy();
    environment.restore();
    for (const name of names) expect(process.env[name]).toBeUndefined();
  });

  it('keeps real credentials and region; a second gateway takes over and hands back', () => {
    process.env.AWS_REGION = 'ap-south-1';
    process.env.AWS_ACCESS_KEY_ID = 'real';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    const first = new GatewayEnvironment('http://127.0.0.1:1/local', 'us-east-1');
    const second = new GatewayEnvironment('http://127.0.0.1:2/local', 'us-east-1');
    first.apply();
    second.apply();
    expect(process.env[MANAGEMENT_ENDPOINT_VARIABLE]).toBe('http://127.0.0.1:2/local');
    first.beforeInvoke();
    expect(process.env[MANAGEMENT_ENDPOINT_VARIABLE]).toBe('http://127.0.0.1:1/local');
    second.beforeInvoke();
    second.restore();
    expect(process.env[MANAGEMENT_ENDPOINT_VARIABLE]).toBe('http://127.0.0.1:1/local');
    first.restore();
    expect(process.env[MANAGEMENT_ENDPOINT_VARIABLE]).toBeUndefined();
    expect([process.env.AWS_REGION, process.env.AWS_ACCESS_KEY_ID]).toEqual(['ap-south-1', 'real']);
  });

  it('never hands the endpoint back to a gateway that closed first', () => {
    const first = new GatewayEnvironment('http://127.0.0.1:1/local', 'us-east-1');
    const second = new GatewayEnvironment('http://127.0.0.1:2/local', 'us-east-1');
    first.apply();
    second.apply();
    first.restore();
    expect(process.env[MANAGEMENT_ENDPOINT_VARIABLE]).toBe('http://127.0.0.1:2/local');
    second.restore();
    expect(process.env[MANAGEMENT_ENDPOINT_VARIABLE]).toBeUndefined();
  });
});

describe('option validation', () => {
  const handler: LocalHandler = () => Promise.resolve({ statusCode: 200 });

  it('rejects bad limits', () => {
    expect(resolveLimits({ idleTimeoutMs: 5 }).idleTimeoutMs).toBe(5);
    expect(() => resolveLimits({ idleTimeoutMs: 0 })).toThrow(
      'limits.idleTimeoutMs must be a positive number',
    );
    expect(() => resolveLimits({ maxMessageBytes: Number.NaN })).toThrow('limits.maxMessageBytes');
  });

  it('rejects bad options before listening', async () => {
    await expect(startLocalGateway({} as never)).rejects.toThrow('`handler` must be a function');
    await expect(startLocalGateway({ handler, stage: 'a/b' })).rejects.toThrow('stage "a/b"');
    await expect(startLocalGateway({ handler, port: 70000 })).rejects.toThrow(
      'port must be an integer',
    );
    await expect(startLocalGateway({ handler, routeSelectionExpression: 'x' })).rejects.toThrow(
      'Unsupported route selection expression',
    );
    await expect(
      startLocalGateway({ handler, authorizerIdentitySource: ['header.x'] }),
    ).rejects.toThrow('identity source');
  });
});
