import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createFanoutWorker, DynamoDBConnectionStore, ManagementClient } from 'lift-ws';
import { createConnectionsTable } from '../src/connections/create-connections-table';
import { enqueueBroadcast } from '../src/fanout/enqueue-broadcast';
import { FanoutWorkerRunner } from '../src/local/fanout-worker-runner';
import { SqsApi } from '../src/local/sqs-api';
import { SqsQueue } from '../src/local/sqs-queue';
import { startDynaliteChild } from './dynalite-child';
import { startStandIn } from './fanout.bench';
import { round2, row } from './measure';

/**
 * Distributed fan-out (issue 11), two figures:
 * 1. posts/s of one broadcast to N ids against the `@connections` stand-in (child process,
 *    10 ms per answer): inline (one ManagementClient.broadcast, 32 in flight, as a handler does)
 *    vs enqueued through the real SQS client to the local SQS twin and delivered by 1 and 4
 *    concurrent worker containers (each its own createFanoutWorker, as Lambda runs each
 *    concurrent invocation in its own container). All in this process but the stand-in.
 * 2. DynamoDB reads to list a 20,000-member room with K = 1 and K = 8 (dynalite in a child
 *    process, ReturnConsumedCapacity on every Query): requests, RCUs in all, and RCUs on the
 *    busiest partition key (what a partition's 3,000 RCU/s limit is spent on).
 */
const N = Number(process.env.LIFT_WS_BENCH_DISTRIBUTED_IDS ?? '20000');
const ROOM_MEMBERS = Number(process.env.LIFT_WS_BENCH_ROOM_MEMBERS ?? '20000');
const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };

export async function runDistributedFanoutBench(): Promise<Record<string, number>> {
  const summary: Record<string, number> = {};
  Object.assign(summary, await throughput());
  Object.assign(summary, await roomReads());
  return summary;
}

async function throughput(): Promise<Record<string, number>> {
  const standIn = await startStandIn();
  const endpoint = `http://127.0.0.1:${standIn.port}/prod`;
  const ids = Array.from({ length: N }, (_, i) =>
    Buffer.from(`conn-${String(i).padStart(8, '0')}`).toString('base64'),
  );
  const payload = JSON.stringify({ type: 'message', room: 'stadium', text: 'goal!' });
  const dlq = new SqsQueue();
  const queue = new SqsQueue({
    visibilityTimeoutMs: 60_000,
    maxReceiveCount: 5,
    deadLetterQueue: dlq,
  });
  const api = new SqsApi(new Map([['fanout', queue]]));
  await api.start();
  const sqs = new SQSClient({
    region: 'us-east-1',
    endpoint: api.endpoint,
    credentials: CREDENTIALS,
  });
  const inline = new ManagementClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS });
  const rows: Array<{ name: string; ms: number }> = [];
  try {
    const measure = async (name: string, run: () => Promise<void>): Promise<number> => {
      await standIn.count();
      const started = performance.now();
      await run();
      const ms = performance.now() - started;
      const { posts } = await standIn.count();
      if (posts !== N) throw new Error(`${name}: the stand-in counted ${posts} posts, not ${N}`);
      rows.push({ name, ms });
      return (N / ms) * 1000;
    };
    const inlineRate = await measure('inline broadcast (32 in flight)', async () => {
      const result = await inline.broadcast(ids, payload, { concurrency: 32 });
      if (result.sent !== N) throw new Error(`inline: ${result.sent} sent`);
    });
    const workers = async (concurrency: number): Promise<number> =>
      measure(`SQS + ${concurrency} worker container(s)`, async () => {
        // One worker per container: each has its own AIMD window and client, as in Lambda.
        const free = Array.from({ length: concurrency }, () =>
          createFanoutWorker({ endpoint, write: () => undefined }),
        );
        const handler = async (
          event: SQSEvent,
          context: { getRemainingTimeInMillis: () => number },
        ): Promise<SQSBatchResponse> => {
          const worker = free.pop();
          if (!worker) throw new Error('more invocations than containers');
          try {
            return await worker(event, context);
          } finally {
            free.push(worker);
          }
        };
        const runner = new FanoutWorkerRunner(queue, handler, { concurrency });
        await enqueueBroadcast({
          sqs,
          queueUrl: api.queueUrl('fanout'),
          broadcastId: `bench-${concurrency}`,
          ids,
          data: payload,
          idsPerShard: 500,
        });
        await runner.idle();
        await runner.stop();
        if (dlq.size > 0) throw new Error(`${dlq.size} shard(s) in the DLQ`);
      });
    const one = await workers(1);
    const four = await workers(4);
    console.log(
      `\ndistributed fan-out: ${N} ids, @connections stand-in (child process) answering after 10 ms; shards of 500 ids, 2 shards x 32 posts in flight per worker`,
    );
    console.log(row('candidate', 'wall ms', 'posts/s', 'vs inline'));
    for (const [i, entry] of rows.entries()) {
      const rate = [inlineRate, one, four][i];
      console.log(
        row(entry.name, entry.ms.toFixed(0), rate.toFixed(0), `${(rate / inlineRate).toFixed(2)}x`),
      );
    }
    return {
      'distributed.inline_posts_per_s': Math.round(inlineRate),
      'distributed.workers1_vs_inline': round2(one / inlineRate),
      'distributed.workers4_vs_inline': round2(four / inlineRate),
    };
  } finally {
    inline.destroy();
    sqs.destroy();
    await api.stop();
    await standIn.stop();
  }
}

async function roomReads(): Promise<Record<string, number>> {
  const dynalite = await startDynaliteChild();
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${dynalite.port}`,
    region: 'us-east-1',
    credentials: CREDENTIALS,
  });
  // Every Query asks for its consumed capacity, counted per partition key.
  const reads: Array<{ pk: string; units: number }> = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'QueryCommand') return next(args);
      const input = args.input as {
        ReturnConsumedCapacity?: string;
        ExpressionAttributeValues?: Record<string, { S?: string } | string>;
      };
      input.ReturnConsumedCapacity = 'TOTAL';
      const result = await next(args);
      const output = result.output as { ConsumedCapacity?: { CapacityUnits?: number } };
      const pk = input.ExpressionAttributeValues?.[':pk'];
      reads.push({
        pk: typeof pk === 'string' ? pk : (pk?.S ?? '?'),
        units: output.ConsumedCapacity?.CapacityUnits ?? 0,
      });
      return result;
    },
    { step: 'initialize', name: 'countReads' },
  );
  try {
    const tableName = 'bench-rooms';
    await createConnectionsTable(client, tableName, { pollIntervalMs: 10 });
    const store = new DynamoDBConnectionStore({
      tableName,
      client,
      requestTimeoutMs: 30_000,
      roomShards: (room) => (room === 'k8' ? 8 : 1),
    });
    const members = Array.from({ length: ROOM_MEMBERS }, (_, i) =>
      Buffer.from(`member-${String(i).padStart(8, '0')}`).toString('base64'),
    );
    await store.saveMany(members.map((connectionId) => ({ connectionId, rooms: ['k1', 'k8'] })));
    const figures: Record<string, number> = {};
    console.log(
      `\nlisting a ${ROOM_MEMBERS}-member room once (one broadcast), dynalite with ReturnConsumedCapacity`,
    );
    console.log(row('rooms', 'queries', 'RCU', 'RCU max pk', 'members'));
    for (const room of ['k1', 'k8']) {
      reads.length = 0;
      let listed = 0;
      for await (const id of store.roomMembers(room)) if (id) listed += 1;
      const perKey = new Map<string, number>();
      for (const read of reads) perKey.set(read.pk, (perKey.get(read.pk) ?? 0) + read.units);
      const units = reads.reduce((sum, read) => sum + read.units, 0);
      const hottest = Math.max(...perKey.values());
      const k = room === 'k8' ? 8 : 1;
      console.log(
        row(`K = ${k}`, String(reads.length), units.toFixed(1), hottest.toFixed(1), String(listed)),
      );
      if (listed !== ROOM_MEMBERS) throw new Error(`K = ${k}: listed ${listed}`);
      figures[`distributed.room_k${k}_queries`] = reads.length;
      figures[`distributed.room_k${k}_rcu`] = round2(units);
      figures[`distributed.room_k${k}_rcu_hottest_key`] = round2(hottest);
    }
    return figures;
  } finally {
    client.destroy();
    await dynalite.stop();
  }
}
