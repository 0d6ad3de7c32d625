import { createJwtAuthorizer } from '../../src/auth/create-jwt-authorizer';
import type {
  WebSocketAuthorizerEvent,
  WebSocketAuthorizerResult,
} from '../../src/events/websocket-event';
import { JwtAuth } from '../../src/auth/jwt-auth';
import { errorMessage } from '../../src/errors/error-message';
import { WsError } from '../../src/errors/ws-error';
import type { WebSocketEvent } from '../../src/events/websocket-event';
import { authorizerEvent, connectEvent, lambdaContext } from '../../src/testing';
import { SECRET, hsToken, isolateJwtEnvironment, runJwtAuth } from '../support/jwt-fixtures';
import { recordingLogger, type LoggedLine } from '../support/recording-logger';
import { seededRandom } from '../support/seeded-random';

/**
 * Seeded fuzzing of createJwtAuthorizer (and of JwtAuth on `$connect`): realistic events with
 * wrong types in every field, huge values, lone surrogates and prototype keys. API Gateway turns
 * exactly `Error('Unauthorized')` into 401 and any other error into 500, so a bad input may only
 * ever be refused that way (or, with `onInvalidToken: 'deny'`, with a Deny policy).
 */

const SEED = 0x5eed13;
const EVENTS = 2500;
const GOOD = hsToken();
const HUGE = 'x'.repeat(1024 * 1024);

function mutatedString(random: () => number, value: string): string {
  const at = Math.floor(random() * (value.length + 1));
  switch (Math.floor(random() * 6)) {
    case 0:
      return value.slice(0, at);
    case 1:
      return `${value.slice(0, at)}\uD800${value.slice(at)}`;
    case 2:
      return `${value.slice(0, at)}\uDC00\uD83D${value.slice(at)}`;
    case 3:
      return value + value;
    case 4:
      return `${value.slice(0, at)}${String.fromCharCode(Math.floor(random() * 0xffff))}${value.slice(at + 1)}`;
    default:
      return ` ${value}\r\n`;
  }
}

function value(random: () => number): unknown {
  const pool: Array<() => unknown> = [
    () => undefined,
    () => null,
    () => true,
    () => 0,
    () => -1,
    () => 1e308,
    () => Number.NaN,
    () => Number.POSITIVE_INFINITY,
    () => '',
    () => ' ',
    () => 'Bearer ',
    () => 'Bearer',
    () => 'bearer\t',
    () => '\uD800',
    () => 'a\uDC00b',
    () => HUGE,
    () => GOOD,
    () => `Bearer ${GOOD}`,
    () => `bearer, ${GOOD}`,
    () => mutatedString(random, GOOD),
    () => mutatedString(random, `Bearer ${GOOD}`),
    () => [GOOD],
    () => ['Bearer', GOOD],
    () => ({}),
    () => ({ Authorization: GOOD }),
    () => JSON.parse('{"__proto__":{"polluted":1},"constructor":"x"}') as unknown,
    () => 'https://chat.example.com',
    () => 'null',
  ];
  return pool[Math.floor(random() * pool.length)]();
}

const PATHS: readonly string[][] = [
  [],
  ['headers'],
  ['headers', 'Authorization'],
  ['headers', 'authorization'],
  ['headers', 'Sec-WebSocket-Protocol'],
  ['headers', 'Origin'],
  ['headers', '__proto__'],
  ['multiValueHeaders'],
  ['multiValueHeaders', 'Authorization'],
  ['queryStringParameters'],
  ['queryStringParameters', 'Authorization'],
  ['queryStringParameters', '__proto__'],
  ['queryStringParameters', 'hasOwnProperty'],
  ['multiValueQueryStringParameters'],
  ['stageVariables'],
  ['requestContext'],
  ['requestContext', 'requestId'],
  ['requestContext', 'connectionId'],
  ['requestContext', 'authorizer'],
  ['requestContext', 'identity'],
  ['methodArn'],
  ['type'],
];

function baseEvent(random: () => number): WebSocketAuthorizerEvent {
  const bases: Array<() => WebSocketAuthorizerEvent> = [
    () => authorizerEvent({ query: { Authorization: GOOD } }),
    () => authorizerEvent({ query: { Authorization: `Bearer ${GOOD}` } }),
    () => authorizerEvent({ headers: { Authorization: `Bearer ${GOOD}` } }),
    () => authorizerEvent({ headers: { 'Sec-WebSocket-Protocol': `bearer, ${GOOD}` } }),
    () =>
      authorizerEvent({
        query: { Authorization: GOOD },
        headers: { Origin: 'https://chat.example.com' },
      }),
    () => authorizerEvent(),
  ];
  return bases[Math.floor(random() * bases.length)]();
}

/** One to four fields set to a random value (or removed); now and then the whole event. */
function mutatedEvent(
  random: () => number,
  base: (random: () => number) => object = baseEvent,
  paths: readonly string[][] = PATHS,
): unknown {
  let event: unknown = base(random);
  const mutations = 1 + Math.floor(random() * 4);
  for (let i = 0; i < mutations; i += 1) {
    const path = paths[Math.floor(random() * paths.length)];
    if (path.length === 0) {
      if (random() < 0.2) event = value(random);
      continue;
    }
    let holder = event as Record<string, unknown> | null;
    for (const key of path.slice(0, -1)) {
      const next = holder?.[key];
      holder = typeof next === 'object' && next !== null ? (next as Record<string, unknown>) : null;
    }
    if (typeof holder !== 'object' || holder === null) continue;
    const key = path[path.length - 1];
    if (random() < 0.1) delete holder[key];
    else
      Object.defineProperty(holder, key, {
        value: value(random),
        enumerable: true,
        configurable: true,
        writable: true,
      });
  }
  return event;
}

/** `allow`, `deny`, `unauthorized`, or a description of anything else. */
type Outcome = string;

async function outcomeOf(promise: Promise<WebSocketAuthorizerResult>): Promise<Outcome> {
  try {
    const answer = await promise;
    const statement = answer.policyDocument.Statement[0];
    const wellFormed =
      typeof answer.principalId === 'string' &&
      answer.policyDocument.Statement.length === 1 &&
      typeof statement.Resource === 'string' &&
      Object.values(answer.context ?? {}).every((item) => typeof item === 'string');
    if (!wellFormed) return `a malformed policy: ${JSON.stringify(answer).slice(0, 200)}`;
    return statement.Effect === 'Allow' ? 'allow' : 'deny';
  } catch (error) {
    if (error instanceof Error && error.message === 'Unauthorized') return 'unauthorized';
    return `another error: ${String(error)}`.slice(0, 300);
  }
}

isolateJwtEnvironment();

describe('createJwtAuthorizer and JwtAuth under fuzzing', () => {
  let unhandled: unknown[];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };

  beforeEach(() => {
    unhandled = [];
    process.on('unhandledRejection', onUnhandled);
  });

  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  it(`answers ${EVENTS} mutated authorizer events only with Allow or Unauthorized`, async () => {
    const logs: LoggedLine[] = [];
    const authorize = createJwtAuthorizer({ secret: SECRET, logger: recordingLogger(logs) });
    const random = seededRandom(SEED);
    const counts = new Map<string, number>();
    for (let i = 0; i < EVENTS; i += 1) {
      const event = mutatedEvent(random) as WebSocketAuthorizerEvent;
      const outcome = await outcomeOf(authorize(event, lambdaContext()));
      if (outcome !== 'allow' && outcome !== 'unauthorized') {
        throw new Error(`event ${i} (seed ${SEED}) got ${outcome}`);
      }
      counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
    }
    // Both answers really happen: the mutations neither always keep nor always break the token.
    expect(counts.get('allow')).toBeGreaterThan(100);
    expect(counts.get('unauthorized')).toBeGreaterThan(100);
    // A megabyte value in the event never turns into a megabyte log line, nor does the token.
    for (const line of logs) expect(JSON.stringify(line).length).toBeLessThan(2048);
    expect(JSON.stringify(logs).includes(GOOD.split('.')[2])).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
  });

  it('answers mutated events only with Allow or a Deny policy under onInvalidToken: "deny" and an origin allow-list', async () => {
    const authorize = createJwtAuthorizer({
      secret: SECRET,
      onInvalidToken: 'deny',
      allowedOrigins: ['https://chat.example.com'],
      logger: recordingLogger([]),
    });
    const random = seededRandom(SEED + 1);
    const counts = new Map<string, number>();
    for (let i = 0; i < 1000; i += 1) {
      const outcome = await outcomeOf(authorize(mutatedEvent(random) as WebSocketAuthorizerEvent));
      if (outcome !== 'allow' && outcome !== 'deny') {
        throw new Error(`event ${i} (seed ${SEED + 1}) got ${outcome}`);
      }
      counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
    }
    expect(counts.get('allow')).toBeGreaterThan(50);
    expect(counts.get('deny')).toBeGreaterThan(50);
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
  });

  it('JwtAuth answers 1000 mutated $connect events only by passing or with 401/403', async () => {
    const guard = JwtAuth.with({ secret: SECRET, allowedOrigins: ['https://chat.example.com'] });
    const random = seededRandom(SEED + 2);
    // The runtime validates requestContext before a context exists; JwtAuth reads the rest.
    const connectPaths = PATHS.filter(
      (path) => path.length > 0 && path[0] !== 'requestContext' && path[0] !== 'methodArn',
    );
    const connectBase = (r: () => number): object => {
      const { queryStringParameters, headers } = baseEvent(r);
      return Object.assign(connectEvent(), { queryStringParameters, headers: headers ?? {} });
    };
    const counts = new Map<string, number>();
    for (let i = 0; i < 1000; i += 1) {
      const event = mutatedEvent(random, connectBase, connectPaths) as WebSocketEvent;
      const outcome = await runJwtAuth(guard, event);
      let kind: string;
      if (outcome.error === undefined) kind = outcome.calls === 1 ? 'pass' : 'no next()';
      else if (outcome.error instanceof WsError) kind = String(outcome.error.statusCode);
      else kind = `another error: ${errorMessage(outcome.error)}`.slice(0, 300);
      if (!['pass', '401', '403'].includes(kind)) {
        throw new Error(`event ${i} (seed ${SEED + 2}) got ${kind}`);
      }
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    expect(counts.get('pass')).toBeGreaterThan(50);
    expect(counts.get('401')).toBeGreaterThan(50);
    expect(counts.get('403')).toBeGreaterThan(10);
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
  });
});
