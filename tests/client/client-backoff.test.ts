import type { ClientError, DroppedFrame, LiftWsClient } from 'lift-ws/client';
import {
  clientFor,
  eventually,
  hsToken,
  ManualClock,
  startServer,
  stateReached,
  type Chat,
  type Server,
} from './client-kit';

// Real sockets against a real port; only the client's timers run on a manual clock, so the
// delays it schedules can be read exactly. Math.random is pinned because the shared
// fullJitterDelay draws from it.

let server: Server | undefined;
let port: number;
const clients: Array<LiftWsClient<Chat>> = [];

beforeEach(async () => {
  // A port nobody listens on (yet): connections are refused until startServer({ port }).
  const probe = await startServer();
  port = probe.gateway.port;
  await probe.close();
  jest.spyOn(Math, 'random').mockReturnValue(0.5);
});
afterEach(async () => {
  jest.restoreAllMocks();
  for (const client of clients.splice(0)) client.close();
  await server?.close();
  server = undefined;
});

const url = () => `ws://127.0.0.1:${port}/local`;
const BASE = 100;
const MAX = 1000;
const STABLE = 5000;

/** Waits until the client has scheduled its next retry, then returns that delay. */
async function nextRetryDelay(clock: ManualClock, knownTimers: Set<number>): Promise<number> {
  const handle = await eventually(() =>
    [...clock.timers.keys()].find(
      (key) => !knownTimers.has(key) && clock.timers.get(key)?.ms !== 10_000,
    ),
  );
  knownTimers.add(handle);
  return clock.timers.get(handle)?.ms ?? NaN;
}

describe('reconnect backoff (injected clock)', () => {
  test('exponential with full jitter, capped, and reset after a stable period', async () => {
    const clock = new ManualClock();
    const client = clientFor(
      url(),
      {
        token: hsToken(),
        clock,
        reconnect: { baseDelayMs: BASE, maxDelayMs: MAX, stableAfterMs: STABLE },
      },
      clients,
    );
    const known = new Set<number>();
    const delays: number[] = [];
    for (let attempt = 0; attempt < 6; attempt += 1) {
      const delay = await nextRetryDelay(clock, known);
      delays.push(delay);
      clock.advance(delay);
    }
    // random() = 0.5 of a ceiling of min(MAX, BASE * 2^attempt).
    expect(delays).toEqual([50, 100, 200, 400, 500, 500]);
    expect(client.state).toBe('reconnecting');

    // The attempt the last advance started is refused too before the server comes up.
    const beforeServer = await nextRetryDelay(clock, known);
    expect(beforeServer).toBe(500);
    server = await startServer({ port });
    clock.advance(beforeServer);
    await stateReached(client, 'open');

    // Lost before the stable period is over: the backoff carries on where it was.
    await server.disconnect(server.gateway.connections[0]);
    await stateReached(client, 'reconnecting');
    const carriedOn = await nextRetryDelay(clock, known);
    expect(carriedOn).toBe(500);
    clock.advance(carriedOn);
    await stateReached(client, 'open');

    // Open for the stable period: the next loss starts again from the base delay.
    clock.advance(STABLE);
    await server.disconnect(server.gateway.connections[0]);
    await stateReached(client, 'reconnecting');
    expect(await nextRetryDelay(clock, known)).toBe(50);
  });

  test('every delay stays under its ceiling whatever the random draw', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.999999);
    const clock = new ManualClock();
    clientFor(url(), { clock, reconnect: { baseDelayMs: BASE, maxDelayMs: MAX } }, clients);
    const known = new Set<number>();
    const delays: number[] = [];
    for (let attempt = 0; attempt < 6; attempt += 1) {
      const delay = await nextRetryDelay(clock, known);
      delays.push(delay);
      clock.advance(delay);
    }
    expect(delays).toEqual([99, 199, 399, 799, 999, 999]);
  });
});

describe('outbound queue while disconnected', () => {
  test('keeps the newest frames up to the limit and reports the dropped ones', async () => {
    const clock = new ManualClock();
    const client = clientFor(
      url(),
      { token: hsToken(), clock, queueLimit: 3, reconnect: { baseDelayMs: BASE, maxDelayMs: MAX } },
      clients,
    );
    const dropped: DroppedFrame[] = [];
    client.onDropped((frame) => dropped.push(frame));
    for (let n = 1; n <= 4; n += 1) client.send('note', { n });
    const reply = client.request('echo', { text: 'queued' });
    expect(dropped).toEqual([
      { action: 'note', reason: 'queue-full' },
      { action: 'note', reason: 'queue-full' },
    ]);

    await stateReached(client, 'reconnecting');
    server = await startServer({ port });
    clock.advance(await nextRetryDelay(clock, new Set()));
    await stateReached(client, 'open');
    await expect(reply).resolves.toMatchObject({ text: 'queued' });
    await eventually(() => server && server.log.bodies('note').length === 2);
    expect(server.log.bodies('note').map((body) => body.n)).toEqual([3, 4]);
  });

  test('a dropped request rejects with DROPPED; close() reports what was still queued', async () => {
    const clock = new ManualClock();
    const client = clientFor(url(), { clock, queueLimit: 1 }, clients);
    const dropped: DroppedFrame[] = [];
    client.onDropped((frame) => dropped.push(frame));
    const first = client.request('echo', { text: 'first' });
    const second = client.request('echo', { text: 'second' });
    await expect(first).rejects.toMatchObject({ code: 'DROPPED' });
    client.send('note', { n: 1 }); // drops `second`
    await expect(second).rejects.toMatchObject({ code: 'DROPPED' });
    const errors: ClientError[] = [];
    client.onError((error) => errors.push(error));
    client.close();
    expect(dropped).toEqual([
      { action: 'echo', reason: 'queue-full' },
      { action: 'echo', reason: 'queue-full' },
      { action: 'note', reason: 'closed' },
    ]);
    expect(errors).toEqual([]);
  });
});
