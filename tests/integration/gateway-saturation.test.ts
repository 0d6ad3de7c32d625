import {
  bootstrap,
  MemoryConnectionStore,
  OnConnect,
  OnMessage,
  WebSocketController,
  type WebSocketContext,
} from 'lift-ws';
import { destroyManagementClients } from 'lift-ws/testing';
import { recordingLogger } from '../support/recording-logger';
import { gatewaysClosedAfterEach, type TestClient } from './local-gateway-kit';

/**
 * Issue 13 item 14, end to end: clients in rooms of 10 through the local gateway, the real
 * handler, the real @connections client and the gateway's @connections API. Each client sends
 * its next message as soon as its own previous one came back, so the fan-outs pile up as far
 * as the machine lets them. Every frame must arrive exactly once (at-most-once delivery with
 * nothing reported failed here, since the endpoint is healthy): none lost, none doubled.
 */
const CLIENTS = 200;
const ROOM_SIZE = 10;
const MESSAGES = 10;

describe('the local gateway under saturation', () => {
  const { start, connect } = gatewaysClosedAfterEach();
  afterAll(() => destroyManagementClients());

  it(`${CLIENTS} clients in rooms of ${ROOM_SIZE}, ${MESSAGES} messages each: every frame delivered exactly once`, async () => {
    const failures: unknown[] = [];
    @WebSocketController()
    class Rooms {
      @OnConnect() async connect(ctx: WebSocketContext) {
        await ctx.join(ctx.query('room') ?? 'none');
      }

      @OnMessage('say') async say(ctx: WebSocketContext) {
        const { room, from, n } = ctx.body<{ room: string; from: number; n: number }>();
        const result = await ctx.broadcastToRoom(room, { from, n });
        if (result.failed.length > 0 || result.gone.length > 0 || result.truncated) {
          failures.push(result);
        }
      }
    }
    const handler = bootstrap([Rooms], {
      connections: new MemoryConnectionStore(),
      logger: recordingLogger(),
      broadcast: { concurrency: ROOM_SIZE },
    });
    const gateway = await start({ handler });
    const clients: TestClient[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      clients.push(await connect(`${gateway.wsUrl}?room=r${Math.floor(i / ROOM_SIZE)}`));
    }

    // received[client][sender * MESSAGES + n] counts deliveries of sender's n-th message.
    const received = clients.map(() => new Map<number, number>());
    const senders = clients.map(async (client, index) => {
      const room = `r${Math.floor(index / ROOM_SIZE)}`;
      for (let n = 0; n < MESSAGES; n++) {
        client.sendJson({ action: 'say', room, from: index, n });
        // Read until our own message comes back; record everything seen on the way.
        for (;;) {
          const frame = await client.nextJson<{ from: number; n: number }>(20_000);
          const key = frame.from * MESSAGES + frame.n;
          received[index].set(key, (received[index].get(key) ?? 0) + 1);
          if (frame.from === index && frame.n === n) break;
        }
      }
    });
    await Promise.all(senders);
    // The others' last frames may still be on the way: drain until every client has them all.
    await Promise.all(
      clients.map(async (client, index) => {
        while (received[index].size < ROOM_SIZE * MESSAGES) {
          const frame = await client.nextJson<{ from: number; n: number }>(20_000);
          const key = frame.from * MESSAGES + frame.n;
          received[index].set(key, (received[index].get(key) ?? 0) + 1);
        }
      }),
    );

    expect(failures).toEqual([]);
    const doubled = received.flatMap((counts) => [...counts.values()].filter((count) => count > 1));
    expect(doubled).toEqual([]);
    const total = received.reduce((sum, counts) => sum + counts.size, 0);
    expect(total).toBe(CLIENTS * ROOM_SIZE * MESSAGES);
  }, 120_000);
});
