/**
 * What the JwtAuth and createJwtAuthorizer tests share: HMAC secrets and tokens, the authorizer
 * context as API Gateway delivers it, an environment without JWT_* variables, and a local JWKS
 * endpoint.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import type { WebSocketAuthorizerResult } from '../../src/events/websocket-event';

export const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
export const OTHER_SECRET = 'another-secret-that-is-also-32-bytes-or-more';

/** Epoch seconds, as `exp`, `nbf` and `iat` count them. */
export const now = (): number => Math.floor(Date.now() / 1000);

/** Sign options with a 5-minute expiry, unless the claims carry their own `exp`. */
export function signOptions(
  claims: Record<string, unknown>,
  options: jwt.SignOptions,
): jwt.SignOptions {
  return claims.exp === undefined ? { expiresIn: 300, ...options } : options;
}

/** An HS256 token for `user-42` of tenant `acme`, unless the claims say otherwise. */
export function hsToken(
  claims: Record<string, unknown> = {},
  options: jwt.SignOptions = {},
  secret = SECRET,
): string {
  return jwt.sign({ sub: 'user-42', tenant_id: 'acme', ...claims }, secret, {
    algorithm: 'HS256',
    ...signOptions(claims, options),
  });
}

/**
 * The authorizer context as API Gateway hands it to later events of the connection: every value
 * stringified, plus its own `principalId` and `integrationLatency`.
 */
export function deliveredContext(answer: WebSocketAuthorizerResult): Record<string, string> {
  const delivered: Record<string, string> = {
    principalId: answer.principalId,
    integrationLatency: '38',
  };
  for (const [key, value] of Object.entries(answer.context ?? {})) delivered[key] = String(value);
  return delivered;
}

const JWT_ENV = [
  'JWT_SECRET',
  'JWT_PUBLIC_KEY',
  'JWT_JWKS_URI',
  'JWT_ISSUER',
  'JWT_AUDIENCE',
  'JWT_ALGORITHMS',
  'JWT_CLOCK_TOLERANCE',
  'JWT_ALLOWED_ORIGINS',
];

/**
 * Runs every test of the file without JWT_* variables (the middleware falls back to them), and
 * restores them after each test, so a test may set its own.
 */
export function isolateJwtEnvironment(): void {
  let savedEnv: Record<string, string | undefined>;

  beforeEach(() => {
    savedEnv = Object.fromEntries(JWT_ENV.map((name) => [name, process.env[name]]));
    for (const name of JWT_ENV) delete process.env[name];
  });

  afterEach(() => {
    for (const name of JWT_ENV) {
      const value = savedEnv[name];
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
}

export interface JwksServer {
  /** Where the JWKS document is served; any other path answers 404. */
  readonly uri: string;
  /** Requests received so far, on any path; tests reset it. */
  requests: number;
  close(): Promise<void>;
}

/** Serves `{ keys }` as a JWKS document on 127.0.0.1, counting the requests. */
export async function startJwksServer(keys: readonly object[]): Promise<JwksServer> {
  const path = '/.well-known/jwks.json';
  const body = JSON.stringify({ keys });
  const server = createServer((request, response) => {
    jwks.requests += 1;
    if (request.url !== path) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const jwks: JwksServer = {
    uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    requests: 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
  return jwks;
}

/** A JWKS URL on a port that was just free, so a request to it is refused. */
export async function unreachableJwksUri(): Promise<string> {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  return `http://127.0.0.1:${port}/jwks.json`;
}
