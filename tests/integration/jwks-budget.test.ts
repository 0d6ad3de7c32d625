import * as crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { createJwtAuthorizer } from '../../src/auth/create-jwt-authorizer';
import { JwtAuth } from '../../src/auth/jwt-auth';
import type { JwksOptions } from '../../src/auth/jwt-options';
import { authorizerEvent, connectEvent, lambdaContext } from '../../src/testing';
import {
  expectRefused,
  isolateJwtEnvironment,
  runJwtAuth,
  startJwksServer,
  type JwksServer,
} from '../support/jwt-fixtures';
import { recordingLogger } from '../support/recording-logger';
import { eventually } from '../support/eventually';

/**
 * JWKS fetching against a real HTTP endpoint in this process that can hang, trickle, answer
 * garbage or fail, and counts what it is asked: budgets, rate limits and stale keys.
 */

const ISSUER = 'https://id.example.com/';
const first = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const second = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = (pair: crypto.KeyPairKeyObjectResult, kid: string): object => ({
  ...pair.publicKey.export({ format: 'jwk' }),
  kid,
  alg: 'RS256',
  use: 'sig',
});

function token(pair: crypto.KeyPairKeyObjectResult, kid: string, sub = 'user-7'): string {
  return jwt.sign({ sub, iss: ISSUER }, pair.privateKey, {
    algorithm: 'RS256',
    keyid: kid,
    expiresIn: 3600,
  });
}

const connectWith = (t: string) => connectEvent({ query: { Authorization: t } });

isolateJwtEnvironment();

let jwks: JwksServer;

beforeAll(async () => {
  jwks = await startJwksServer([jwk(first, 'k1')]);
});

afterAll(() => jwks.close());

let clock: jest.SpyInstance<number, []> | undefined;

/** Moves Date.now forward, as time passing would age the key cache and the rate-limit window. */
function advanceClock(ms: number): void {
  const current = Date.now();
  clock?.mockRestore();
  const offset = current + ms - Date.now();
  const realNow = Date.now.bind(Date);
  clock = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);
}

beforeEach(() => {
  jwks.requests = 0;
  jwks.abandoned = 0;
  jwks.mode = 'serve';
  jwks.keys = [jwk(first, 'k1')];
});

afterEach(() => {
  clock?.mockRestore();
  clock = undefined;
});

const auth = (options: JwksOptions = {}): JwtAuth =>
  JwtAuth.with({ jwksUri: jwks.uri, issuer: ISSUER, jwks: options });

describe('JWKS budgets', () => {
  it('a JWKS URL that hangs does not hold $connect past the Lambda budget', async () => {
    jwks.mode = 'hang';
    // The fetch's own timeout is far longer than the invocation: the budget must win.
    const lambda = lambdaContext({ timeoutMs: 1200 });
    const outcome = await runJwtAuth(
      auth({ timeoutMs: 60_000 }),
      connectWith(token(first, 'k1')),
      lambda,
    );
    expect(lambda.getRemainingTimeInMillis()).toBeGreaterThan(0);
    const error = expectRefused(outcome, 503, /cannot be verified right now/);
    expect(error.code).toBe('AUTH_UNAVAILABLE');
    expect(jwks.requests).toBe(1);
    // The request itself was abandoned, not left running past the invocation.
    await eventually(() => jwks.abandoned === 1, 3000, 'the JWKS request to be closed');
  });

  it('a JWKS URL that hangs does not hold the authorizer past the Lambda budget', async () => {
    jwks.mode = 'hang';
    const authorize = createJwtAuthorizer({
      jwksUri: jwks.uri,
      issuer: ISSUER,
      jwks: { timeoutMs: 60_000 },
      logger: recordingLogger([]),
    });
    const lambda = lambdaContext({ timeoutMs: 1200 });
    const event = authorizerEvent({ query: { Authorization: token(first, 'k1') } });
    await expect(authorize(event, lambda)).rejects.toThrow(/JWKS unavailable/);
    expect(lambda.getRemainingTimeInMillis()).toBeGreaterThan(0);
    await eventually(() => jwks.abandoned === 1, 3000, 'the JWKS request to be closed');
  });

  it('a JWKS answer that trickles bytes is cut off at timeoutMs overall, not kept alive by each byte', async () => {
    jwks.mode = 'trickle';
    const outcome = await runJwtAuth(auth({ timeoutMs: 400 }), connectWith(token(first, 'k1')));
    expectRefused(outcome, 503, /cannot be verified right now/);
    const cause = (outcome.error as Error).cause as Error;
    expect(cause.message).toMatch(/did not answer within 400 ms/);
    await eventually(() => jwks.abandoned === 1, 3000, 'the JWKS request to be closed');
  });

  it('a budget already spent makes no JWKS request at all', async () => {
    const outcome = await runJwtAuth(
      auth(),
      connectWith(token(first, 'k1')),
      lambdaContext({ timeoutMs: 0 }),
    );
    expectRefused(outcome, 503, /cannot be verified right now/);
    expect(jwks.requests).toBe(0);
  });
});

describe('JWKS rate limit and cooldown', () => {
  it.each(['fail', 'garbage'] as const)(
    '30 connects against a JWKS that answers %s make at most requestsPerMinute fetches',
    async (mode) => {
      jwks.mode = mode;
      const guard = auth({ requestsPerMinute: 4 });
      for (let i = 0; i < 30; i += 1) {
        const outcome = await runJwtAuth(guard, connectWith(token(first, 'k1')));
        expectRefused(outcome, 503, /cannot be verified right now/);
      }
      expect(jwks.requests).toBe(4);

      // A minute later the window has room again, and a recovered endpoint is used.
      jwks.mode = 'serve';
      advanceClock(61_000);
      const recovered = await runJwtAuth(guard, connectWith(token(first, 'k1')));
      expect(recovered.calls).toBe(1);
      expect(jwks.requests).toBe(5);
    },
  );

  it('30 concurrent connects against a failing JWKS make at most requestsPerMinute fetches', async () => {
    jwks.mode = 'fail';
    const guard = auth({ requestsPerMinute: 3 });
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, () => runJwtAuth(guard, connectWith(token(first, 'k1')))),
    );
    for (const outcome of outcomes) expectRefused(outcome, 503, /cannot be verified right now/);
    expect(jwks.requests).toBeLessThanOrEqual(3);
  });

  it('an unknown kid triggers a refetch only within the rate limit; a rotated key is found once the window has room', async () => {
    const guard = auth({ requestsPerMinute: 2 });
    expect((await runJwtAuth(guard, connectWith(token(first, 'k1')))).calls).toBe(1);
    expect(jwks.requests).toBe(1);

    // The identity provider rotates to k2; the first k2 token uses the last fetch of the minute.
    jwks.keys = [jwk(second, 'k2')];
    jwks.mode = 'fail';
    expectRefused(await runJwtAuth(guard, connectWith(token(second, 'k2'))), 503, /right now/);
    expect(jwks.requests).toBe(2);
    jwks.mode = 'serve';
    for (let i = 0; i < 5; i += 1) {
      const outcome = await runJwtAuth(guard, connectWith(token(second, 'k2')));
      const error = expectRefused(outcome, 401, /signing key \(kid\) is unknown/);
      expect(error.details).toEqual({ reason: 'unknown-key' });
    }
    expect(jwks.requests).toBe(2);
    // The cached k1 still verifies while refetches are spent.
    expect((await runJwtAuth(guard, connectWith(token(first, 'k1')))).calls).toBe(1);

    advanceClock(61_000);
    const rotated = await runJwtAuth(guard, connectWith(token(second, 'k2', 'user-8')));
    expect(rotated.calls).toBe(1);
    expect(rotated.ctx.userId).toBe('user-8');
    expect(jwks.requests).toBe(3);
  });
});

describe('JWKS stale keys', () => {
  it('after cacheMaxAge a failed refresh still verifies tokens with the cached keys', async () => {
    const guard = auth({ cacheMaxAgeMs: 60_000, requestsPerMinute: 10 });
    expect((await runJwtAuth(guard, connectWith(token(first, 'k1')))).calls).toBe(1);
    expect(jwks.requests).toBe(1);

    for (const mode of ['fail', 'garbage', 'hang'] as const) {
      jwks.mode = mode;
      advanceClock(61_000);
      const outcome = await runJwtAuth(
        guard,
        connectWith(token(first, 'k1', `user-${mode}`)),
        lambdaContext({ timeoutMs: 1200 }),
      );
      expect(outcome.error).toBeUndefined();
      expect(outcome.ctx.userId).toBe(`user-${mode}`);
    }
    // Each expired cache tried one refresh; none replaced the good keys.
    expect(jwks.requests).toBe(4);
    await eventually(() => jwks.abandoned === 1, 3000, 'the hanging refresh to be closed');
  });

  it('a stale cache is refreshed when the endpoint answers: a removed key stops verifying', async () => {
    const guard = auth({ cacheMaxAgeMs: 60_000 });
    expect((await runJwtAuth(guard, connectWith(token(first, 'k1')))).calls).toBe(1);
    jwks.keys = [jwk(second, 'k2')];
    advanceClock(61_000);
    expect((await runJwtAuth(guard, connectWith(token(second, 'k2')))).calls).toBe(1);
    expectRefused(await runJwtAuth(guard, connectWith(token(first, 'k1'))), 401, /kid/);
    expect(jwks.requests).toBe(3);
  });

  it('the authorizer serves stale keys too while the refresh fails', async () => {
    const authorize = createJwtAuthorizer({
      jwksUri: jwks.uri,
      issuer: ISSUER,
      jwks: { cacheMaxAgeMs: 60_000 },
      logger: recordingLogger([]),
    });
    const event = () => authorizerEvent({ query: { Authorization: token(first, 'k1') } });
    expect((await authorize(event(), lambdaContext())).principalId).toBe('user-7');
    jwks.mode = 'fail';
    advanceClock(61_000);
    const answer = await authorize(event(), lambdaContext());
    expect(answer.policyDocument.Statement[0].Effect).toBe('Allow');
    expect(jwks.requests).toBe(2);
  });
});
