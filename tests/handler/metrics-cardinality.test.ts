import { bootstrap, OnMessage, WebSocketController, WsError } from 'lift-ws';
import { lambdaContext, messageEvent } from 'lift-ws/testing';
import { EmfMetrics } from '../../src/metrics/emf-metrics';
import { captureLogger } from '../support/capture-logger';

type Line = Record<string, unknown>;

const NOTHING_SENT = { bytesOut: 0, messagesOut: 0, fanoutSent: 0, fanoutGone: 0, fanoutFailed: 0 };

/** Route values fuzzing once turned into 33 distinct CloudWatch dimensions. */
const HOSTILE_ROUTES = [
  '__proto__',
  'constructor',
  'toString',
  '🔥',
  'a\u0000b\r\nX-Injected: 1',
  'x'.repeat(300),
  '',
];

function recorder(routeLabels?: Iterable<string>) {
  const lines: Line[] = [];
  const metrics = new EmfMetrics(
    { write: (line) => lines.push(JSON.parse(line) as Line) },
    routeLabels,
  );
  const record = (route: string, statusCode = 200, errorCode?: string) =>
    metrics.record({
      eventType: 'MESSAGE',
      route,
      statusCode,
      errorCode,
      latencyMs: 1,
      bytesIn: 0,
      outbound: NOTHING_SENT,
    });
  return { lines, record };
}

describe('bounded metric dimensions (issue 13, item 8)', () => {
  it('records a route that is not one of the labels it was given as "other"', () => {
    const { lines, record } = recorder(['say', 'join']);
    for (const route of ['say', 'join', '$connect', '$disconnect', '$default', 'invalid'])
      record(route);
    for (const route of [...HOSTILE_ROUTES, 'unknown-client-chosen-name']) record(route);
    const routes = lines.map((line) => line.Route);
    expect(routes.slice(0, 6)).toEqual([
      'say',
      'join',
      '$connect',
      '$disconnect',
      '$default',
      'invalid',
    ]);
    expect(new Set(routes.slice(6))).toEqual(new Set(['other']));
  });

  it('without a label list keeps only action-shaped labels, never prototype keys or control characters', () => {
    const { lines, record } = recorder();
    record('say');
    for (const route of HOSTILE_ROUTES) record(route);
    expect(lines.map((line) => line.Route)).toEqual(['say', ...HOSTILE_ROUTES.map(() => 'other')]);
  });

  it('records an error code outside /^[A-Z][A-Z0-9_]{0,63}$/ as OTHER', () => {
    const { lines, record } = recorder(['say']);
    record('say', 409, 'ROOM_FULL');
    record('say', 400, 'bad code from input');
    record('say', 400, `A${'B'.repeat(64)}`);
    record('say', 400, 'TOO\r\nLONG');
    record('say', 401);
    expect(lines.map((line) => line.ErrorCode)).toEqual([
      'ROOM_FULL',
      'OTHER',
      'OTHER',
      'OTHER',
      '401',
    ]);
    for (const line of lines) expect(line.Errors).toBe(1);
  });

  it('a handler fed fuzzed route keys, actions and error codes writes a bounded set of dimension values', async () => {
    @WebSocketController()
    class Chat {
      @OnMessage('say') say() {}
      @OnMessage('fail') fail(ctx: { body<T>(): T }) {
        const { code } = ctx.body<{ code: string }>();
        throw new WsError(409, code, 'refused');
      }
    }
    const lines: Line[] = [];
    const handler = bootstrap([Chat], {
      logger: captureLogger('error').logger,
      errorFrames: false,
      metrics: { write: (line) => lines.push(JSON.parse(line) as Line) },
    });
    for (const [i, route] of [...HOSTILE_ROUTES, 'say', '$default'].entries()) {
      const event = messageEvent({ body: { action: HOSTILE_ROUTES[i % HOSTILE_ROUTES.length] } });
      event.requestContext.routeKey = route;
      await handler(event, lambdaContext());
      await handler(
        messageEvent({ body: { action: 'fail', code: `${route}-${i}` } }),
        lambdaContext(),
      );
    }
    const routes = new Set(lines.map((line) => line.Route));
    for (const route of routes)
      expect(['say', 'fail', '$default', 'invalid', 'other']).toContain(route);
    const codes = new Set(lines.map((line) => line.ErrorCode).filter(Boolean));
    for (const code of codes) expect(code).toMatch(/^([A-Z][A-Z0-9_]{0,63}|[45]\d\d)$/);
    expect(codes.has('OTHER')).toBe(true);
  });
});
