import * as crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { ForbiddenError, UnauthorizedError } from '../../src/errors/named-errors';
import type { WsError } from '../../src/errors/ws-error';
import { createJwtAuthorizer } from '../../src/auth/create-jwt-authorizer';
import { JwtAuth } from '../../src/auth/jwt-auth';
import type { JwtAuthOptions } from '../../src/auth/jwt-options';
import type { MiddlewareClass, MiddlewareObject } from '../../src/middleware/middleware';
import { authorizerEvent, connectEvent, disconnectEvent, messageEvent } from '../../src/testing';
import {
  OTHER_SECRET,
  SECRET,
  contextFor,
  deliveredContext,
  expectRefused,
  hsToken,
  pendingResponse,
  runJwtAuth as run,
  isolateJwtEnvironment,
  now,
  signOptions,
  startJwksServer,
  unreachableJwksUri,
  type JwksServer,
} from '../support/jwt-fixtures';
import { recordingLogger, type LoggedLine } from '../support/recording-logger';

// Counts key parsing by our code (jsonwebtoken loads 'crypto', which stays untouched).
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, createPublicKey: jest.fn(actual.createPublicKey) };
});

// ---- fixtures ---------------------------------------------------------------------------------

const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherRsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const RSA_PEM = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const EC_PEM = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();

function rsToken(claims: Record<string, unknown> = {}, options: jwt.SignOptions = {}): string {
  return jwt.sign({ sub: 'user-42', ...claims }, rsa.privateKey, {
    algorithm: 'RS256',
    ...signOptions(claims, options),
  });
}

const base64url = (value: unknown): string =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token with any header, HMAC-signed with any key: how algorithm-confusion forgeries are made. */
function forgedToken(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  hmacKey?: string,
): string {
  const signingInput = `${base64url(header)}.${base64url(payload)}`;
  const signature = hmacKey
    ? crypto.createHmac('sha256', hmacKey).update(signingInput).digest('base64url')
    : '';
  return `${signingInput}.${signature}`;
}

isolateJwtEnvironment();

const withSecret = (options: JwtAuthOptions = {}): JwtAuth =>
  JwtAuth.with({ secret: SECRET, ...options });

// ---- tests ------------------------------------------------------------------------------------

describe('JwtAuth on $connect', () => {
  it('accepts an HS256 token from the Authorization query parameter and sets the identity', async () => {
    const token = hsToken({ role: 'admin' });
    const outcome = await run(withSecret(), connectEvent({ query: { Authorization: token } }));
    expect(outcome.error).toBeUndefined();
    expect(outcome.calls).toBe(1);
    expect(outcome.result).toBe('route result');
    expect(outcome.ctx.claims).toMatchObject({ sub: 'user-42', tenant_id: 'acme', role: 'admin' });
    expect(outcome.ctx.userId).toBe('user-42');
    expect(outcome.ctx.tenantId).toBe('acme');
    expect(pendingResponse(outcome.ctx)).toBeUndefined();
  });

  it('takes userId and tenantId claims when sub / tenant_id are absent (requireSub: false)', async () => {
    const token = jwt.sign({ userId: 'u-7', tenantId: 't-9' }, SECRET, { expiresIn: 60 });
    const outcome = await run(
      withSecret({ requireSub: false }),
      connectEvent({ query: { Authorization: token } }),
    );
    expect(outcome.calls).toBe(1);
    expect(outcome.ctx.userId).toBe('u-7');
    expect(outcome.ctx.tenantId).toBe('t-9');
  });

  it('accepts "Bearer <jwt>" in the query parameter and a custom parameter name', async () => {
    const token = hsToken();
    expect(
      (await run(withSecret(), connectEvent({ query: { Authorization: `Bearer ${token}` } })))
        .calls,
    ).toBe(1);
    const custom = await run(
      withSecret({ queryParameter: 'token' }),
      connectEvent({ query: { token } }),
    );
    expect(custom.calls).toBe(1);
    const ignored = await run(
      withSecret({ queryParameter: 'token' }),
      connectEvent({ query: { Authorization: token } }),
    );
    expectRefused(ignored, 401, /no token: send it in the token query parameter/);
  });

  it('accepts an Authorization: Bearer header, whatever the header case', async () => {
    const token = hsToken();
    const upper = await run(
      withSecret(),
      connectEvent({ headers: { Authorization: `Bearer ${token}` } }),
    );
    expect(upper.calls).toBe(1);
    const lower = await run(
      withSecret(),
      connectEvent({ headers: { authorization: `bearer ${token}` } }),
    );
    expect(lower.calls).toBe(1);
    expect(lower.ctx.userId).toBe('user-42');
  });

  it('ignores Authorization headers of other schemes', async () => {
    const outcome = await run(
      withSecret(),
      connectEvent({ headers: { Authorization: 'Basic dXNlcjpwYXNz' } }),
    );
    const error = expectRefused(outcome, 401, /^no token/);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error.details).toEqual({ reason: 'missing' });
  });

  it('accepts the token as the only subprotocol and echoes it', async () => {
    const token = hsToken();
    const outcome = await run(
      withSecret(),
      connectEvent({ headers: { 'Sec-WebSocket-Protocol': token } }),
    );
    expect(outcome.calls).toBe(1);
    expect(pendingResponse(outcome.ctx)?.headers).toEqual({ 'Sec-WebSocket-Protocol': token });
  });

  it.each([
    ['bearer', 'bearer'],
    ['lift-ws', 'lift-ws'],
  ])(
    'picks the JWT out of "%s, <jwt>" and echoes %s instead of the token',
    async (name, echoed) => {
      const token = hsToken();
      const outcome = await run(
        withSecret(),
        connectEvent({ headers: { 'sec-websocket-protocol': `${name}, ${token}` } }),
      );
      expect(outcome.calls).toBe(1);
      expect(outcome.ctx.userId).toBe('user-42');
      expect(pendingResponse(outcome.ctx)?.headers).toEqual({ 'Sec-WebSocket-Protocol': echoed });
    },
  );

  it('finds the token after it in the subprotocol list too', async () => {
    const token = hsToken();
    const outcome = await run(
      withSecret(),
      connectEvent({ headers: { 'Sec-WebSocket-Protocol': `${token}, chat.v2` } }),
    );
    expect(outcome.calls).toBe(1);
    expect(pendingResponse(outcome.ctx)?.headers['Sec-WebSocket-Protocol']).toBe('chat.v2');
  });

  it('treats a subprotocol list without a JWT as no token', async () => {
    const outcome = await run(
      withSecret(),
      connectEvent({ headers: { 'Sec-WebSocket-Protocol': 'chat.v1, chat.v2' } }),
    );
    expectRefused(outcome, 401, /no token/);
  });

  it('uses the sources in order: the first source holding a token decides', async () => {
    const good = hsToken({ sub: 'from-query' });
    const bad = hsToken({ sub: 'from-header' }, {}, OTHER_SECRET);
    const queryFirst = await run(
      withSecret(),
      connectEvent({ query: { Authorization: good }, headers: { Authorization: `Bearer ${bad}` } }),
    );
    expect(queryFirst.ctx.userId).toBe('from-query');

    // A bad token in an earlier source is not rescued by a later one.
    const badFirst = await run(
      withSecret(),
      connectEvent({ query: { Authorization: bad }, headers: { Authorization: `Bearer ${good}` } }),
    );
    expectRefused(badFirst, 401, /signature is invalid/);

    const headerBeforeProtocol = await run(
      withSecret(),
      connectEvent({
        headers: { Authorization: `Bearer ${good}`, 'Sec-WebSocket-Protocol': `bearer, ${bad}` },
      }),
    );
    expect(headerBeforeProtocol.calls).toBe(1);
    expect(pendingResponse(headerBeforeProtocol.ctx)).toBeUndefined();

    const reordered = await run(
      withSecret({ tokenSources: ['protocol', 'query'] }),
      connectEvent({
        query: { Authorization: bad },
        headers: { 'Sec-WebSocket-Protocol': `bearer, ${good}` },
      }),
    );
    expect(reordered.calls).toBe(1);
    expect(pendingResponse(reordered.ctx)?.headers['Sec-WebSocket-Protocol']).toBe('bearer');
  });

  it('reads only the configured sources and names them when the token is missing', async () => {
    const token = hsToken();
    const outcome = await run(
      withSecret({ tokenSources: ['protocol'] }),
      connectEvent({
        query: { Authorization: token },
        headers: { Authorization: `Bearer ${token}` },
      }),
    );
    expectRefused(outcome, 401, /^no token: send it in Sec-WebSocket-Protocol$/);

    const none = await run(withSecret(), connectEvent());
    expectRefused(
      none,
      401,
      /the Authorization query parameter, or an Authorization: Bearer header, or Sec-WebSocket-Protocol/,
    );
  });

  it('verifies RS256 tokens against a PEM public key', async () => {
    const outcome = await run(
      JwtAuth.with({ publicKey: RSA_PEM }),
      connectEvent({ query: { Authorization: rsToken() } }),
    );
    expect(outcome.calls).toBe(1);
    expect(outcome.ctx.userId).toBe('user-42');

    const otherKey = jwt.sign({ sub: 'x' }, otherRsa.privateKey, {
      algorithm: 'RS256',
      expiresIn: 60,
    });
    expectRefused(
      await run(
        JwtAuth.with({ publicKey: RSA_PEM }),
        connectEvent({ query: { Authorization: otherKey } }),
      ),
      401,
      /signature is invalid/,
    );
  });

  it('verifies ES256 tokens against an EC key (the curve picks the default algorithm)', async () => {
    const token = jwt.sign({ sub: 'ec-user' }, ec.privateKey, {
      algorithm: 'ES256',
      expiresIn: 60,
    });
    const outcome = await run(
      JwtAuth.with({ publicKey: EC_PEM }),
      connectEvent({ query: { Authorization: token } }),
    );
    expect(outcome.ctx.userId).toBe('ec-user');
  });

  it('parses the key once, at construction, not per event', async () => {
    const spy = jest.mocked(crypto.createPublicKey);
    spy.mockClear();
    const auth = JwtAuth.with({ publicKey: RSA_PEM });
    expect(spy).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 3; i += 1) {
      expect((await run(auth, connectEvent({ query: { Authorization: rsToken() } }))).calls).toBe(
        1,
      );
    }
    expect(spy).toHaveBeenCalledTimes(1);
  });

  describe('refuses with 401 and says why', () => {
    const cases: Array<[string, () => string, JwtAuthOptions, RegExp, string]> = [
      ['an expired token', () => hsToken({ exp: now() - 30 }), {}, /has expired/, 'expired'],
      [
        'a token not valid yet',
        () => hsToken({ nbf: now() + 60 }),
        {},
        /not valid yet/,
        'not-yet-valid',
      ],
      [
        'a wrong issuer',
        () => hsToken({}, { issuer: 'https://evil.example.com' }),
        { issuer: 'https://id.example.com' },
        /issuer is not accepted/,
        'issuer',
      ],
      [
        'a missing issuer',
        () => hsToken(),
        { issuer: 'https://id.example.com' },
        /issuer is not accepted/,
        'issuer',
      ],
      [
        'a wrong audience',
        () => hsToken({}, { audience: 'other-api' }),
        { audience: ['chat', 'admin'] },
        /audience is not accepted/,
        'audience',
      ],
      [
        'a bad signature',
        () => hsToken({}, {}, OTHER_SECRET),
        {},
        /signature is invalid/,
        'invalid-signature',
      ],
      [
        'a tampered payload',
        () => tamper(hsToken()),
        {},
        /signature is invalid/,
        'invalid-signature',
      ],
      [
        'no sub',
        () => jwt.sign({ name: 'x' }, SECRET, { expiresIn: 60 }),
        {},
        /no sub claim/,
        'missing-sub',
      ],
      ['an empty sub', () => hsToken({ sub: '' }), {}, /no sub claim/, 'missing-sub'],
      ['no exp', () => jwt.sign({ sub: 'x' }, SECRET), {}, /no exp claim/, 'missing-exp'],
      [
        'an HS384 token when only HS256 is allowed',
        () => hsToken({}, { algorithm: 'HS384' }, `${SECRET}-longer-for-hs384`),
        { secret: `${SECRET}-longer-for-hs384` },
        /algorithm is not allowed/,
        'algorithm',
      ],
      ['garbage', () => 'not-a-token', {}, /malformed/, 'malformed'],
      ['three segments of garbage', () => 'abc.def.ghi', {}, /malformed|invalid/, ''],
      [
        'a payload that is not an object',
        () => forgedString(),
        {},
        /malformed|not a JSON object/,
        '',
      ],
    ];

    it.each(cases)('%s', async (_name, makeToken, options, message, reason) => {
      const token = makeToken();
      const outcome = await run(
        withSecret(options),
        connectEvent({ query: { Authorization: token } }),
      );
      const error = expectRefused(outcome, 401, message);
      expect(error).toBeInstanceOf(UnauthorizedError);
      if (reason) expect(error.details).toEqual({ reason });
      expect(error.message).not.toContain(token);
      expect(outcome.ctx.claims).toBeUndefined();
      expect(outcome.ctx.userId).toBeUndefined();
    });
  });

  it('accepts issuer and audience from allow-lists', async () => {
    const token = hsToken({}, { issuer: 'https://b.example.com', audience: ['x', 'chat'] });
    const outcome = await run(
      withSecret({ issuer: ['https://a.example.com', 'https://b.example.com'], audience: 'chat' }),
      connectEvent({ query: { Authorization: token } }),
    );
    expect(outcome.calls).toBe(1);
  });

  it('allows no exp with requireExp: false', async () => {
    const token = jwt.sign({ sub: 'x' }, SECRET);
    const outcome = await run(
      withSecret({ requireExp: false }),
      connectEvent({ query: { Authorization: token } }),
    );
    expect(outcome.calls).toBe(1);
  });

  it('applies the clock tolerance to exp and nbf', async () => {
    const expired = hsToken({ exp: now() - 3 });
    const early = hsToken({ nbf: now() + 3 });
    expectRefused(
      await run(withSecret(), connectEvent({ query: { Authorization: expired } })),
      401,
      /expired/,
    );
    expectRefused(
      await run(withSecret(), connectEvent({ query: { Authorization: early } })),
      401,
      /not valid yet/,
    );
    const tolerant = withSecret({ clockToleranceSec: 10 });
    expect((await run(tolerant, connectEvent({ query: { Authorization: expired } }))).calls).toBe(
      1,
    );
    expect((await run(tolerant, connectEvent({ query: { Authorization: early } }))).calls).toBe(1);
    const tooLate = hsToken({ exp: now() - 30 });
    expectRefused(
      await run(tolerant, connectEvent({ query: { Authorization: tooLate } })),
      401,
      /expired/,
    );
  });

  it('refuses tokens older than maxAgeSec, and tokens without iat then', async () => {
    const old = hsToken({ iat: now() - 120 });
    const fresh = hsToken();
    const auth = withSecret({ maxAgeSec: 60 });
    expectRefused(await run(auth, connectEvent({ query: { Authorization: old } })), 401, /too old/);
    expect((await run(auth, connectEvent({ query: { Authorization: fresh } }))).calls).toBe(1);
    const noIat = hsToken({}, { noTimestamp: true });
    expectRefused(
      await run(auth, connectEvent({ query: { Authorization: noIat } })),
      401,
      /no iat claim/,
    );
  });

  describe('algorithm confusion', () => {
    it('refuses an HS256 token signed with the public key against an RS256 configuration', async () => {
      const forged = forgedToken(
        { alg: 'HS256', typ: 'JWT' },
        { sub: 'admin', exp: now() + 60 },
        RSA_PEM,
      );
      const outcome = await run(
        JwtAuth.with({ publicKey: RSA_PEM }),
        connectEvent({ query: { Authorization: forged } }),
      );
      const error = expectRefused(outcome, 401, /algorithm is not allowed/);
      expect(error.details).toEqual({ reason: 'algorithm' });
    });

    it.each([
      ['a secret', (): JwtAuth => withSecret()],
      ['a public key', (): JwtAuth => JwtAuth.with({ publicKey: RSA_PEM })],
    ])('refuses alg "none" with %s', async (_name, make) => {
      const unsigned = forgedToken({ alg: 'none', typ: 'JWT' }, { sub: 'admin', exp: now() + 60 });
      const outcome = await run(make(), connectEvent({ query: { Authorization: unsigned } }));
      expectRefused(outcome, 401, /unsigned tokens|algorithm is not allowed/);
    });

    it('refuses alg "none" sent through Sec-WebSocket-Protocol', async () => {
      const unsigned = forgedToken({ alg: 'none' }, { sub: 'admin', exp: now() + 60 });
      const outcome = await run(
        withSecret(),
        connectEvent({ headers: { 'Sec-WebSocket-Protocol': `bearer, ${unsigned}` } }),
      );
      expectRefused(outcome, 401, /unsigned tokens/);
      expect(pendingResponse(outcome.ctx)).toBeUndefined();
    });

    it('refuses an RS256 token against an HS256 configuration', async () => {
      const outcome = await run(
        withSecret(),
        connectEvent({ query: { Authorization: rsToken() } }),
      );
      expectRefused(outcome, 401, /algorithm is not allowed/);
    });
  });

  describe('origin allow-list', () => {
    const allowed = (): JwtAuth =>
      withSecret({ allowedOrigins: ['https://chat.example.com', 'http://localhost:3000'] });

    it('lets allowed origins in (case and trailing slash do not matter)', async () => {
      const token = hsToken();
      const outcome = await run(
        allowed(),
        connectEvent({
          query: { Authorization: token },
          headers: { Origin: 'https://Chat.Example.com/' },
        }),
      );
      expect(outcome.calls).toBe(1);
    });

    it('refuses another origin with 403 before looking at the token', async () => {
      const outcome = await run(
        allowed(),
        connectEvent({
          query: { Authorization: hsToken() },
          headers: { Origin: 'https://evil.example.net' },
        }),
      );
      const error = expectRefused(outcome, 403, /origin/);
      expect(error).toBeInstanceOf(ForbiddenError);
      expect(outcome.ctx.claims).toBeUndefined();
      const nullOrigin = await run(
        allowed(),
        connectEvent({ query: { Authorization: hsToken() }, headers: { Origin: 'null' } }),
      );
      expectRefused(nullOrigin, 403, /origin/);
    });

    it('lets clients without an Origin header through to the token check', async () => {
      const outcome = await run(
        allowed(),
        connectEvent({ query: { Authorization: hsToken() }, headers: { Origin: undefined } }),
      );
      expect(outcome.calls).toBe(1);
    });

    it('reads JWT_ALLOWED_ORIGINS', async () => {
      process.env.JWT_SECRET = SECRET;
      process.env.JWT_ALLOWED_ORIGINS = 'https://a.example.com, https://b.example.com';
      const auth = new JwtAuth();
      const ok = await run(
        auth,
        connectEvent({
          query: { Authorization: hsToken() },
          headers: { Origin: 'https://b.example.com' },
        }),
      );
      expect(ok.calls).toBe(1);
      const refused = await run(auth, connectEvent({ query: { Authorization: hsToken() } }));
      expectRefused(refused, 403, /origin/);
    });
  });

  it('never hands a token to the logger, nor puts it in an error', async () => {
    const token = hsToken({}, {}, OTHER_SECRET);
    const outcomes = await Promise.all([
      run(withSecret(), connectEvent({ query: { Authorization: token } })),
      run(withSecret(), connectEvent({ headers: { Authorization: `Bearer ${token}` } })),
      run(
        withSecret(),
        connectEvent({ headers: { 'Sec-WebSocket-Protocol': `bearer, ${token}` } }),
      ),
      run(withSecret(), connectEvent({ query: { Authorization: hsToken({ exp: now() - 100 }) } })),
    ]);
    const [signature] = token.split('.').slice(2);
    for (const outcome of outcomes) {
      expect(outcome.logs.length).toBeGreaterThan(0);
      const logged = JSON.stringify(outcome.logs);
      expect(logged).not.toContain(signature);
      expect(logged).not.toContain('eyJ');
      expect(logged).not.toMatch(/Bearer/);
      const error = outcome.error as WsError;
      expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain(
        'eyJ',
      );
      expect(outcome.logs[0].meta.reason).toBeDefined();
    }
    expect(outcomes[2].logs[0].meta.tokenSource).toBe('protocol');
  });
});

describe('JwtAuth with a JWKS endpoint', () => {
  let jwks: JwksServer;
  let jwksUri: string;
  const ISSUER = 'https://id.example.com/';

  beforeAll(async () => {
    jwks = await startJwksServer([
      { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'key-1', alg: 'RS256', use: 'sig' },
    ]);
    jwksUri = jwks.uri;
  });

  afterAll(() => jwks.close());

  beforeEach(() => {
    jwks.requests = 0;
  });

  const kidToken = (kid: string, claims: Record<string, unknown> = {}): string =>
    rsToken({ iss: ISSUER, ...claims }, { keyid: kid });

  it('verifies by kid and caches the keys: the second verify makes no request', async () => {
    const auth = JwtAuth.with({ jwksUri, issuer: ISSUER });
    const first = await run(auth, connectEvent({ query: { Authorization: kidToken('key-1') } }));
    expect(first.calls).toBe(1);
    expect(first.ctx.userId).toBe('user-42');
    expect(jwks.requests).toBe(1);
    const second = await run(
      auth,
      connectEvent({ query: { Authorization: kidToken('key-1', { sub: 'user-43' }) } }),
    );
    expect(second.ctx.userId).toBe('user-43');
    expect(jwks.requests).toBe(1);
  });

  it('refuses an unknown kid with 401', async () => {
    const auth = JwtAuth.with({ jwksUri, issuer: ISSUER });
    const outcome = await run(auth, connectEvent({ query: { Authorization: kidToken('key-9') } }));
    const error = expectRefused(outcome, 401, /signing key \(kid\) is unknown/);
    expect(error.details).toEqual({ reason: 'unknown-key' });
  });

  it('refuses a disallowed algorithm without fetching the JWKS', async () => {
    const auth = JwtAuth.with({ jwksUri, issuer: ISSUER });
    const forged = forgedToken(
      { alg: 'HS256', kid: 'key-1' },
      { sub: 'admin', iss: ISSUER, exp: now() + 60 },
      RSA_PEM,
    );
    expectRefused(
      await run(auth, connectEvent({ query: { Authorization: forged } })),
      401,
      /algorithm is not allowed/,
    );
    const unsigned = forgedToken(
      { alg: 'none', kid: 'key-1' },
      { sub: 'admin', iss: ISSUER, exp: now() + 60 },
    );
    expectRefused(
      await run(auth, connectEvent({ query: { Authorization: unsigned } })),
      401,
      /unsigned/,
    );
    expect(jwks.requests).toBe(0);
  });

  it('refuses a token signed by another key under a known kid', async () => {
    const auth = JwtAuth.with({ jwksUri, issuer: ISSUER });
    const token = jwt.sign({ sub: 'x', iss: ISSUER }, otherRsa.privateKey, {
      algorithm: 'RS256',
      keyid: 'key-1',
      expiresIn: 60,
    });
    expectRefused(
      await run(auth, connectEvent({ query: { Authorization: token } })),
      401,
      /signature is invalid/,
    );
  });

  it('answers 503 (not 401) when the JWKS endpoint cannot be reached', async () => {
    const auth = JwtAuth.with({
      jwksUri: await unreachableJwksUri(),
      issuer: ISSUER,
      jwks: { timeoutMs: 2000 },
    });
    const outcome = await run(auth, connectEvent({ query: { Authorization: kidToken('key-1') } }));
    const error = expectRefused(outcome, 503, /cannot be verified right now/);
    expect(error.code).toBe('AUTH_UNAVAILABLE');
  });

  it('reads JWT_JWKS_URI and JWT_ISSUER', async () => {
    process.env.JWT_JWKS_URI = jwksUri;
    process.env.JWT_ISSUER = ISSUER;
    const outcome = await run(
      new JwtAuth(),
      connectEvent({ query: { Authorization: kidToken('key-1') } }),
    );
    expect(outcome.calls).toBe(1);
  });
});

describe('JwtAuth configuration', () => {
  it('fits both middleware forms: the bare class and JwtAuth.with({...})', async () => {
    process.env.JWT_SECRET = SECRET;
    const asClass: MiddlewareClass = JwtAuth;
    const asObject: MiddlewareObject = JwtAuth.with({ secret: SECRET });
    const instance = new asClass();
    expect(instance).toBeInstanceOf(JwtAuth);
    expect(asObject).toBeInstanceOf(JwtAuth);
    const outcome = await run(
      instance as JwtAuth,
      connectEvent({ query: { Authorization: hsToken() } }),
    );
    expect(outcome.calls).toBe(1);
  });

  it('reads JWT_SECRET, JWT_ISSUER, JWT_AUDIENCE and JWT_ALGORITHMS when constructed bare', async () => {
    process.env.JWT_SECRET = SECRET;
    process.env.JWT_ISSUER = 'https://id.example.com';
    process.env.JWT_AUDIENCE = 'chat, admin';
    process.env.JWT_ALGORITHMS = 'HS256';
    const auth = new JwtAuth();
    const ok = hsToken({}, { issuer: 'https://id.example.com', audience: 'admin' });
    expect((await run(auth, connectEvent({ query: { Authorization: ok } }))).calls).toBe(1);
    const wrongAudience = hsToken({}, { issuer: 'https://id.example.com', audience: 'other' });
    expectRefused(
      await run(auth, connectEvent({ query: { Authorization: wrongAudience } })),
      401,
      /audience/,
    );
  });

  it('reads JWT_PUBLIC_KEY with literal \\n and defaults to RS256', async () => {
    process.env.JWT_PUBLIC_KEY = RSA_PEM.trim().replace(/\n/g, '\\n');
    const auth = new JwtAuth();
    expect((await run(auth, connectEvent({ query: { Authorization: rsToken() } }))).calls).toBe(1);
    expectRefused(
      await run(auth, connectEvent({ query: { Authorization: hsToken() } })),
      401,
      /algorithm/,
    );
  });

  it('reads JWT_CLOCK_TOLERANCE', async () => {
    process.env.JWT_SECRET = SECRET;
    process.env.JWT_CLOCK_TOLERANCE = '10';
    const expired = hsToken({ exp: now() - 3 });
    expect(
      (await run(new JwtAuth(), connectEvent({ query: { Authorization: expired } }))).calls,
    ).toBe(1);
    process.env.JWT_CLOCK_TOLERANCE = 'soon';
    expect(() => new JwtAuth()).toThrow(/JWT_CLOCK_TOLERANCE must be a number/);
  });

  it('lets options override the environment and fills the rest from it', async () => {
    process.env.JWT_SECRET = OTHER_SECRET;
    process.env.JWT_AUDIENCE = 'chat';
    const auth = JwtAuth.with({ secret: SECRET });
    const token = hsToken({}, { audience: 'chat' });
    expect((await run(auth, connectEvent({ query: { Authorization: token } }))).calls).toBe(1);
    expectRefused(
      await run(auth, connectEvent({ query: { Authorization: hsToken() } })),
      401,
      /audience/,
    );
  });

  it.each<[string, () => unknown, RegExp]>([
    [
      'no key at all',
      () => new JwtAuth(),
      /JwtAuth: no key configured: set JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URI/,
    ],
    ['two keys', () => JwtAuth.with({ secret: SECRET, publicKey: RSA_PEM }), /exactly one of/],
    ['alg none', () => withSecret({ algorithms: ['none' as 'HS256'] }), /"none" is never allowed/],
    [
      'an unknown algorithm',
      () => withSecret({ algorithms: ['XS256' as 'HS256'] }),
      /unsupported algorithm "XS256"/,
    ],
    ['an empty allow-list', () => withSecret({ algorithms: [] }), /non-empty list/],
    [
      'RS256 with a secret',
      () => withSecret({ algorithms: ['RS256'] }),
      /a secret verifies HS256\/HS384\/HS512 only/,
    ],
    [
      'HS256 with a public key',
      () => JwtAuth.with({ publicKey: RSA_PEM, algorithms: ['HS256'] }),
      /algorithm confusion/,
    ],
    [
      'HMAC mixed in with a public key',
      () => JwtAuth.with({ publicKey: RSA_PEM, algorithms: ['RS256', 'HS256'] }),
      /algorithm confusion/,
    ],
    [
      'HMAC with a JWKS',
      () =>
        JwtAuth.with({
          jwksUri: 'https://id.example.com/jwks.json',
          issuer: 'x',
          algorithms: ['HS256'],
        }),
      /algorithm confusion/,
    ],
    [
      'ES256 with an RSA key',
      () => JwtAuth.with({ publicKey: RSA_PEM, algorithms: ['ES256'] }),
      /rsa key cannot verify ES256/,
    ],
    [
      'ES384 with a P-256 key',
      () => JwtAuth.with({ publicKey: EC_PEM, algorithms: ['ES384'] }),
      /ec key cannot verify ES384/,
    ],
    [
      'a short secret',
      () => JwtAuth.with({ secret: 'short' }),
      /the secret is 5 bytes; HS256 needs at least 32/,
    ],
    [
      'a secret too short for HS512',
      () => withSecret({ algorithms: ['HS512'] }),
      /HS512 needs at least 64/,
    ],
    ['a PEM key as the secret', () => JwtAuth.with({ secret: RSA_PEM }), /looks like a PEM key/],
    [
      'an invalid PEM',
      () =>
        JwtAuth.with({ publicKey: '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----' }),
      /not a valid PEM public key/,
    ],
    [
      'a plain-http JWKS',
      () => JwtAuth.with({ jwksUri: 'http://id.example.com/jwks.json', issuer: 'x' }),
      /must use https/,
    ],
    [
      'a JWKS without issuer',
      () => JwtAuth.with({ jwksUri: 'https://id.example.com/jwks.json' }),
      /issuer \(JWT_ISSUER\) is required/,
    ],
    [
      'an unknown token source',
      () => withSecret({ tokenSources: ['cookie' as 'query'] }),
      /unknown token source "cookie"/,
    ],
    [
      'a repeated token source',
      () => withSecret({ tokenSources: ['query', 'query'] }),
      /lists a source twice/,
    ],
    [
      'no token source',
      () => withSecret({ tokenSources: [] }),
      /tokenSources must be a non-empty list/,
    ],
    [
      'a wildcard origin',
      () => withSecret({ allowedOrigins: ['https://*.example.com'] }),
      /is not an origin/,
    ],
    [
      'an origin with a path',
      () => withSecret({ allowedOrigins: ['https://example.com/app'] }),
      /is not an origin/,
    ],
    [
      'a negative clock tolerance',
      () => withSecret({ clockToleranceSec: -1 }),
      /clockToleranceSec/,
    ],
    ['a zero maxAgeSec', () => withSecret({ maxAgeSec: 0 }), /maxAgeSec/],
    ['an empty issuer list', () => withSecret({ issuer: [] }), /issuer must not be an empty list/],
  ])('refuses %s at construction', (_name, make, message) => {
    expect(make).toThrow(message);
  });
});

describe('JwtAuth on message and $disconnect routes', () => {
  it('passes when the runtime already put claims on the context, filling the ids', async () => {
    const logs: LoggedLine[] = [];
    const ctx = contextFor(messageEvent({ body: { action: 'x' } }), logs);
    ctx.claims = { sub: 'user-1', tenantId: 'acme' };
    let calls = 0;
    await withSecret().use(ctx, () => {
      calls += 1;
      return Promise.resolve();
    });
    expect(calls).toBe(1);
    expect(ctx.userId).toBe('user-1');
    expect(ctx.tenantId).toBe('acme');
  });

  it('round-trips the claims createJwtAuthorizer wrote, through API Gateway stringification', async () => {
    const claims = {
      sub: 'user-42',
      tenant_id: 'acme',
      roles: ['admin', 'editor'],
      profile: { name: 'Ada', verified: true, age: 36 },
      scope: 'chat:write',
    };
    const token = hsToken(claims);
    const authorizer = createJwtAuthorizer({ secret: SECRET, logger: recordingLogger([]) });
    const answer = await authorizer(authorizerEvent({ query: { Authorization: token } }));
    expect(answer.policyDocument.Statement[0].Effect).toBe('Allow');

    const outcome = await run(
      withSecret(),
      messageEvent({ body: { action: 'send' }, routeKey: 'send' }),
    );
    expectRefused(outcome, 401, /no verified identity/);

    const event = messageEvent({ body: { action: 'send' } });
    event.requestContext.authorizer = deliveredContext(answer);
    const ok = await run(withSecret(), event);
    expect(ok.calls).toBe(1);
    const verified = jwt.decode(token) as Record<string, unknown>;
    expect(ok.ctx.claims).toEqual(verified);
    expect(ok.ctx.userId).toBe('user-42');
    expect(ok.ctx.tenantId).toBe('acme');

    // The test kit's builders stringify the same way.
    const viaKit = await run(withSecret(), disconnectEvent({ authorizer: answer.context }));
    expect(viaKit.calls).toBe(1);
    expect(viaKit.ctx.claims).toEqual(verified);
  });

  it('reads a flat context from another authorizer (aws-events/message-with-authorizer.json)', async () => {
    const event = messageEvent({ body: { action: 'sendMessage' }, routeKey: 'sendMessage' });
    event.requestContext.authorizer = {
      principalId: 'user-42',
      integrationLatency: '38',
      sub: 'user-42',
      tenant_id: 'acme',
      exp: '1795681466',
    };
    // The captured event's token was valid when it was recorded; expiry has its own tests.
    const clock = jest.spyOn(Date, 'now').mockReturnValue((1795681466 - 60) * 1000);
    const outcome = await run(withSecret(), event).finally(() => clock.mockRestore());
    expect(outcome.calls).toBe(1);
    expect(outcome.ctx.claims).toEqual({ sub: 'user-42', tenant_id: 'acme', exp: 1795681466 });
    expect(outcome.ctx.userId).toBe('user-42');
    expect(outcome.ctx.tenantId).toBe('acme');
  });

  it('refuses with 401 when there are no claims at all', async () => {
    expectRefused(
      await run(withSecret(), messageEvent('{"action":"x"}')),
      401,
      /no verified identity/,
    );
    expectRefused(await run(withSecret(), disconnectEvent()), 401, /no verified identity/);
    const onlyGateway = messageEvent('{}');
    onlyGateway.requestContext.authorizer = { principalId: 'user', integrationLatency: '12' };
    expectRefused(await run(withSecret(), onlyGateway), 401, /no verified identity/);
  });

  it('refuses an authorizer context without a user id when sub is required', async () => {
    const event = messageEvent('{}');
    event.requestContext.authorizer = {
      principalId: 'p',
      integrationLatency: '1',
      tenantId: 'acme',
    };
    expectRefused(await run(withSecret(), event), 401, /no sub or userId/);
    const relaxed = await run(withSecret({ requireSub: false }), event);
    expect(relaxed.calls).toBe(1);
    expect(relaxed.ctx.tenantId).toBe('acme');
  });

  it('does not look for a token on message routes', async () => {
    const event = messageEvent({
      body: '{}',
      query: { Authorization: hsToken() },
      headers: { Authorization: `Bearer ${hsToken()}` },
    });
    expectRefused(await run(withSecret(), event), 401, /no verified identity/);
  });
});

function tamper(token: string): string {
  const [header, , signature] = token.split('.');
  return `${header}.${base64url({ sub: 'admin', exp: now() + 300 })}.${signature}`;
}

/** A correctly HS256-signed token whose payload is a JSON string, not an object. */
function forgedString(): string {
  const signingInput = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url('just a string')}`;
  return `${signingInput}.${crypto.createHmac('sha256', SECRET).update(signingInput).digest('base64url')}`;
}

describe('JwtAuth: wrong types and empty sources on $connect', () => {
  /** A $connect event whose query and headers hold what a hand-built or fuzzed event may. */
  function connectWith(query: Record<string, unknown>, headers: Record<string, unknown> = {}) {
    const event = connectEvent();
    (event as { queryStringParameters: unknown }).queryStringParameters = query;
    (event as { headers: unknown }).headers = headers;
    return event;
  }

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['a numeric Authorization query value', { Authorization: 42 }, {}],
    ['an array Authorization query value', { Authorization: [hsToken()] }, {}],
    ['an object Authorization query value', { Authorization: { token: hsToken() } }, {}],
    ['an array Authorization header', {}, { Authorization: [`Bearer ${hsToken()}`] }],
    ['a numeric Sec-WebSocket-Protocol header', {}, { 'Sec-WebSocket-Protocol': 7 }],
    ['an object Sec-WebSocket-Protocol header', {}, { 'Sec-WebSocket-Protocol': {} }],
  ])(
    '%s is refused like a missing token: 401, never a TypeError',
    async (_name, query, headers) => {
      const outcome = await run(withSecret(), connectWith(query, headers));
      const error = expectRefused(outcome, 401, /^no token/);
      expect(error.details).toEqual({ reason: 'missing' });
    },
  );

  it.each<[string, unknown]>([
    ['a number', 42],
    ['null', null],
    ['an array', ['https://evil.example.net']],
    ['an object', { origin: 'https://evil.example.net' }],
  ])(
    'an Origin header that is %s counts as no Origin: the token decides',
    async (_name, origin) => {
      const guard = withSecret({ allowedOrigins: ['https://chat.example.com'] });
      const good = await run(guard, connectWith({ Authorization: hsToken() }, { Origin: origin }));
      expect(good.error).toBeUndefined();
      expect(good.calls).toBe(1);
      const none = await run(guard, connectWith({}, { Origin: origin }));
      expectRefused(none, 401, /^no token/);
    },
  );

  it('an empty Authorization=Bearer in the query with a good token in the header is accepted', async () => {
    for (const empty of ['Bearer ', 'Bearer', 'bearer \t', '  ']) {
      const outcome = await run(
        withSecret(),
        connectEvent({
          query: { Authorization: empty },
          headers: { Authorization: `Bearer ${hsToken({ sub: 'from-header' })}` },
        }),
      );
      expect(outcome.error).toBeUndefined();
      expect(outcome.ctx.userId).toBe('from-header');
    }
  });

  it('an empty Authorization header or Sec-WebSocket-Protocol value counts as absent', async () => {
    const guard = withSecret({ tokenSources: ['header', 'protocol', 'query'] });
    const viaProtocol = await run(
      guard,
      connectEvent({
        headers: { Authorization: 'Bearer ', 'Sec-WebSocket-Protocol': `bearer, ${hsToken()}` },
      }),
    );
    expect(viaProtocol.calls).toBe(1);
    expect(pendingResponse(viaProtocol.ctx)?.headers).toEqual({
      'Sec-WebSocket-Protocol': 'bearer',
    });
    const viaQuery = await run(
      guard,
      connectEvent({
        query: { Authorization: hsToken({ sub: 'from-query' }) },
        headers: { Authorization: '', 'Sec-WebSocket-Protocol': ' , ' },
      }),
    );
    expect(viaQuery.ctx.userId).toBe('from-query');
    expectRefused(
      await run(guard, connectEvent({ query: { Authorization: 'Bearer ' } })),
      401,
      /^no token/,
    );
  });
});

describe('JwtAuth: exp on message routes', () => {
  let clock: jest.SpyInstance<number, []> | undefined;
  /** Moves Date.now forward, as time passing would. */
  function later(seconds: number): void {
    clock?.mockRestore();
    const realNow = Date.now.bind(Date);
    clock = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + seconds * 1000);
  }
  afterEach(() => {
    clock?.mockRestore();
    clock = undefined;
  });

  /** The authorizer context API Gateway delivers for a connection opened with `token`. */
  async function authorizerContextFor(token: string): Promise<Record<string, string>> {
    const authorize = createJwtAuthorizer({ secret: SECRET, logger: recordingLogger([]) });
    return deliveredContext(await authorize(authorizerEvent({ query: { Authorization: token } })));
  }

  function messageFrom(authorizer: Record<string, string>) {
    const event = messageEvent({ body: { action: 'send' }, routeKey: 'send' });
    event.requestContext.authorizer = authorizer;
    return event;
  }

  it('a 5-minute token stops authorising messages after it expires: 401 TOKEN_EXPIRED', async () => {
    const context = await authorizerContextFor(hsToken({}, { expiresIn: 300 }));
    const guard = withSecret();
    expect((await run(guard, messageFrom(context))).calls).toBe(1);
    later(299);
    expect((await run(guard, messageFrom(context))).calls).toBe(1);
    later(301);
    const outcome = await run(guard, messageFrom(context));
    const error = expectRefused(outcome, 401, /expired/);
    expect(error.code).toBe('TOKEN_EXPIRED');
    expect(outcome.logs.map((line) => line.meta.reason)).toEqual(['expired']);
  });

  it('stored claims (hydrated by the runtime) are held to exp the same way', async () => {
    const claims = jwt.decode(hsToken({}, { expiresIn: 300 })) as Record<string, unknown>;
    const guard = withSecret();
    const message = () => {
      const ctx = contextFor(messageEvent({ body: { action: 'send' } }));
      ctx.claims = { ...claims };
      return ctx;
    };
    let calls = 0;
    const next = (): Promise<unknown> => {
      calls += 1;
      return Promise.resolve();
    };
    await guard.use(message(), next);
    expect(calls).toBe(1);
    later(301);
    await expect(guard.use(message(), next)).rejects.toMatchObject({
      statusCode: 401,
      code: 'TOKEN_EXPIRED',
    });
    expect(calls).toBe(1);
  });

  it('reads exp delivered as a string by a flat authorizer context', async () => {
    const exp = String(now() + 60);
    const context = { principalId: 'u', integrationLatency: '3', sub: 'u', exp };
    expect((await run(withSecret(), messageFrom(context))).calls).toBe(1);
    later(61);
    const error = expectRefused(await run(withSecret(), messageFrom(context)), 401, /expired/);
    expect(error.code).toBe('TOKEN_EXPIRED');
    const unreadable = { principalId: 'u', integrationLatency: '3', sub: 'u', exp: 'tomorrow' };
    const refused = expectRefused(await run(withSecret(), messageFrom(unreadable)), 401, /exp/);
    expect(refused.code).toBe('TOKEN_EXPIRED');
  });

  it('applies the clock tolerance to exp on messages', async () => {
    const context = await authorizerContextFor(hsToken({}, { expiresIn: 300 }));
    later(305);
    expect((await run(withSecret({ clockToleranceSec: 10 }), messageFrom(context))).calls).toBe(1);
    later(311);
    expectRefused(
      await run(withSecret({ clockToleranceSec: 10 }), messageFrom(context)),
      401,
      /expired/,
    );
  });

  it('checkExpOnMessages: false lets messages through after exp', async () => {
    const context = await authorizerContextFor(hsToken({}, { expiresIn: 300 }));
    later(3600);
    const outcome = await run(withSecret({ checkExpOnMessages: false }), messageFrom(context));
    expect(outcome.error).toBeUndefined();
    expect(outcome.ctx.userId).toBe('user-42');
    expect(() => withSecret({ checkExpOnMessages: 'no' as unknown as boolean })).toThrow(
      /checkExpOnMessages must be true or false/,
    );
  });

  it('never refuses $disconnect for an expired token: the route is the cleanup', async () => {
    const context = await authorizerContextFor(hsToken({}, { expiresIn: 300 }));
    later(3600);
    const outcome = await run(withSecret(), disconnectEvent({ authorizer: context }));
    expect(outcome.error).toBeUndefined();
    expect(outcome.calls).toBe(1);
  });

  it('requireSub means the same for a token on $connect and for the claims on messages', async () => {
    const guard = withSecret();
    const onlyUserId = jwt.sign({ userId: 'u-7' }, SECRET, { expiresIn: 300 });
    const connected = await run(guard, connectEvent({ query: { Authorization: onlyUserId } }));
    expect(connected.ctx.userId).toBe('u-7');
    const context = await authorizerContextFor(onlyUserId);
    expect((await run(guard, messageFrom(context))).ctx.userId).toBe('u-7');

    const nobody = jwt.sign({ role: 'admin' }, SECRET, { expiresIn: 300 });
    const refused = await run(guard, connectEvent({ query: { Authorization: nobody } }));
    expect(expectRefused(refused, 401, /no sub/).details).toEqual({ reason: 'missing-sub' });
    const flat = { principalId: 'p', integrationLatency: '1', role: 'admin' };
    const refusedMessage = expectRefused(await run(guard, messageFrom(flat)), 401, /no sub/);
    expect(refusedMessage.details).toEqual({ reason: 'missing-sub' });
  });
});

describe('JwtAuth: the echoed subprotocol', () => {
  it('never echoes a subprotocol entry that is not an HTTP token (CR/LF, spaces, lone surrogates)', async () => {
    for (const odd of ['x\r\nSet-Cookie: a=b', 'two words', '\uD800', 'a"b']) {
      const outcome = await run(
        withSecret(),
        connectEvent({ headers: { 'Sec-WebSocket-Protocol': `${odd}, ${hsToken()}` } }),
      );
      expect(outcome.calls).toBe(1);
      const echoed = pendingResponse(outcome.ctx)?.headers['Sec-WebSocket-Protocol'];
      expect(echoed).toMatch(/^[A-Za-z0-9_.-]+$/);
    }
  });
});
