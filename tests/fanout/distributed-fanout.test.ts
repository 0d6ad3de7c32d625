import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBConnectionStore } from '../../src/connections/dynamodb-connection-store';
import { createFanoutWorker } from '../../src/fanout/create-fanout-worker';
import { distributeBroadcast } from '../../src/fanout/distribute-broadcast';
import { fanoutSettings, type FanoutSettings } from '../../src/fanout/fanout-options';
import { ManagementClient } from '../../src/management/management-client';
import { FanoutWorkerRunner } from '../../src/local/fanout-worker-runner';
import { SqsApi } from '../../src/local/sqs-api';
import { SqsQueue } from '../../src/local/sqs-queue';
import { ConnectionsRecorder } from '../../src/testing/connections-recorder';
import { collect } from '../support/collect';
import { startDynalite, type DynaliteServer } from '../support/dynalite-server';

const MEMBERS = 20_000;
const GONE_EVERY = 20; // 5%
const ROOM = 'stadium';

let dynamo: DynaliteServer;
let client: DynamoDBClient;
let recorder: ConnectionsRecorder;
let sqsApi: SqsApi;
let sqs: SQSClient;
let queue: SqsQueue;
let dlq: SqsQueue;
let settings: FanoutSettings;
let store: DynamoDBConnectionStore;
let runner: FanoutWorkerRunner | undefined;
let management: ManagementClient | undefined;
const members = Array.from({ length: MEMBERS }, (_, i) => `m${String(i).padStart(6, '0')}`);
const goneIds = members.filter((_, i) => i % GONE_EVERY === 0);
const isGone = new Set(goneIds);

beforeAll(async () => {
  dynamo = await startDynalite({ childProcess: true });
  client = dynamo.newClient();
  recorder = new ConnectionsRecorder();
  await recorder.start();
  dlq = new SqsQueue();
  // Lambda's longest invocation, and a visibility timeout above it (as AWS requires): a loaded
  // machine slows an invocation of 10 shards, and a post cut off by the deadline may have been
  // delivered without being counted sent (at-most-once), which this test's totals cannot allow.
  queue = new SqsQueue({ visibilityTimeoutMs: 960_000, maxReceiveCount: 3, deadLetterQueue: dlq });
  sqsApi = new SqsApi(new Map([['fanout', queue]]));
  await sqsApi.start();
  sqs = new SQSClient({
    region: 'us-east-1',
    endpoint: sqsApi.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  settings = fanoutSettings({ queueUrl: sqsApi.queueUrl('fanout'), threshold: 2000, sqs })!;
  store = new DynamoDBConnectionStore({
    tableName: await dynamo.newTable(),
    client,
    goneGraceMs: 0,
    // dynalite answers one request at a time: on a busy machine a queued call waits for long.
    requestTimeoutMs: 15_000,
    roomShards: (room) => (room === ROOM ? 8 : 1),
  });
  // BatchWriteItem, 25 items a call: 60,000 items in 2,400 requests instead of 40,000.
  await store.saveMany(members.map((connectionId) => ({ connectionId, rooms: [ROOM] })));
}, 120_000);

afterEach(async () => {
  // Even after a failure or a timeout: no invocation of this test may run into the next one.
  await runner?.stop();
  runner = undefined;
  management?.destroy();
  management = undefined;
});

afterAll(async () => {
  // The runner first (its invocations post and write to the store), then what they talk to.
  await runner?.stop();
  sqs?.destroy();
  await sqsApi?.stop();
  await recorder?.close();
  client?.destroy();
  await dynamo?.close();
});

it.each([1, 4])(
  '20,000 members in one room, K = 8, 5% gone, worker concurrency %i: exactly 19,000 posts, none twice, 1,000 removed, EMF totals add up',
  async (concurrency) => {
    // The previous run removed the gone members: put them back so every run starts the same.
    await store.saveMany(goneIds.map((connectionId) => ({ connectionId, rooms: [ROOM] })));
    expect(await collect(store.roomMembers(ROOM))).toHaveLength(MEMBERS);
    recorder.reset();
    recorder.gone(...goneIds);
    const lines: string[] = [];
    // The recorder answers from this jest process, which the whole suite shares: a post's
    // answer can take seconds there. A post cut off without an answer is not sent again
    // (at-most-once) and would be counted failed, so this run gives each post 30 s.
    management = new ManagementClient({
      endpoint: recorder.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      timeoutMs: 30_000,
    });
    const worker = createFanoutWorker({
      management,
      store,
      write: (line) => lines.push(line),
    });
    runner = new FanoutWorkerRunner(queue, worker, { concurrency, timeoutMs: 900_000 });
    const result = await distributeBroadcast(
      settings,
      store.roomMembers(ROOM),
      'hello',
      undefined,
      undefined,
    );
    expect(result).toMatchObject({ queued: true, shards: MEMBERS / 500 });
    await runner.idle();

    const delivered = recorder.posts.map((post) => post.connectionId);
    expect(new Set(delivered).size).toBe(delivered.length);
    expect(delivered).toHaveLength(MEMBERS - goneIds.length);
    expect(delivered.filter((id) => isGone.has(id))).toEqual([]);
    expect(dlq.size).toBe(0);
    const shards = lines.map(
      (line) => JSON.parse(line) as { broadcastId: string; sent: number; gone: number },
    );
    expect(shards).toHaveLength(MEMBERS / 500);
    expect(new Set(shards.map((shard) => shard.broadcastId))).toEqual(
      new Set([(result as { broadcastId: string }).broadcastId]),
    );
    expect(shards.reduce((sum, shard) => sum + shard.sent, 0)).toBe(MEMBERS - goneIds.length);
    expect(shards.reduce((sum, shard) => sum + shard.gone, 0)).toBe(goneIds.length);
    const left = await collect(store.roomMembers(ROOM));
    expect(left).toHaveLength(MEMBERS - goneIds.length);
    expect(left.filter((id) => isGone.has(id))).toEqual([]);
    expect(await store.get(goneIds[0])).toBeUndefined();
  },
  120_000,
);
