import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  JwtAuth,
  MemoryConnectionStore,
  OnConnect,
  OnDefault,
  OnDisconnect,
  OnMessage,
  UseMiddleware,
  WebSocketController,
  BadRequestError,
  bootstrap,
  createLogger,
  type BroadcastResult,
  type ManagementApi,
  type WebSocketContext,
  type WebSocketResult,
} from 'lift-ws';
import { lambdaContext } from 'lift-ws/testing';
import { SECRET, hsToken } from '../support/jwt-fixtures';
import { seededRandom } from '../support/seeded-random';

/**
 * Seeded fuzzing of the whole handler: realistic API Gateway events of every type (the shapes
 * in tests/fixtures/aws-events, copied from real ones), each mutated a few times with values of the wrong type, huge values,
 * prototype keys, control characters and lone surrogates. Whatever comes in, the handler
 * answers with a result (never a throw or an unobserved rejection), bad input is a 4xx, and
 * neither the metrics' dimensions nor the logs grow with what the client sent.
 */
const EVENTS = 20_000;
const SEED = 0x5eed_2026;

const AWS_EVENTS = join(__dirname, '../fixtures/aws-events');
const base = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(AWS_EVENTS, name), 'utf8')) as Record<string, unknown>;
const BASES = [
  base('connect.json'),
  base('message.json'),
  base('message-with-authorizer.json'),
  base('disconnect.json'),
];

const HUGE = 'x'.repeat(1024 * 1024);
const WEIRD_STRINGS = [
  '',
  ' ',
  '__proto__',
  'constructor',
  'toString',
  '$connect',
  '$default',
  '\ud800',
  'a\u0000b\r\nX-Injected: 1',
  '💥🔥',
  HUGE,
  'Bearer ',
  'Bearer not.a.jwt',
  'bearer, ',
  '{"action":',
  'null',
];
const WEIRD_VALUES: unknown[] = [
  undefined,
  null,
  0,
  -1,
  1,
  -1e20,
  1e300,
  Number.NaN,
  true,
  false,
  [],
  ['a', 'b'],
  {},
  { nested: { deeper: [1, { x: 'y' }] } },
  JSON.parse('{"__proto__":{"polluted":true}}') as unknown,
  ...WEIRD_STRINGS,
];
const BODIES: unknown[] = [
  '{"action":"sendMessage","room":"lobby","text":"hi"}',
  '{"action":"echo","value":1}',
  '{"action":"ping"}',
  '{"action":1}',
  '{"action":true}',
  '{"action":null}',
  '{"action":["sendMessage"]}',
  '{"action":{"x":1}}',
  '{"action":"__proto__"}',
  '{"action":"constructor"}',
  '{"action":"sendMessage","room":{"$ne":1},"text":["x"]}',
  '{"action":"sendMessage","room":"' + 'r'.repeat(5000) + '"}',
  '[]',
  'not json',
  '',
  HUGE,
  '{"action":"\ud800"}',
];
const PATHS = [
  ['requestContext'],
  ['requestContext', 'routeKey'],
  ['requestContext', 'eventType'],
  ['requestContext', 'connectionId'],
  ['requestContext', 'connectedAt'],
  ['requestContext', 'requestId'],
  ['requestContext', 'domainName'],
  ['requestContext', 'stage'],
  ['requestContext', 'apiId'],
  ['requestContext', 'authorizer'],
  ['requestContext', 'authorizer', 'sub'],
  ['requestContext', 'authorizer', 'exp'],
  ['requestContext', 'authorizer', 'claims'],
  ['requestContext', 'identity'],
  ['headers'],
  ['headers', 'Authorization'],
  ['headers', 'Origin'],
  ['headers', 'Sec-WebSocket-Protocol'],
  ['headers', 'Cookie'],
  ['queryStringParameters'],
  ['queryStringParameters', 'Authorization'],
  ['queryStringParameters', 'room'],
  ['body'],
  ['isBase64Encoded'],
];

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)];
}

function mutate(next: () => number, event: Record<string, unknown>): void {
  const path = pick(next, PATHS);
  let target = event;
  for (const key of path.slice(0, -1)) {
    const inner = target[key];
    if (typeof inner !== 'object' || inner === null) {
      target[key] = {};
    }
    target = target[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  const roll = next();
  if (roll < 0.1) delete target[last];
  else if (last === 'body' && roll < 0.7) target[last] = pick(next, BODIES);
  else if (last === 'routeKey' && roll < 0.5)
    target[last] = pick(next, ['$connect', '$disconnect', '$default', 'sendMessage', 'echo', 'x']);
  // A copy: the pool's objects are shared, and a later mutation must not reach into them.
  else target[last] = structuredClone(pick(next, WEIRD_VALUES));
}

function fuzzedEvent(next: () => number, token: string): unknown {
  if (next() < 0.02) return pick(next, WEIRD_VALUES);
  const event = structuredClone(pick(next, BASES));
  // A share of the connects carry a good token, so guarded routes also run to completion.
  if (next() < 0.3) {
    event.queryStringParameters = {
      ...(event.queryStringParameters as object),
      Authorization: token,
    };
  }
  const mutations = 1 + Math.floor(next() * 3);
  for (let i = 0; i < mutations; i++) mutate(next, event);
  return event;
}

/** The edge that cannot exist here: AWS's @connections, answered in memory. */
function inMemoryManagement(): ManagementApi {
  const send = (_connectionId: string): Promise<void> => Promise.resolve();
  return {
    endpoint: 'https://fuzz.execute-api.us-east-1.amazonaws.com/prod',
    post: (connectionId) => send(connectionId),
    delete: () => Promise.resolve(),
    getConnection: () => Promise.resolve({}),
    broadcast: async (ids) => {
      const result: BroadcastResult = { sent: 0, gone: [], failed: [] };
      for await (const id of ids) {
        await send(id);
        result.sent += 1;
      }
      return result;
    },
  };
}

describe('fuzzing the handler with mutated API Gateway events', () => {
  it(`answers ${EVENTS} seeded events with a result, never a 5xx, with bounded metrics and logs`, async () => {
    @WebSocketController()
    class OpenController {
      @OnConnect()
      async connect(ctx: WebSocketContext) {
        const room = ctx.query('room');
        await ctx.join(typeof room === 'string' && room.length < 64 ? room : 'lobby');
      }

      @OnDisconnect()
      disconnect() {}

      @OnMessage('sendMessage')
      async send(ctx: WebSocketContext) {
        const body = ctx.body<{ room?: unknown; text?: unknown } | null>();
        if (typeof body?.room !== 'string' || typeof body.text !== 'string') {
          throw new BadRequestError('room and text must be strings');
        }
        return ctx.broadcastToRoom(body.room, { text: body.text });
      }

      @OnMessage('echo')
      echo(ctx: WebSocketContext) {
        return ctx.body();
      }

      @OnDefault()
      fallback() {
        throw new BadRequestError('unknown action');
      }
    }

    @WebSocketController()
    @UseMiddleware(JwtAuth.with({ secret: SECRET }))
    class GuardedController {
      @OnConnect()
      connect(ctx: WebSocketContext) {
        return { user: ctx.userId };
      }

      @OnMessage('sendMessage')
      send(ctx: WebSocketContext) {
        return { from: ctx.userId };
      }
    }

    let logBytes = 0;
    const failures: string[] = [];
    let longestLine = 0;
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logBytes += chunk.byteLength;
        for (const line of chunk.toString('utf8').split('\n')) {
          longestLine = Math.max(longestLine, line.length);
          // The first few failures, so a red run says why.
          if (failures.length < 5 && line.includes('"level":"error"'))
            failures.push(line.slice(0, 2000));
        }
        callback();
      },
    });
    const routes = new Set<string>();
    const metrics = {
      write: (line: string) => {
        routes.add(String((JSON.parse(line) as { Route: unknown }).Route));
      },
    };
    const logger = createLogger({ level: 'info', format: 'json', stream });
    const handlers = [OpenController, GuardedController].map((controller) =>
      bootstrap([controller], {
        logger,
        metrics,
        connections: new MemoryConnectionStore(),
        managementClientFactory: inMemoryManagement,
      }),
    );

    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    const next = seededRandom(SEED);
    const token = hsToken();
    const badResults: Array<{ event: number; result: unknown }> = [];
    const statuses = new Map<number, number>();
    try {
      for (let i = 0; i < EVENTS; i++) {
        const event = fuzzedEvent(next, token);
        let result: WebSocketResult | undefined;
        try {
          result = await handlers[i % 2](event as never, lambdaContext());
        } catch (error) {
          badResults.push({ event: i, result: `threw ${String(error)}` });
          continue;
        }
        const status = (result as { statusCode?: unknown } | undefined)?.statusCode;
        statuses.set(Number(status), (statuses.get(Number(status)) ?? 0) + 1);
        if (typeof result !== 'object' || !Number.isInteger(status) || Number(status) >= 500) {
          if (badResults.length < 5) badResults.push({ event: i, result });
        }
      }
      // Let any stray promise settle so an unobserved rejection would be seen.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }

    expect({ badResults, failures }).toEqual({ badResults: [], failures: [] });
    expect(unhandled).toEqual([]);
    // The fuzzing reached routes (2xx) and refusals (4xx) alike.
    expect([...statuses.keys()].some((status) => status >= 200 && status < 300)).toBe(true);
    expect([...statuses.keys()].some((status) => status >= 400 && status < 500)).toBe(true);
    // Dimensions come from the route tables and fixed labels only.
    const allowed = new Set([
      '$connect',
      '$disconnect',
      '$default',
      'sendMessage',
      'echo',
      'ping',
      'invalid',
      'unrouted',
    ]);
    expect([...routes].filter((route) => !allowed.has(route))).toEqual([]);
    // One line per event at most a few KB, however large the input.
    expect(longestLine).toBeLessThanOrEqual(16 * 1024);
    expect(logBytes / EVENTS).toBeLessThan(2048);
  }, 120_000);
});
