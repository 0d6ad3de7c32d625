import 'reflect-metadata';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  bootstrap,
  createFanoutWorker,
  MemoryConnectionStore,
  OnMessage,
  WebSocketController,
  type BroadcastResult,
  type WebSocketContext,
} from 'lift-ws';
import type { LiftWsClient } from 'lift-ws/client';
import { startLocalGateway, type LocalGateway, type LocalHandler } from 'lift-ws/local';
import WebSocket from 'ws';
import { destroyManagementClients } from '../../src/management/client-cache';
import { recordingLogger } from '../support/recording-logger';
import { clientFor, eventually, stateReached, type Chat } from './client-kit';

let gateway: LocalGateway | undefined;
let sqs: SQSClient | undefined;
const clients: Array<LiftWsClient<Chat>> = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await gateway?.close();
  sqs?.destroy();
  gateway = sqs = undefined;
});
afterAll(() => destroyManagementClients());

describe('room history with distributed fan-out (bootstrap fanout + createFanoutWorker)', () => {
  test("the worker's frames carry the same { room, seq }; a client cut in between resumes to seq 1..N", async () => {
    const store = new MemoryConnectionStore();
    const results: BroadcastResult[] = [];
    const late: { handler?: LocalHandler } = {};
    const logger = recordingLogger([] as never);
    gateway = await startLocalGateway({
      port: 0,
      logger,
      // bootstrap reads the queue URL the gateway puts in the environment: it runs after start.
      handler: (event, context) => late.handler!(event, context),
      fanoutWorker: { handler: createFanoutWorker({ store }), concurrency: 2, batchSize: 2 },
    });

    @WebSocketController()
    class StadiumController {
      @OnMessage('join') async join(ctx: WebSocketContext) {
        await ctx.join(ctx.body<{ room: string }>().room);
        return { joined: true };
      }

      @OnMessage('say') async say(ctx: WebSocketContext) {
        const { room, n } = ctx.body<{ room: string; n: number }>();
        results.push(await ctx.broadcastToRoom(room, { type: 'said', room, n }));
      }
    }
    sqs = new SQSClient({});
    late.handler = bootstrap([StadiumController], {
      logger,
      connections: store,
      rooms: { history: true },
      fanout: { threshold: 3, idsPerShard: 2, sqs },
    });

    const sockets: WebSocket[] = [];
    class Tracked extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        sockets.push(this);
      }
    }
    const received: number[][] = [];
    for (let index = 0; index < 8; index++) {
      const seqs: number[] = [];
      received.push(seqs);
      const client = clientFor(
        gateway.wsUrl,
        {
          ...(index === 0 ? { WebSocket: Tracked as never } : {}),
          reconnect: { baseDelayMs: 10, maxDelayMs: 50 },
        },
        clients,
      );
      client.on('said', (event) => seqs.push(event.seq ?? -1));
      client.join('stadium');
    }
    await eventually(() => clients.every((client) => client.lastSeq('stadium') === 0), 5000);
    const sender = clientFor(gateway.wsUrl, {}, clients);
    const say = async (from: number, count: number): Promise<void> => {
      for (let n = from; n < from + count; n++) await sender.request('say', { room: 'stadium', n });
    };
    await say(1, 5);
    await eventually(() => received[0].length === 5, 5000);
    // Client 0 loses its socket; messages 6..10 go out through the workers while it is away.
    sockets.at(-1)?.terminate();
    await stateReached(clients[0], 'reconnecting');
    await say(6, 5);
    await stateReached(clients[0], 'open');
    await say(11, 5);
    await gateway.fanout!.idle();

    const expected = Array.from({ length: 15 }, (_, index) => index + 1);
    await eventually(() => received.every((seqs) => seqs.length >= 15), 5000).catch(
      () => undefined,
    );
    for (const seqs of received) expect(seqs).toEqual(expected);
    // Every one of them went through SQS and the worker, not inline.
    expect(results).toHaveLength(15);
    expect(results.every((result) => 'queued' in result && result.queued)).toBe(true);
    expect(gateway.fanout!.deadLetterQueue.size).toBe(0);
  });
});
