import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type ServiceOutputTypes,
} from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { connectionsTable } from '../../src/connections/connections-table';
import { createConnectionsTable } from '../../src/connections/create-connections-table';
import { DynamoDBConnectionStore } from '../../src/connections/dynamodb-connection-store';
import { describeConnectionStoreContract } from '../contract/connection-store.contract';
import { collect } from '../support/collect';
import { startDynalite, type DynaliteServer } from '../support/dynalite-server';

type Item = Record<string, unknown>;
interface RecordedCall {
  command: string;
  input: Item;
}

let dynamo: DynaliteServer;
let client: DynamoDBClient;
let tableCount = 0;

function newClient(): DynamoDBClient {
  return dynamo.newClient();
}

function newTable(): Promise<string> {
  return dynamo.newTable();
}

/** Records every command the client sends, in document form (before marshalling). */
function recordCalls(target: DynamoDBClient): RecordedCall[] {
  const calls: RecordedCall[] = [];
  target.middlewareStack.add(
    (next, context) => (args) => {
      calls.push({ command: context.commandName ?? '', input: args.input as Item });
      return next(args);
    },
    { step: 'initialize', name: 'recordCalls' },
  );
  return calls;
}

/** A BatchWriteItem answer that processed nothing, as a throttled table gives. */
function unprocessedAnswer(input: object): { output: ServiceOutputTypes; response: unknown } {
  const { RequestItems } = input as { RequestItems: Item };
  const output = { UnprocessedItems: RequestItems, $metadata: {} } as ServiceOutputTypes;
  return { output, response: {} };
}

function scanAll(tableName: string): Promise<Item[]> {
  return dynamo.scanAll(tableName);
}

beforeAll(async () => {
  dynamo = await startDynalite();
  client = dynamo.client;
});

afterAll(async () => {
  await dynamo?.close();
});

describeConnectionStoreContract(
  'DynamoDBConnectionStore on dynalite',
  async ({ now, ttlSeconds, pageSize, goneGraceMs, roomShards }) =>
    new DynamoDBConnectionStore({
      tableName: await newTable(),
      client,
      now,
      ttlSeconds,
      pageSize,
      goneGraceMs,
      roomShards,
    }),
);

describe('DynamoDBConnectionStore table layout', () => {
  it('writes index keys only for a user or tenant that is set (sparse, never empty)', async () => {
    const tableName = await newTable();
    const store = new DynamoDBConnectionStore({ tableName, client });
    await store.save({ connectionId: 'anonymous' });
    await store.save({ connectionId: 'empty', userId: '', tenantId: '' });
    await store.save({ connectionId: 'both', userId: 'u1', tenantId: 't1' });

    const documents = DynamoDBDocumentClient.from(client);
    const raw = async (connectionId: string): Promise<Item | undefined> =>
      (
        await documents.send(
          new GetCommand({ TableName: tableName, Key: { pk: `CONN#${connectionId}`, sk: 'META' } }),
        )
      ).Item as Item | undefined;

    // dynalite accepts empty index keys where AWS refuses them, so check the items themselves.
    for (const connectionId of ['anonymous', 'empty']) {
      const item = await raw(connectionId);
      expect(item).toBeDefined();
      expect(item).not.toHaveProperty('gsi1pk');
      expect(item).not.toHaveProperty('gsi2pk');
      expect(item).not.toHaveProperty('userId');
      expect(item).not.toHaveProperty('tenantId');
    }
    expect(await raw('both')).toMatchObject({ gsi1pk: 'USER#u1', gsi2pk: 'TENANT#t1' });
  });

  it('puts expiresAt on every item: connections, memberships and buckets', async () => {
    const tableName = await newTable();
    const store = new DynamoDBConnectionStore({ tableName, client });
    const saved = await store.save({ connectionId: 'c1', userId: 'u1' });
    await store.join('c1', 'lobby');
    await store.takeToken('conn:c1', { capacity: 10, refillPerSecond: 1 });

    const items = await scanAll(tableName);
    expect(items.map((item) => `${String(item.pk)} ${String(item.sk)}`).sort()).toEqual([
      'CONN#c1 META',
      'CONN#c1 ROOM#lobby',
      'RATE#conn:c1 BUCKET',
      'ROOM#lobby CONN#c1',
    ]);
    for (const item of items) expect(typeof item.expiresAt).toBe('number');
    for (const item of items.filter((entry) => String(entry.pk) !== 'RATE#conn:c1')) {
      expect(item.expiresAt).toBe(saved.expiresAt);
    }
  });

  it('leaves no membership behind when joins race with deletes', async () => {
    const tableName = await newTable();
    const store = new DynamoDBConnectionStore({ tableName, client });
    const ids = Array.from({ length: 40 }, (_, index) => `race-${index}`);
    await Promise.all(ids.map((connectionId) => store.save({ connectionId })));

    // A third of the joins finish before their delete starts, a third start after it ended (and
    // lose), a third run at the same time as it (and interleave).
    const join = (connectionId: string) =>
      store.join(connectionId, 'lobby').catch((error: unknown) => {
        // Losing the race is fine; it must be reported as gone, though.
        expect(error).toMatchObject({ statusCode: 410 });
      });
    await Promise.all(
      ids.map(async (connectionId, index) => {
        if (index % 3 === 0) {
          await join(connectionId);
          await store.delete(connectionId);
        } else if (index % 3 === 1) {
          await store.delete(connectionId);
          await join(connectionId);
        } else {
          await Promise.all([join(connectionId), store.delete(connectionId)]);
        }
      }),
    );

    expect(await scanAll(tableName)).toEqual([]);
  });
});

describe('DynamoDBConnectionStore at load', () => {
  it('leaves no orphan item after 200 concurrent connect/join/leave/disconnect sequences', async () => {
    const tableName = await newTable();
    // 200 sequences in one process share one client's sockets: on a busy 2-core machine a
    // request can queue for seconds before it is sent. The per-request budget (3 s by default,
    // sized for one Lambda event) is not what this test measures, so it is generous here.
    const store = new DynamoDBConnectionStore({ tableName, client, requestTimeoutMs: 60_000 });
    const ids = Array.from({ length: 200 }, (_, index) => `load-${index}`);
    await Promise.all(
      ids.map(async (connectionId, index) => {
        await store.save({ connectionId, userId: `u${index % 7}`, rooms: ['lobby'] });
        await store.join(connectionId, `room-${index % 10}`);
        await store.leave(connectionId, 'lobby');
        await store.delete(connectionId);
      }),
    );
    expect(await scanAll(tableName)).toEqual([]);
  }, 120_000);

  it('lists a 3,000-member room of 1.2 KB items completely across 1 MB pages', async () => {
    const tableName = await newTable();
    const recorded = newClient();
    const calls = recordCalls(recorded);
    // A long room name makes each membership item about 1.2 KB: 3.6 MB, four 1 MB pages.
    const room = `big-${'r'.repeat(560)}`;
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    const members = Array.from(
      { length: 3000 },
      (_, index) => `m${String(index).padStart(5, '0')}`,
    );
    const documents = DynamoDBDocumentClient.from(recorded);
    for (let start = 0; start < members.length; start += 25) {
      await documents.send(
        new BatchWriteCommand({
          RequestItems: {
            [tableName]: members.slice(start, start + 25).map((connectionId) => ({
              PutRequest: {
                Item: {
                  pk: `ROOM#${room}`,
                  sk: `CONN#${connectionId}`,
                  connectionId,
                  room,
                  expiresAt,
                },
              },
            })),
          },
        }),
      );
    }
    const store = new DynamoDBConnectionStore({ tableName, client: recorded });
    calls.length = 0;

    const read: string[] = [];
    try {
      for await (const connectionId of store.roomMembers(room)) read.push(connectionId);
    } finally {
      recorded.destroy();
    }

    expect(read).toHaveLength(3000);
    expect(new Set(read).size).toBe(3000);
    expect(read.sort()).toEqual(members);
    expect(calls.filter((call) => call.command === 'QueryCommand').length).toBeGreaterThanOrEqual(
      4,
    );
  }, 120_000);
});

describe('DynamoDBConnectionStore requests', () => {
  let recorded: DynamoDBClient;
  beforeEach(() => {
    recorded = newClient();
  });
  afterEach(() => {
    recorded.destroy();
  });

  it('queries a room page by page, and only as far as it is read', async () => {
    const tableName = await newTable();
    const calls = recordCalls(recorded);
    const store = new DynamoDBConnectionStore({ tableName, client: recorded, pageSize: 100 });
    const ids = Array.from({ length: 250 }, (_, index) => `m${String(index).padStart(3, '0')}`);
    await Promise.all(ids.map((connectionId) => store.save({ connectionId })));
    for (const connectionId of ids) await store.join(connectionId, 'lobby');

    const roomQueries = (): RecordedCall[] =>
      calls.filter(
        (call) =>
          call.command === 'QueryCommand' &&
          (call.input.ExpressionAttributeValues as Item | undefined)?.[':pk'] === 'ROOM#lobby',
      );

    const iterator = store.roomMembers('lobby')[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    expect(roomQueries()).toHaveLength(1);
    await iterator.return?.();

    expect(await collect(store.roomMembers('lobby'))).toEqual(ids);
    // 1 from the partial read + 3 full pages and the empty last one of 250 items at 100 a page.
    expect(roomQueries().length).toBeGreaterThanOrEqual(4);
    for (const query of roomQueries()) expect(query.input.Limit).toBe(100);
  });

  it('deletes in BatchWriteItem chunks of at most 25', async () => {
    const tableName = await newTable();
    const calls = recordCalls(recorded);
    const store = new DynamoDBConnectionStore({ tableName, client: recorded });
    const ids = Array.from({ length: 60 }, (_, index) => `d${index}`);
    await Promise.all(ids.map((connectionId) => store.save({ connectionId })));
    calls.length = 0;

    await store.deleteMany(ids);

    const batches = calls.filter((call) => call.command === 'BatchWriteItemCommand');
    const sizes = batches.map(
      (call) => ((call.input.RequestItems as Record<string, unknown[]>)[tableName] ?? []).length,
    );
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(60);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(25);
    expect(batches.length).toBeGreaterThanOrEqual(3);
    expect(await store.count()).toBe(0);
  });

  it('retries UnprocessedItems until they are written', async () => {
    const tableName = await newTable();
    let throttled = 0;
    // DynamoDB answers a throttled batch with UnprocessedItems; play that twice.
    recorded.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'BatchWriteItemCommand' && throttled < 2) {
          throttled++;
          return unprocessedAnswer(args.input);
        }
        return next(args);
      },
      { step: 'initialize', name: 'throttleBatches' },
    );
    const store = new DynamoDBConnectionStore({ tableName, client: recorded });
    await store.save({ connectionId: 'c1' });
    await store.join('c1', 'lobby');
    expect(throttled).toBe(2);
    expect(await collect(store.roomMembers('lobby'))).toEqual(['c1']);
  });

  it('gives up on UnprocessedItems after a bounded number of attempts', async () => {
    const tableName = await newTable();
    let attempts = 0;
    recorded.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'BatchWriteItemCommand') return next(args);
        attempts++;
        return unprocessedAnswer(args.input);
      },
      { step: 'initialize', name: 'throttleForever' },
    );
    const store = new DynamoDBConnectionStore({ tableName, client: recorded });
    await expect(store.deleteMany(['a', 'b'])).rejects.toThrow(/unprocessed after 8 attempts/);
    expect(attempts).toBe(8);
  });

  it('accepts a ready DynamoDBDocumentClient', async () => {
    const tableName = await newTable();
    const store = new DynamoDBConnectionStore({
      tableName,
      client: DynamoDBDocumentClient.from(recorded),
    });
    await store.save({ connectionId: 'c1', userId: 'u1' });
    expect(await collect(store.connectionsOfUser('u1'))).toEqual(['c1']);
  });

  it('refuses bad options', () => {
    expect(() => new DynamoDBConnectionStore({ tableName: '', client: recorded })).toThrow(
      TypeError,
    );
    expect(
      () => new DynamoDBConnectionStore({ tableName: 't1', client: recorded, pageSize: 0 }),
    ).toThrow(RangeError);
    expect(
      () => new DynamoDBConnectionStore({ tableName: 't1', client: recorded, ttlSeconds: -1 }),
    ).toThrow(RangeError);
  });
});

describe('createConnectionsTable', () => {
  it('creates the table with both indexes, and can be called again', async () => {
    const tableName = `created-${++tableCount}`;
    await createConnectionsTable(client, tableName, { pollIntervalMs: 10 });
    await createConnectionsTable(client, tableName, { pollIntervalMs: 10 });
    const { Table: table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(table?.TableStatus).toBe('ACTIVE');
    expect(table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual([
      connectionsTable.userIndex.indexName,
      connectionsTable.tenantIndex.indexName,
    ]);
  });

  it('refuses an existing table of another layout', async () => {
    const tableName = `foreign-${++tableCount}`;
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
    await expect(createConnectionsTable(client, tableName, { pollIntervalMs: 10 })).rejects.toThrow(
      /without the index gsi1/,
    );
  });

  it('is the table docs/dynamodb-table.md declares for CloudFormation', () => {
    const markdown = readFileSync(join(__dirname, '../../docs/dynamodb-table.md'), 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(markdown)?.[1] ?? '';
    const declared = (parseYaml(yaml) as { ConnectionsTable: { Properties: Item } })
      .ConnectionsTable.Properties;
    const { TableName: _name, ...expected } = connectionsTable.createTableInput('any');
    expect(declared).toEqual({
      ...expected,
      TimeToLiveSpecification: { AttributeName: connectionsTable.ttlAttribute, Enabled: true },
    });
  });
});
