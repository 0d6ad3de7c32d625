/**
 * What the JwtAuth and createJwtAuthorizer tests share: HMAC secrets and tokens, the authorizer
 * context as API Gateway delivers it, an environment without JWT_* variables, and a local JWKS
 * endpoint.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import type { JwtAuth } from '../../src/auth/jwt-auth';
import type { ContextServices } from '../../src/context/context-services';
import { contextInternals, type WebSocketContext } from '../../src/context/websocket-context';
import { WsError } from '../../src/errors/ws-error';
import type {
  LambdaContext,
  WebSocketAuthorizerResult,
  WebSocketEvent,
} from '../../src/events/websocket-event';
import { lambdaContext } from '../../src/testing';
import { recordingLogger, type LoggedLine } from './recording-logger';

export const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
export const OTHER_SECRET = 'another-secret-that-is-also-32-bytes-or-more';

function services(entries: LoggedLine[] = []): ContextServices {
  return {
    logger: recordingLogger(entries),
    management: () => {
      throw new Error('no @connections in these tests');
    },
    broadcast: {},
    countOutbound: false,
  };
}

/** A context for one event, as the runtime makes it, logging into `entries`. */
export function contextFor(
  event: WebSocketEvent,
  entries: LoggedLine[] = [],
  lambda: LambdaContext = lambdaContext(),
): WebSocketContext {
  return contextInternals.create(event, lambda, services(entries));
}

/** The answer JwtAuth shaped (the echoed subprotocol), as the runtime reads it. */
export const pendingResponse = (ctx: WebSocketContext) => contextInternals.pendingResponse(ctx);

export interface Outcome {
  ctx: WebSocketContext;
  calls: number;
  result?: unknown;
  error?: unknown;
  logs: LoggedLine[];
}

/** Runs JwtAuth on one event, the way the onion would. */
export async function runJwtAuth(
  middleware: JwtAuth,
  event: WebSocketEvent,
  lambda?: LambdaContext,
): Promise<Outcome> {
  const logs: LoggedLine[] = [];
  const ctx = contextFor(event, logs, lambda);
  let calls = 0;
  const next = (): Promise<unknown> => {
    calls += 1;
    return Promise.resolve('route result');
  };
  try {
    const result = await middleware.use(ctx, next);
    return { ctx, calls, result, logs };
  } catch (error) {
    return { ctx, calls, error, logs };
  }
}

/** The outcome is a refusal with this status and message, and the route did not run. */
export function expectRefused(outcome: Outcome, statusCode: number, message: RegExp): WsError {
  expect(outcome.error).toBeInstanceOf(WsError);
  const error = outcome.error as WsError;
  expect(error.statusCode).toBe(statusCode);
  expect(error.message).toMatch(message);
  expect(outcome.calls).toBe(0);
  return error;
}

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

/**
 * How the local JWKS endpoint answers: `serve` the keys; `hang` (accept, never answer); `trickle`
 * (headers, then a byte of whitespace every 50 ms, never the end); `garbage` (200, not JSON);
 * `fail` (HTTP 500).
 */
export type JwksServerMode = 'serve' | 'hang' | 'trickle' | 'garbage' | 'fail';

export interface JwksServer {
  /** Where the JWKS document is served; any other path answers 404. */
  readonly uri: string;
  /** Requests received so far, on any path; tests reset it. */
  requests: number;
  /** Requests the client gave up on before the answer was complete. */
  abandoned: number;
  /** How the next requests are answered; tests switch it. Default `serve`. */
  mode: JwksServerMode;
  /** The keys served; tests replace them to rotate keys. */
  keys: readonly object[];
  close(): Promise<void>;
}

/** Serves `{ keys }` as a JWKS document on 127.0.0.1, counting the requests. */
export async function startJwksServer(keys: readonly object[]): Promise<JwksServer> {
  const path = '/.well-known/jwks.json';
  const trickles = new Set<NodeJS.Timeout>();
  const server = createServer((request, response) => {
    jwks.requests += 1;
    response.on('close', () => {
      if (!response.writableFinished) jwks.abandoned += 1;
    });
    if (request.url !== path) {
      response.writeHead(404).end();
      return;
    }
    switch (jwks.mode) {
      case 'hang':
        return;
      case 'trickle': {
        response.writeHead(200, { 'content-type': 'application/json' });
        const timer = setInterval(() => response.write(' '), 50);
        trickles.add(timer);
        response.on('close', () => {
          clearInterval(timer);
          trickles.delete(timer);
        });
        return;
      }
      case 'garbage':
        response.writeHead(200, { 'content-type': 'application/json' }).end('<html>oops</html>');
        return;
      case 'fail':
        response.writeHead(500).end();
        return;
      default:
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ keys: jwks.keys }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const jwks: JwksServer = {
    uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    requests: 0,
    abandoned: 0,
    mode: 'serve',
    keys,
    close: async () => {
      for (const timer of trickles) clearInterval(timer);
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
