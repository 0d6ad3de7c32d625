import * as crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { WebSocketAuthorizerEvent } from '../../src/events/websocket-event';
import { claimsFromAuthorizerContext } from '../../src/auth/claims-from-authorizer-context';
import {
  createJwtAuthorizer,
  type JwtAuthorizerOptions,
} from '../../src/auth/create-jwt-authorizer';
import { identityFromClaims } from '../../src/auth/identity-from-claims';
import { authorizerEvent, lambdaContext } from '../../src/testing';
import {
  OTHER_SECRET,
  SECRET,
  deliveredContext,
  hsToken,
  isolateJwtEnvironment,
  now,
  startJwksServer,
  unreachableJwksUri,
  type JwksServer,
} from '../support/jwt-fixtures';
import { recordingLogger, type LoggedLine } from '../support/recording-logger';

const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const METHOD_ARN = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/$connect';

function authorizerWith(options: JwtAuthorizerOptions = {}, logs: LoggedLine[] = []) {
  return createJwtAuthorizer({ secret: SECRET, logger: recordingLogger(logs), ...options });
}

async function refusal(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the authorizer to throw');
}

isolateJwtEnvironment();

describe('createJwtAuthorizer: Allow', () => {
  it('allows a valid token with an Allow policy on the methodArn, principalId = sub', async () => {
    const answer = await authorizerWith()(authorizerEvent({ query: { Authorization: hsToken() } }));
    expect(answer).toEqual({
      principalId: 'user-42',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: METHOD_ARN }],
      },
      context: expect.any(Object) as unknown,
    });
  });

  it('puts the claims (as JSON) and the flat ids into the context, strings only', async () => {
    const t = hsToken({ roles: ['a', 'b'] });
    const answer = await authorizerWith()(authorizerEvent({ query: { Authorization: t } }));
    const context = answer.context ?? {};
    expect(Object.keys(context).sort()).toEqual(['claims', 'sub', 'tenantId', 'userId']);
    for (const value of Object.values(context)) expect(typeof value).toBe('string');
    expect(context.sub).toBe('user-42');
    expect(context.userId).toBe('user-42');
    expect(context.tenantId).toBe('acme');
    expect(JSON.parse(String(context.claims))).toEqual(jwt.decode(t));
  });

  it('round-trips every claim type through API Gateway stringification', async () => {
    const claims = {
      sub: 'user-42',
      tenantId: 7,
      admin: true,
      score: 12.5,
      nothing: null,
      roles: ['admin', 'editor'],
      profile: { name: 'Ada', langs: ['en', 'fr'], verified: false },
      'https://example.com/claims/org': 'acme',
    };
    const t = jwt.sign(claims, SECRET, { expiresIn: 300 });
    const answer = await authorizerWith()(authorizerEvent({ query: { Authorization: t } }));
    const back = claimsFromAuthorizerContext(deliveredContext(answer));
    expect(back).toEqual(jwt.decode(t));
    expect(identityFromClaims(back ?? {})).toEqual({ userId: 'user-42', tenantId: '7' });
  });

  it('finds the token in a case-insensitive Authorization header and in Sec-WebSocket-Protocol', async () => {
    const authorize = authorizerWith();
    const header = await authorize(
      authorizerEvent({ headers: { AUTHORIZATION: `Bearer ${hsToken()}` } }),
    );
    expect(header.policyDocument.Statement[0].Effect).toBe('Allow');
    const protocol = await authorize(
      authorizerEvent({ headers: { 'sec-websocket-protocol': `bearer, ${hsToken()}` } }),
    );
    expect(protocol.policyDocument.Statement[0].Effect).toBe('Allow');
    const sourcesLimited = authorizerWith({ tokenSources: ['header'] });
    await expect(
      sourcesLimited(authorizerEvent({ query: { Authorization: hsToken() } })),
    ).rejects.toThrow('Unauthorized');
  });

  it('keeps only the flat ids when the claims would pass 8 KB, and they still round-trip', async () => {
    const logs: LoggedLine[] = [];
    const t = hsToken({ blob: 'x'.repeat(9000) });
    const answer = await authorizerWith({}, logs)(authorizerEvent({ query: { Authorization: t } }));
    expect(answer.policyDocument.Statement[0].Effect).toBe('Allow');
    expect(answer.context).toEqual({ sub: 'user-42', userId: 'user-42', tenantId: 'acme' });
    expect(Buffer.byteLength(JSON.stringify(answer.context))).toBeLessThanOrEqual(8192);
    const back = claimsFromAuthorizerContext(deliveredContext(answer));
    expect(back).toEqual({ sub: 'user-42', userId: 'user-42', tenantId: 'acme' });
    expect(identityFromClaims(back ?? {})).toEqual({ userId: 'user-42', tenantId: 'acme' });
    expect(logs.some((entry) => /over 8 KB/.test(entry.message))).toBe(true);
  });

  it('keeps the JSON right up to the limit', async () => {
    const t = hsToken({ blob: 'x'.repeat(7000) });
    const answer = await authorizerWith()(authorizerEvent({ query: { Authorization: t } }));
    expect(answer.context?.claims).toBeDefined();
    expect(Buffer.byteLength(JSON.stringify(answer.context))).toBeLessThanOrEqual(8192);
  });

  it('reads its configuration from the environment', async () => {
    process.env.JWT_SECRET = SECRET;
    process.env.JWT_AUDIENCE = 'chat';
    const authorize = createJwtAuthorizer({ logger: recordingLogger([]) });
    const ok = jwt.sign({ sub: 'u' }, SECRET, { expiresIn: 60, audience: 'chat' });
    expect((await authorize(authorizerEvent({ query: { Authorization: ok } }))).principalId).toBe(
      'u',
    );
    await expect(
      authorize(authorizerEvent({ query: { Authorization: hsToken() } })),
    ).rejects.toThrow('Unauthorized');
  });
});

describe('createJwtAuthorizer: refusals', () => {
  it.each([
    ['no token', () => authorizerEvent()],
    [
      'an expired token',
      () => authorizerEvent({ query: { Authorization: hsToken({ exp: now() - 60 }) } }),
    ],
    [
      'a bad signature',
      () => authorizerEvent({ query: { Authorization: hsToken({}, {}, OTHER_SECRET) } }),
    ],
    ['garbage', () => authorizerEvent({ query: { Authorization: 'garbage' } })],
  ])(
    'throws exactly Error("Unauthorized") for %s (API Gateway answers 401)',
    async (_name, event) => {
      const error = await refusal(authorizerWith()(event()));
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toBe('Unauthorized');
    },
  );

  it('answers a Deny policy (403) with onInvalidToken: "deny"', async () => {
    const authorize = authorizerWith({ onInvalidToken: 'deny' });
    for (const event of [
      authorizerEvent(),
      authorizerEvent({ query: { Authorization: hsToken({}, {}, OTHER_SECRET) } }),
    ]) {
      const answer = await authorize(event);
      expect(answer).toEqual({
        principalId: 'anonymous',
        policyDocument: {
          Version: '2012-10-17',
          Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: METHOD_ARN }],
        },
      });
      expect(answer.context).toBeUndefined();
    }
  });

  it('denies an origin outside the allow-list with a Deny policy, whatever onInvalidToken says', async () => {
    const authorize = authorizerWith({ allowedOrigins: ['https://chat.example.com'] });
    const evil = await authorize(
      authorizerEvent({
        query: { Authorization: hsToken() },
        headers: { Origin: 'https://evil.example.net' },
      }),
    );
    expect(evil.policyDocument.Statement[0].Effect).toBe('Deny');
    const good = await authorize(
      authorizerEvent({
        query: { Authorization: hsToken() },
        headers: { origin: 'https://chat.example.com' },
      }),
    );
    expect(good.policyDocument.Statement[0].Effect).toBe('Allow');
  });

  it('logs reasons, never the token', async () => {
    const logs: LoggedLine[] = [];
    const bad = hsToken({}, {}, OTHER_SECRET);
    const authorize = authorizerWith({}, logs);
    await refusal(authorize(authorizerEvent({ query: { Authorization: bad } })));
    await refusal(authorize(authorizerEvent({ headers: { Authorization: `Bearer ${bad}` } })));
    await refusal(
      authorize(authorizerEvent({ headers: { 'Sec-WebSocket-Protocol': `bearer, ${bad}` } })),
    );
    await refusal(authorize(authorizerEvent()));
    expect(logs.map((entry) => entry.meta.reason)).toEqual([
      'invalid-signature',
      'invalid-signature',
      'invalid-signature',
      'missing',
    ]);
    const text = JSON.stringify(logs);
    expect(text).not.toContain(bad.split('.')[2]);
    expect(text).not.toContain('eyJ');
  });

  it('refuses bad options at creation', () => {
    expect(() => createJwtAuthorizer({ logger: recordingLogger([]) })).toThrow(
      /createJwtAuthorizer: no key configured: set JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URI/,
    );
    expect(() => authorizerWith({ onInvalidToken: 'maybe' as 'deny' })).toThrow(/onInvalidToken/);
    expect(() => authorizerWith({ algorithms: ['none' as 'HS256'] })).toThrow(
      /"none" is never allowed/,
    );
  });
});

describe('createJwtAuthorizer with a JWKS endpoint', () => {
  let jwks: JwksServer;
  let jwksUri: string;
  const ISSUER = 'https://id.example.com/';

  beforeAll(async () => {
    jwks = await startJwksServer([
      { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig' },
    ]);
    jwksUri = jwks.uri;
  });

  afterAll(() => jwks.close());

  const rsToken = (kid: string): string =>
    jwt.sign({ sub: 'user-7', iss: ISSUER }, rsa.privateKey, {
      algorithm: 'RS256',
      keyid: kid,
      expiresIn: 60,
    });

  it('verifies through the cached JWKS and refuses unknown kids', async () => {
    const authorize = authorizerWith({ secret: undefined, jwksUri, issuer: ISSUER });
    const first = await authorize(authorizerEvent({ query: { Authorization: rsToken('k1') } }));
    const second = await authorize(authorizerEvent({ query: { Authorization: rsToken('k1') } }));
    expect([first.principalId, second.principalId]).toEqual(['user-7', 'user-7']);
    expect(jwks.requests).toBe(1);
    await expect(
      authorize(authorizerEvent({ query: { Authorization: rsToken('k2') } })),
    ).rejects.toThrow(/^Unauthorized$/);
  });

  it('shares one fetch between concurrent cold verifications', async () => {
    jwks.requests = 0;
    const authorize = authorizerWith({ secret: undefined, jwksUri, issuer: ISSUER });
    const answers = await Promise.all(
      [1, 2, 3, 4].map(() =>
        authorize(authorizerEvent({ query: { Authorization: rsToken('k1') } })),
      ),
    );
    expect(answers.every((answer) => answer.policyDocument.Statement[0].Effect === 'Allow')).toBe(
      true,
    );
    expect(jwks.requests).toBe(1);
  });

  it('rate-limits refetches caused by unknown kids', async () => {
    jwks.requests = 0;
    const authorize = authorizerWith({
      secret: undefined,
      jwksUri,
      issuer: ISSUER,
      jwks: { requestsPerMinute: 3 },
    });
    for (let i = 0; i < 10; i += 1) {
      await refusal(
        authorize(authorizerEvent({ query: { Authorization: rsToken(`made-up-${i}`) } })),
      );
    }
    expect(jwks.requests).toBe(3);
    // Known keys still verify from the cache.
    expect(
      (await authorize(authorizerEvent({ query: { Authorization: rsToken('k1') } }))).principalId,
    ).toBe('user-7');
  });

  it('fails with a non-"Unauthorized" error (API Gateway: 500) when the JWKS endpoint is down', async () => {
    const logs: LoggedLine[] = [];
    const authorize = authorizerWith(
      { secret: undefined, jwksUri: await unreachableJwksUri(), issuer: ISSUER },
      logs,
    );
    const error = await refusal(
      authorize(authorizerEvent({ query: { Authorization: rsToken('k1') } })),
    );
    expect(error.message).not.toBe('Unauthorized');
    expect(error.message).toMatch(/JWKS unavailable/);
    expect(logs.some((entry) => entry.level === 'error')).toBe(true);
  });
});

describe('claimsFromAuthorizerContext', () => {
  it('returns undefined when there is nothing to read', () => {
    expect(claimsFromAuthorizerContext(undefined)).toBeUndefined();
    expect(claimsFromAuthorizerContext(null)).toBeUndefined();
    expect(claimsFromAuthorizerContext({})).toBeUndefined();
    expect(
      claimsFromAuthorizerContext({ principalId: 'user', integrationLatency: '12' }),
    ).toBeUndefined();
  });

  it('reads flat contexts of other authorizers, restoring the numeric time claims only', () => {
    expect(
      claimsFromAuthorizerContext({
        principalId: 'user-42',
        integrationLatency: '38',
        sub: '12345',
        tenant_id: 'acme',
        exp: '1795681466',
        iat: 'yesterday',
        admin: 'true',
      }),
    ).toEqual({
      sub: '12345',
      tenant_id: 'acme',
      exp: 1795681466,
      iat: 'yesterday',
      admin: 'true',
    });
  });

  it('falls back to the flat values when the claims JSON is unreadable', () => {
    expect(claimsFromAuthorizerContext({ claims: '{not json', sub: 'u' })).toEqual({
      claims: '{not json',
      sub: 'u',
    });
    expect(claimsFromAuthorizerContext({ claims: '[1,2]', sub: 'u' })).toEqual({
      claims: '[1,2]',
      sub: 'u',
    });
  });

  it('never lets a context key replace the prototype', () => {
    const context = JSON.parse('{"__proto__":"x","sub":"u"}') as Record<string, string>;
    const claims = claimsFromAuthorizerContext(context);
    expect(claims).toEqual({ sub: 'u' });
    expect(Object.getPrototypeOf(claims)).toBe(Object.prototype);
  });

  it('is what the event builders feed back (aws-events shape)', () => {
    const event: WebSocketAuthorizerEvent = authorizerEvent();
    expect(claimsFromAuthorizerContext(event.requestContext.authorizer)).toBeUndefined();
  });
});

describe('createJwtAuthorizer: bad input is Unauthorized, never another error', () => {
  function eventWith(fields: Record<string, unknown>): WebSocketAuthorizerEvent {
    // Fields of any type, as a hand-built or fuzzed event may carry them.
    const event: WebSocketAuthorizerEvent = authorizerEvent();
    Object.assign(event, fields);
    return event;
  }

  it.each<[string, () => WebSocketAuthorizerEvent]>([
    [
      'a numeric Authorization query value',
      () => eventWith({ queryStringParameters: { Authorization: 42 } }),
    ],
    [
      'an array Authorization query value',
      () => eventWith({ queryStringParameters: { Authorization: [hsToken()] } }),
    ],
    [
      'an object Authorization query value',
      () => eventWith({ queryStringParameters: { Authorization: {} } }),
    ],
    ['a query that is a string', () => eventWith({ queryStringParameters: 'Authorization=x' })],
    [
      'an array Authorization header',
      () => eventWith({ headers: { Authorization: [`Bearer ${hsToken()}`] } }),
    ],
    [
      'a numeric Sec-WebSocket-Protocol header',
      () => eventWith({ headers: { 'Sec-WebSocket-Protocol': 1 } }),
    ],
    ['headers that are an array', () => eventWith({ headers: [hsToken()] })],
    [
      'no requestContext',
      () => eventWith({ requestContext: undefined, queryStringParameters: {} }),
    ],
    [
      'a good token but no methodArn',
      () => eventWith({ methodArn: 7, queryStringParameters: { Authorization: hsToken() } }),
    ],
  ])('%s -> Unauthorized', async (_name, event) => {
    const error = await refusal(authorizerWith()(event()));
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('Unauthorized');
  });

  it('refuses events that are not objects at all', async () => {
    for (const event of [null, undefined, 42, 'event', []]) {
      const error = await refusal(authorizerWith()(event as unknown as WebSocketAuthorizerEvent));
      expect(error.message).toBe('Unauthorized');
    }
  });

  it('an Origin header that is not a string counts as no Origin: the token decides', async () => {
    const authorize = authorizerWith({ allowedOrigins: ['https://chat.example.com'] });
    const answer = await authorize(
      eventWith({ headers: { Origin: 7 }, queryStringParameters: { Authorization: hsToken() } }),
    );
    expect(answer.policyDocument.Statement[0].Effect).toBe('Allow');
  });

  it('an empty Authorization=Bearer in the query with a good token in the header is accepted', async () => {
    const answer = await authorizerWith()(
      authorizerEvent({
        query: { Authorization: 'Bearer ' },
        headers: { Authorization: `Bearer ${hsToken({ sub: 'from-header' })}` },
      }),
    );
    expect(answer.principalId).toBe('from-header');
    const viaProtocol = await authorizerWith()(
      authorizerEvent({
        query: { Authorization: 'Bearer' },
        headers: { Authorization: 'Bearer ', 'Sec-WebSocket-Protocol': `bearer, ${hsToken()}` },
      }),
    );
    expect(viaProtocol.policyDocument.Statement[0].Effect).toBe('Allow');
  });

  it('hands the Lambda context budget to the verifier (a spent budget fetches no JWKS)', async () => {
    const jwks = await startJwksServer([
      { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig' },
    ]);
    try {
      const authorize = authorizerWith({
        secret: undefined,
        jwksUri: jwks.uri,
        issuer: 'https://id.example.com/',
      });
      const t = jwt.sign({ sub: 'u', iss: 'https://id.example.com/' }, rsa.privateKey, {
        algorithm: 'RS256',
        keyid: 'k1',
        expiresIn: 60,
      });
      const event = authorizerEvent({ query: { Authorization: t } });
      await expect(authorize(event, lambdaContext({ timeoutMs: 0 }))).rejects.toThrow(
        /JWKS unavailable/,
      );
      expect(jwks.requests).toBe(0);
      expect((await authorize(event, lambdaContext())).principalId).toBe('u');
      expect(jwks.requests).toBe(1);
    } finally {
      await jwks.close();
    }
  });
});
