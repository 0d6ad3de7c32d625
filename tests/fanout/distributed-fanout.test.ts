import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { forEachLimited } from '../../src/concurrency/for-each-limited';
import { DynamoDBConnectionStore } from '../../src/connections/dynamodb-connection-store';
import { createFanoutWorker } from '../../src/fanout/create-fanout-worker';
import { distributeBroadcast } from '../../src/fanout/distribute-broadcast';
import { fanoutSettings, type FanoutSettings } from '../../src/fanout/fanout-options';
import { FanoutWorkerRunner } from '../../src/local/fanout-worker-runner';
import { SqsApi } from '../../src/local/sqs-api';
import { SqsQueue } from '../../src/local/sqs-queue';
import { ConnectionsRecorder } from '../../src/testing/connections-recorder';
import { collect } from '../support/collect';
import { startDynalite, type DynaliteServer } from '../support/dynalite-server';

const MEMBERS = 20_000;
const GONE_EVERY = 20; // 5%

let dynamo: DynaliteServer;
let client: DynamoDBClient;
let recorder: ConnectionsRecorder;
let sqsApi: SqsApi;
let sqs: SQSClient;
let queue: SqsQueue;
let dlq: SqsQueue;
let settings: FanoutSettings;
let store: DynamoDBConnectionStore;
const members = Array.from({ length: MEMBERS }, (_, i) => `m${String(i).padStart(6, '0')}`);
const goneIds = members.filter((_, i) => i % GONE_EVERY === 0);

beforeAll(async () => {
  dynamo = await startDynalite();
  client = dynamo.newClient();
  recorder = new ConnectionsRecorder();
  await recorder.start();
  dlq = new SqsQueue();
  queue = new SqsQueue({ visibilityTimeoutMs: 60_000, maxReceiveCount: 3, deadLetterQueue: dlq });
  sqsApi = new SqsApi(new Map([['fanout', queue]]));
  await sqsApi.start();
  sqs = new SQSClient({
    region: 'us-east-1',
    endpoint: sqsApi.queueUrl('').replace(/\/000000000000\/$/, ''),
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  settings = fanoutSettings({
    queueUrl: sqsApi.queueUrl('fanout'),
    threshold: 2000,
    sqs,
  }) as FanoutSettings;
  store = new DynamoDBConnectionStore({
    tableName: await dynamo.newTable(),
    client,
    goneGraceMs: 0,
    roomShards: (room) => (room === 'stadium' ? 8 : 1),
  });
  await forEachLimited(members, 64, async (connectionId) => {
    await store.save({ connectionId, rooms: ['stadium'] });
  });
}, 120_000);

afterAll(async () => {
  sqs.destroy();
  await sqsApi.stop();
  await recorder.close();
  client.destroy();
  await dynamo.close();
});

it.each([1])(
  '20,000 members, K = 8, 5% gone: exactly 19,000 posts, 1,000 removed, none twice (concurrency %i)',
  async (concurrency) => {
    recorder.reset();
    recorder.gone(...goneIds);
    const lines: string[] = [];
    const worker = createFanoutWorker({
      endpoint: recorder.endpoint,
      store,
      write: (line) => lines.push(line),
    });
    const runner = new FanoutWorkerRunner(queue, worker, { concurrency });
    const started = Date.now();
    const result = await distributeBroadcast(
      settings,
      store.roomMembers('stadium'),
      'hello',
      undefined,
      undefined,
    );
    expect(result).toMatchObject({ queued: true, shards: MEMBERS / 500 });
    await runner.idle();
    runner.stop();
    const elapsed = Date.now() - started;
    process.stdout.write(`fan-out of 20,000 at worker concurrency ${concurrency}: ${elapsed} ms\n`);
    const delivered = recorder.posts;
    expect(new Set(delivered.map((post) => post.connectionId)).size).toBe(delivered.length);
    expect(delivered).toHaveLength(MEMBERS - goneIds.length);
    expect(dlq.size).toBe(0);
    const shards = lines.map((line) => JSON.parse(line) as { sent: number; gone: number });
    expect(shards.reduce((sum, shard) => sum + shard.sent, 0)).toBe(MEMBERS - goneIds.length);
    expect(shards.reduce((sum, shard) => sum + shard.gone, 0)).toBe(goneIds.length);
    const left = await collect(store.roomMembers('stadium'));
    expect(left).toHaveLength(MEMBERS - goneIds.length);
  },
  120_000,
);
