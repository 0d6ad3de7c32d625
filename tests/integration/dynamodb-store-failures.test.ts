import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { once } from 'node:events';
import { DynamoDBConnectionStore } from '../../src/connections/dynamodb-connection-store';
import { collect } from '../support/collect';
import { startDynalite, type DynaliteServer } from '../support/dynalite-server';
import { FreezableProxy } from '../support/freezable-proxy';

type Item = Record<string, unknown>;
interface RecordedCall {
  command: string;
  input: Item;
}

let dynamo: DynaliteServer;
const opened: Array<{ destroy(): void } | { close(): Promise<void> }> = [];

beforeAll(async () => {
  dynamo = await startDynalite();
});

afterEach(async () => {
  for (const resource of opened.splice(0).reverse()) {
    if ('close' in resource) await resource.close();
    else resource.destroy();
  }
});

afterAll(async () => {
  await dynamo.close();
});

function client(endpoint?: string): DynamoDBClient {
  const created = dynamo.newClient(endpoint);
  opened.push(created);
  return created;
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

/** Fails the `nth` (1-based) commands of this name with a DynamoDB-like server error. */
function failNth(target: DynamoDBClient, commandName: string, ...nths: number[]): void {
  let seen = 0;
  target.middlewareStack.add(
    (next, context) => (args) => {
      if (context.commandName === commandName && nths.includes(++seen)) {
        const error = Object.assign(new Error(`injected failure of ${commandName} #${seen}`), {
          name: 'InternalServerError',
          $fault: 'server',
        });
        return Promise.reject(error);
      }
      return next(args);
    },
    { step: 'initialize', name: `fail${commandName}` },
  );
}

function rooms(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `room-${String(index).padStart(3, '0')}`);
}

async function seedRoom(tableName: string, room: string, members: number): Promise<string[]> {
  const store = new DynamoDBConnectionStore({ tableName, client: dynamo.client });
  const ids = Array.from({ length: members }, (_, index) => `m${String(index).padStart(4, '0')}`);
  for (const connectionId of ids) await store.save({ connectionId, rooms: [room] });
  return ids;
}

describe('DynamoDBConnectionStore: a frozen DynamoDB', () => {
  it('a frozen DynamoDB fails a store call at its timeout instead of holding the handler', async () => {
    const tableName = await dynamo.newTable();
    await seedRoom(tableName, 'lobby', 30);
    const proxy = await FreezableProxy.start(dynamo.port);
    opened.push(proxy);
    const store = new DynamoDBConnectionStore({
      tableName,
      client: client(proxy.endpoint),
      pageSize: 10,
      requestTimeoutMs: 400,
    });

    // Frozen mid-listing, as in a fan-out that has sent to the first page of the room.
    const iterator = store.roomMembers('lobby')[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toBe('m0000');
    proxy.freeze();
    const rest: Promise<unknown> = (async () => {
      for (let read = 1; read <= 30; read++) await iterator.next();
    })();
    await expect(rest).rejects.toMatchObject({ name: 'StoreCallError', failure: 'timeout' });
    await expect(rest).rejects.toThrow(
      `DynamoDB Query (roomMembers) on table ${tableName} timed out after 400 ms`,
    );

    // Every other kind of call is bounded the same way.
    await expect(store.get('m0001')).rejects.toThrow(/GetItem \(get\) .* timed out/);
    await expect(store.save({ connectionId: 'x', rooms: ['lobby'] })).rejects.toMatchObject({
      failure: 'timeout',
    });
    await expect(store.removeGone(['m0001'])).rejects.toThrow(/DeleteItem \(removeGone\)/);
    await expect(store.count()).rejects.toThrow(/Scan \(count\)/);
  });

  it("ends a hung call at the caller's signal (the event deadline) when that comes first", async () => {
    const tableName = await dynamo.newTable();
    const proxy = await FreezableProxy.start(dynamo.port);
    opened.push(proxy);
    const store = new DynamoDBConnectionStore({
      tableName,
      client: client(proxy.endpoint),
      requestTimeoutMs: 60_000,
    });
    proxy.freeze();
    const controller = new AbortController();
    const touch = store.touch('c1', { signal: controller.signal });
    await once(proxy, 'dropped');
    controller.abort(new Error('the event deadline passed'));
    await expect(touch).rejects.toMatchObject({ name: 'StoreCallError', failure: 'aborted' });
    await expect(touch).rejects.toThrow(
      `DynamoDB UpdateItem (touch) on table ${tableName} aborted by the caller's signal: ` +
        'the event deadline passed',
    );
  });
});

describe('DynamoDBConnectionStore: signals', () => {
  it('an aborted signal stops a room listing between pages, sending no further Query', async () => {
    const tableName = await dynamo.newTable();
    await seedRoom(tableName, 'lobby', 30);
    const recorded = client();
    const calls = recordCalls(recorded);
    const store = new DynamoDBConnectionStore({ tableName, client: recorded, pageSize: 10 });

    const controller = new AbortController();
    const seen: string[] = [];
    const listing = (async () => {
      for await (const id of store.roomMembers('lobby', { signal: controller.signal })) {
        seen.push(id);
        if (seen.length === 10) controller.abort(new Error('deadline'));
      }
    })();
    await expect(listing).rejects.toMatchObject({ name: 'StoreCallError', failure: 'aborted' });
    expect(seen).toHaveLength(10);
    expect(calls.filter((call) => call.command === 'QueryCommand')).toHaveLength(1);
  });
});

describe('DynamoDBConnectionStore: save with rooms', () => {
  it('writes the connection and its rooms as one TransactWriteItems where the endpoint has it', async () => {
    const tableName = await dynamo.newTable();
    const recorded = client();
    const calls = recordCalls(recorded);
    const store = new DynamoDBConnectionStore({ tableName, client: recorded });

    await store.save({ connectionId: 'c1', userId: 'u1', rooms: ['lobby', 'games', 'chess'] });

    const [first] = calls;
    expect(first.command).toBe('TransactWriteItemsCommand');
    const items = (first.input.TransactItems as Array<{ Put: { TableName: string; Item: Item } }>)
      .map(({ Put }) => {
        expect(Put.TableName).toBe(tableName);
        return `${String(Put.Item.pk)} ${String(Put.Item.sk)}`;
      })
      .sort();
    expect(items).toEqual([
      'CONN#c1 META',
      'CONN#c1 ROOM#chess',
      'CONN#c1 ROOM#games',
      'CONN#c1 ROOM#lobby',
      'ROOM#chess CONN#c1',
      'ROOM#games CONN#c1',
      'ROOM#lobby CONN#c1',
    ]);
    // dynalite has no transactions: the store fell back to batches, and remembers that.
    expect((await store.roomsOf('c1')).sort()).toEqual(['chess', 'games', 'lobby']);
    calls.length = 0;
    await store.save({ connectionId: 'c2', rooms: ['lobby'] });
    expect(calls.map((call) => call.command)).not.toContain('TransactWriteItemsCommand');
    expect(await collect(store.roomMembers('lobby'))).toEqual(['c1', 'c2']);
  });

  it('does not try a transaction for more rooms than one holds (49)', async () => {
    const tableName = await dynamo.newTable();
    const recorded = client();
    const calls = recordCalls(recorded);
    const store = new DynamoDBConnectionStore({ tableName, client: recorded });
    await store.save({ connectionId: 'c1', rooms: rooms(50) });
    expect(calls.map((call) => call.command)).not.toContain('TransactWriteItemsCommand');
    expect(await store.roomsOf('c1')).toHaveLength(50);
  });

  it('a save whose room write fails leaves no connection and no membership', async () => {
    const tableName = await dynamo.newTable();
    const faulty = client();
    // 60 rooms: 120 membership items in 5 chunks; the third chunk fails after two were written.
    failNth(faulty, 'BatchWriteItemCommand', 3);
    const store = new DynamoDBConnectionStore({ tableName, client: faulty });
    await expect(
      store.save({ connectionId: 'c1', userId: 'u1', rooms: rooms(60) }),
    ).rejects.toThrow('injected failure of BatchWriteItemCommand #3');

    expect(await dynamo.scanAll(tableName)).toEqual([]);
    expect(await store.get('c1')).toBeUndefined();
    expect(await collect(store.connectionsOfUser('u1'))).toEqual([]);
  });

  it('a save whose connection write fails leaves no membership either', async () => {
    const tableName = await dynamo.newTable();
    const faulty = client();
    failNth(faulty, 'PutItemCommand', 1);
    const store = new DynamoDBConnectionStore({ tableName, client: faulty });
    await expect(store.save({ connectionId: 'c1', rooms: ['lobby'] })).rejects.toThrow(
      /injected failure of PutItemCommand/,
    );
    expect(await dynamo.scanAll(tableName)).toEqual([]);
  });

  it('says so when the undo of a failed save fails too', async () => {
    const tableName = await dynamo.newTable();
    const faulty = client();
    failNth(faulty, 'BatchWriteItemCommand', 1, 2);
    const store = new DynamoDBConnectionStore({ tableName, client: faulty });
    await expect(store.save({ connectionId: 'c1', rooms: ['lobby'] })).rejects.toThrow(
      /save of connection c1 failed \(injected failure of BatchWriteItemCommand #1\) and so did removing what it wrote .*TTL/,
    );
  });
});

describe('DynamoDBConnectionStore: removeGone', () => {
  it('deletes with a condition on connectedAt, and memberships only of what it deleted', async () => {
    let time = Date.UTC(2030, 0, 1, 12);
    const tableName = await dynamo.newTable();
    const recorded = client();
    const calls = recordCalls(recorded);
    const store = new DynamoDBConnectionStore({
      tableName,
      client: recorded,
      now: () => time,
      goneGraceMs: 3000,
    });
    await store.save({ connectionId: 'old', rooms: ['lobby'] });
    time += 3000;
    await store.save({ connectionId: 'young', rooms: ['lobby'] });
    calls.length = 0;

    await store.removeGone(['old', 'young']);

    const deletes = calls.filter((call) => call.command === 'DeleteItemCommand');
    expect(deletes).toHaveLength(2);
    for (const call of deletes) {
      expect(call.input.ConditionExpression).toContain('#connectedAt <= :cutoff');
      expect(call.input.ExpressionAttributeValues).toMatchObject({
        ':cutoff': '2030-01-01T12:00:00.000Z',
      });
    }
    const membershipQueries = calls.filter((call) => call.command === 'QueryCommand');
    expect(membershipQueries.map((call) => call.input.ExpressionAttributeValues)).toEqual([
      { ':pk': 'CONN#old', ':room': 'ROOM#' },
    ]);
    expect(
      (await dynamo.scanAll(tableName))
        .map((item) => `${String(item.pk)} ${String(item.sk)}`)
        .sort(),
    ).toEqual(['CONN#young META', 'CONN#young ROOM#lobby', 'ROOM#lobby CONN#young']);
  });
});

describe('DynamoDBConnectionStore: options', () => {
  it('refuses a bad goneGraceMs or requestTimeoutMs, naming the option', () => {
    const base = { tableName: 't1', client: dynamo.client };
    expect(() => new DynamoDBConnectionStore({ ...base, goneGraceMs: -1 })).toThrow(
      /DynamoDBConnectionStore: goneGraceMs must be a number of at least 0, got -1/,
    );
    expect(() => new DynamoDBConnectionStore({ ...base, requestTimeoutMs: 0 })).toThrow(RangeError);
    expect(() => new DynamoDBConnectionStore({ ...base, requestTimeoutMs: Number.NaN })).toThrow(
      /requestTimeoutMs/,
    );
    expect(() => new DynamoDBConnectionStore({ ...base, goneGraceMs: 0 })).not.toThrow();
  });
});
