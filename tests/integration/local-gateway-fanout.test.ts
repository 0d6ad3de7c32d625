import 'reflect-metadata';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  bootstrap,
  createFanoutWorker,
  MemoryConnectionStore,
  OnConnect,
  OnMessage,
  WebSocketController,
  type WebSocketContext,
} from '../../src';
import { destroyManagementClients } from '../../src/management/client-cache';
import type { LocalHandler } from '../../src/local';
import { gatewaysClosedAfterEach, recordingLogger } from './local-gateway-kit';

const kit = gatewaysClosedAfterEach();
afterAll(() => destroyManagementClients());

describe('startLocalGateway({ fanoutWorker })', () => {
  it('a broadcast over the threshold goes through the local SQS queue to the worker, which posts to every member once through the gateway', async () => {
    const store = new MemoryConnectionStore();
    const results: unknown[] = [];
    const emf: Array<{ sent: number }> = [];
    const logger = recordingLogger();
    const late: { handler?: LocalHandler } = {};
    const gateway = await kit.start({
      // bootstrap reads the queue URL the gateway puts in the environment: it runs after start.
      handler: (event, context) => late.handler!(event, context),
      logger,
      fanoutWorker: {
        handler: createFanoutWorker({
          store,
          write: (line) => emf.push(JSON.parse(line) as { sent: number }),
        }),
        concurrency: 2,
        batchSize: 2,
      },
    });
    expect(process.env.LIFT_WS_FANOUT_QUEUE_URL).toBe(gateway.fanout?.queueUrl);

    @WebSocketController()
    class StadiumController {
      @OnConnect()
      async connect(ctx: WebSocketContext) {
        await ctx.join('stadium');
      }

      @OnMessage('shout')
      async shout(ctx: WebSocketContext) {
        results.push(await ctx.broadcastToRoom('stadium', { type: 'shout' }));
      }
    }
    const sqs = new SQSClient({});
    late.handler = bootstrap([StadiumController], {
      logger,
      connections: store,
      fanout: { threshold: 5, idsPerShard: 4, sqs },
    });

    const clients = await Promise.all(Array.from({ length: 12 }, () => kit.connect(gateway.wsUrl)));
    clients[0].socket.send(JSON.stringify({ action: 'shout' }));
    const frames = await Promise.all(clients.map((client) => client.nextJson()));
    expect(frames).toEqual(clients.map(() => ({ type: 'shout' })));
    await gateway.fanout!.idle();
    expect(results).toEqual([expect.objectContaining({ queued: true, shards: 3, sent: 0 })]);
    expect(gateway.fanout!.deadLetterQueue.size).toBe(0);
    expect(emf.reduce((sum, shard) => sum + shard.sent, 0)).toBe(12);
    await kit.closeClients();
    for (const client of clients) expect(client.unread()).toEqual([]);
    sqs.destroy();
  });

  it('restores the environment and stops the worker on close', async () => {
    const gateway = await kit.start({
      handler: () => ({ statusCode: 200 }),
      logger: recordingLogger(),
      fanoutWorker: { handler: () => Promise.resolve({ batchItemFailures: [] }) },
    });
    expect(process.env.AWS_ENDPOINT_URL_SQS).toBe(gateway.fanout?.endpoint);
    await gateway.close();
    expect(process.env.LIFT_WS_FANOUT_QUEUE_URL).toBeUndefined();
    expect(process.env.AWS_ENDPOINT_URL_SQS).toBeUndefined();
  });

  it('refuses a fanoutWorker without a handler', async () => {
    await expect(
      kit.start({ handler: () => undefined, fanoutWorker: {} as never }),
    ).rejects.toThrow(/fanoutWorker: `handler` must be a function/);
  });
});
