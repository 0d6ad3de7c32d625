import {
  bootstrap,
  MemoryConnectionStore,
  OnMessage,
  RateLimit,
  UseMiddleware,
  WebSocketController,
  WebSocketContext,
} from 'lift-ws';
import { startLocalGateway } from 'lift-ws/local';
import { destroyManagementClients } from 'lift-ws/testing';
import { captureLogger } from '../support/capture-logger';
import { eventually, recordingLogger, TestClient } from './local-gateway-kit';

/**
 * The fan-out engine end to end: real sockets on the local gateway, the real SDK client posting
 * to its @connections API, the memory store tracking membership.
 */
function roomController() {
  @WebSocketController()
  class RoomController {
    @OnMessage('join') async join(ctx: WebSocketContext) {
      await ctx.join(ctx.body<{ room: string }>().room);
      await ctx.sendJSON({ type: 'joined', connectionId: ctx.connectionId });
    }

    @OnMessage('announce') async announce(ctx: WebSocketContext) {
      const { room, text } = ctx.body<{ room: string; text: string }>();
      const result = await ctx.broadcastToRoom(room, { type: 'announcement', text });
      await ctx.sendJSON({
        type: 'report',
        sent: result.sent,
        gone: result.gone,
        failed: result.failed,
      });
    }

    @UseMiddleware(RateLimit({ perConnection: { capacity: 5, refillPerSecond: 0.001 } }))
    @OnMessage('say')
    async say(ctx: WebSocketContext) {
      await ctx.sendJSON({ type: 'echo', n: ctx.body<{ n: number }>().n });
    }
  }
  return RoomController;
}

async function openMany(url: string, count: number): Promise<TestClient[]> {
  const clients: TestClient[] = [];
  // Batches keep the handshake burst realistic without hitting the accept backlog.
  for (let i = 0; i < count; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, () => TestClient.open(url)),
    );
    clients.push(...batch);
  }
  return clients;
}

describe('fan-out at scale through the local gateway', () => {
  // Every member finished its handshake in beforeAll, long before any 410: no grace period is
  // needed here (the store's own tests cover the grace period of a connection still opening).
  const store = new MemoryConnectionStore({ goneGraceMs: 0 });
  const lost = new Set<string>();
  let gateway: Awaited<ReturnType<typeof startLocalGateway>>;
  let clients: TestClient[] = [];
  const ids = new Map<TestClient, string>();

  beforeAll(async () => {
    const handler = bootstrap([roomController()], {
      connections: store,
      logger: captureLogger('warn').logger,
      broadcast: { concurrency: 32 },
    });
    gateway = await startLocalGateway({
      handler,
      logger: recordingLogger(),
      // AWS may never deliver $disconnect; these connections vanish without one.
      dropDisconnect: (connectionId) => lost.has(connectionId),
    });
    clients = await openMany(gateway.wsUrl, 200);
    for (const client of clients) client.sendJson({ action: 'join', room: 'arena' });
    for (const client of clients) {
      const joined = await client.nextJson<{ type: string; connectionId: string }>(10_000);
      expect(joined.type).toBe('joined');
      ids.set(client, joined.connectionId);
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await gateway.close();
    destroyManagementClients();
  });

  it('one broadcast reaches all 200 members exactly once', async () => {
    const [speaker] = clients;
    speaker.sendJson({ action: 'announce', room: 'arena', text: 'hello all' });
    const received = await Promise.all(
      clients.map(async (client) => {
        const message = await client.nextJson<{ type: string; text: string }>(10_000);
        return message;
      }),
    );
    expect(
      received.every((message) => message.type === 'announcement' && message.text === 'hello all'),
    ).toBe(true);
    const report = await speaker.nextJson<{
      type: string;
      sent: number;
      gone: string[];
      failed: unknown[];
    }>(10_000);
    expect(report).toEqual({ type: 'report', sent: 200, gone: [], failed: [] });
    // Exactly once: a marker posted to every member now is the next frame on each socket, so
    // no second copy of the announcement was delivered before it.
    await Promise.all(
      clients.map((client) =>
        fetch(`${gateway.managementEndpoint}/@connections/${ids.get(client) ?? ''}`, {
          method: 'POST',
          body: 'marker',
        }),
      ),
    );
    const next = await Promise.all(clients.map((client) => client.next(10_000)));
    expect(next.every((frame) => frame === 'marker')).toBe(true);
  }, 30_000);

  it('20 clients gone without $disconnect are reported gone once and removed from the store', async () => {
    const leaving = clients.slice(100, 120);
    for (const client of leaving) lost.add(ids.get(client)!);
    await Promise.all(leaving.map((client) => client.close()));
    await eventually(
      () => leaving.every((client) => !gateway.connections.includes(ids.get(client)!)),
      5000,
    );
    // No $disconnect ran, so the store still believes they are members.
    expect(await store.get(ids.get(leaving[0])!)).toBeDefined();

    const speaker = clients[0];
    speaker.sendJson({ action: 'announce', room: 'arena', text: 'second' });
    const staying = clients.filter((client) => !leaving.includes(client));
    await Promise.all(staying.map((client) => client.nextJson(10_000)));
    const report = await speaker.nextJson<{ sent: number; gone: string[]; failed: unknown[] }>(
      10_000,
    );
    expect(report.sent).toBe(180);
    expect([...report.gone].sort()).toEqual([...lost].sort());
    expect(report.failed).toEqual([]);
    for (const id of lost) expect(await store.get(id)).toBeUndefined();
    const members: string[] = [];
    for await (const id of store.roomMembers('arena')) members.push(id);
    expect(members).toHaveLength(180);
  }, 30_000);

  it('a burst over the rate limit gets 429 envelopes and every message under it is delivered', async () => {
    const sender = clients[1];
    for (let n = 0; n < 12; n++) sender.sendJson({ action: 'say', n });
    const frames: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 12; i++) frames.push(await sender.nextJson(5000));
    const echoes = frames
      .filter((frame) => frame.type === 'echo')
      .map((frame) => frame.n as number);
    const refused = frames.filter(
      (frame) => (frame.error as { code?: string } | undefined)?.code === 'TOO_MANY_REQUESTS',
    );
    expect(echoes).toHaveLength(5);
    expect(refused).toHaveLength(7);
    expect(new Set(echoes).size).toBe(5);
    expect(refused[0]).toMatchObject({
      error: { code: 'TOO_MANY_REQUESTS', message: 'rate limit exceeded for this connection' },
    });
    // Another connection has its own bucket.
    const other = clients[2];
    other.sendJson({ action: 'say', n: 99 });
    expect(await other.nextJson(5000)).toEqual({ type: 'echo', n: 99 });
  }, 30_000);
});
