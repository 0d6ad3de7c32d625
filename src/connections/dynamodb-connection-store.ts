import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  type ScanCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  ConnectionRecord,
  ConnectionStore,
  NewConnection,
  RateLimitDecision,
  TokenBucketSpec,
} from './connection-store';
import {
  connectionNotTracked,
  createConnectionRecord,
  isLive,
  nowSeconds,
  validateTtlSeconds,
} from './connection-record';
import { connectionsTable } from './connections-table';
import { TokenBucketRule } from './token-bucket-rule';

/*
 * Single-table design (docs/dynamodb-table.md has the same with the CloudFormation YAML).
 *
 *   item             pk             sk            other attributes
 *   connection       CONN#<id>      META          connectionId, userId?, tenantId?, claims?,
 *                                                 connectedAt, lastSeenAt, metadata?,
 *                                                 gsi1pk = USER#<userId>     (only when set)
 *                                                 gsi2pk = TENANT#<tenantId> (only when set)
 *   membership       ROOM#<room>    CONN#<id>     connectionId, room    -> members of a room
 *   reverse member.  CONN#<id>      ROOM#<room>   connectionId, room    -> rooms of a connection
 *   rate bucket      RATE#<key>     BUCKET        tat (epoch µs, see TokenBucketRule)
 *
 *   gsi1 (gsi1pk) and gsi2 (gsi2pk): sparse, INCLUDE connectionId + expiresAt.
 *   expiresAt (epoch seconds) is on every item and is the table's TTL attribute: connect + 2 h
 *   (API Gateway's connection limit) for connections and their memberships, the instant the
 *   bucket is full again for rate buckets. TTL deletion is lazy in AWS (often a day late) and
 *   absent in dynalite, so every read filters `expiresAt > now` itself.
 *
 * Races and why there is no transaction (dynalite has no TransactWriteItems):
 * - join reads the connection, writes both membership items, then reads the connection again;
 *   delete removes the connection item first and the memberships after. Whatever the
 *   interleaving, either the delete's membership query sees the new items, or the join's
 *   second read sees the connection gone and removes what it wrote. No orphan membership.
 * - touch is an UpdateItem conditional on the connection existing (and being live), so a
 *   heartbeat never resurrects a deleted connection as a half-empty item.
 * - takeToken: at most two conditional UpdateItems, each atomic on its own (see takeToken).
 */

type Item = Record<string, unknown>;
type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

const CONNECTION = 'CONN#';
const ROOM = 'ROOM#';
const USER = 'USER#';
const TENANT = 'TENANT#';
const RATE = 'RATE#';
const CONNECTION_SK = 'META';
const BUCKET_SK = 'BUCKET';

/** DynamoDB's limit per BatchWriteItem call. */
const BATCH_WRITE_LIMIT = 25;
/** Chunks written at once; each chunk is one request. */
const BATCH_CONCURRENCY = 4;
/** Attempts per chunk while DynamoDB keeps returning UnprocessedItems (throttling). */
const BATCH_MAX_ATTEMPTS = 8;
const BATCH_BACKOFF_BASE_MS = 25;
const BATCH_BACKOFF_MAX_MS = 1000;
/** Connections whose memberships `deleteMany` looks up at once. */
const DELETE_CONCURRENCY = 8;
/** Rounds of `takeToken` when a bucket vanishes (TTL) between its two writes. */
const TAKE_MAX_ROUNDS = 3;

export interface DynamoDBConnectionStoreOptions {
  tableName: string;
  /**
   * The client to use: a `DynamoDBClient` (wrapped in a document client here) or a ready
   * `DynamoDBDocumentClient`. Default: `new DynamoDBClient({})`, configured from the environment.
   * The store never destroys a client it was given.
   */
  client?: DynamoDBClient | DynamoDBDocumentClient;
  /** Lifetime of a connection from `connectedAt`. Default 7200 (API Gateway's 2 h limit). */
  ttlSeconds?: number;
  /** Epoch-ms clock. Tests inject a fake one to move past expiry or refill buckets. */
  now?: () => number;
  /** `Limit` of each Query / Scan page. Default: DynamoDB's own 1 MB pages. */
  pageSize?: number;
}

/**
 * A `ConnectionStore` on one DynamoDB table (layout: `connectionsTable`, created by
 * `createConnectionsTable` or the SAM template), shared by every Lambda container.
 *
 * Listings (room members, connections of a user or tenant) stream page by page and read
 * eventually consistent data (the user and tenant indexes cannot do otherwise); `get`, `touch`,
 * `roomsOf` and deletions read consistently. `count` scans the whole table: see its note.
 *
 * @example
 * const store = new DynamoDBConnectionStore({ tableName: process.env.CONNECTIONS_TABLE! });
 * export const handler = bootstrap([ChatController], { connections: store });
 */
export class DynamoDBConnectionStore implements ConnectionStore {
  readonly tableName: string;
  private readonly documentClient: DynamoDBDocumentClient;
  private readonly ttlSeconds: number;
  private readonly now: () => number;
  private readonly pageSize: number | undefined;

  constructor(options: DynamoDBConnectionStoreOptions) {
    if (typeof options?.tableName !== 'string' || options.tableName.length === 0) {
      throw new TypeError('DynamoDBConnectionStore needs a tableName');
    }
    if (
      options.pageSize !== undefined &&
      (!Number.isInteger(options.pageSize) || options.pageSize <= 0)
    ) {
      throw new RangeError(`pageSize must be a positive integer, got ${options.pageSize}`);
    }
    this.tableName = options.tableName;
    this.ttlSeconds = validateTtlSeconds(options.ttlSeconds);
    this.now = options.now ?? Date.now;
    this.pageSize = options.pageSize;
    const client = options.client ?? new DynamoDBClient({});
    this.documentClient =
      client instanceof DynamoDBDocumentClient
        ? client
        : DynamoDBDocumentClient.from(client, {
            marshallOptions: { removeUndefinedValues: true },
          });
  }

  async save(connection: NewConnection): Promise<ConnectionRecord> {
    const record = createConnectionRecord(connection, this.now(), this.ttlSeconds);
    const item: Item = { ...connectionKey(record.connectionId), ...record };
    // Index keys only when there is a value: DynamoDB rejects an empty string in a key attribute,
    // and leaving the attribute out is what keeps the index sparse.
    if (record.userId) item[connectionsTable.userIndex.partitionKey] = USER + record.userId;
    if (record.tenantId) item[connectionsTable.tenantIndex.partitionKey] = TENANT + record.tenantId;
    // A plain put: saving again replaces the connection item and keeps its room memberships.
    await this.documentClient.send(new PutCommand({ TableName: this.tableName, Item: item }));
    return record;
  }

  async get(connectionId: string): Promise<ConnectionRecord | undefined> {
    const item = await this.liveConnectionItem(connectionId);
    return item && toConnectionRecord(item);
  }

  async delete(connectionId: string): Promise<void> {
    await this.deleteMany([connectionId]);
  }

  async deleteMany(connectionIds: readonly string[]): Promise<void> {
    const ids = [...new Set(connectionIds)].filter((id) => typeof id === 'string' && id !== '');
    if (ids.length === 0) return;
    // Connection items first: a join running now re-reads its connection after writing its
    // memberships and removes them itself when the connection is gone (see the note on top).
    await this.batchWrite(ids.map((id) => ({ DeleteRequest: { Key: connectionKey(id) } })));
    const memberships: WriteRequest[] = [];
    await forEachLimited(ids, DELETE_CONCURRENCY, async (connectionId) => {
      // Expired memberships too: this is the cleanup.
      for await (const page of this.queryPages({
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :room)',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#room': 'room' },
        ExpressionAttributeValues: { ':pk': CONNECTION + connectionId, ':room': ROOM },
        ProjectionExpression: '#room',
        ConsistentRead: true,
      })) {
        for (const item of page) {
          if (typeof item.room !== 'string') continue;
          for (const key of membershipKeys(connectionId, item.room)) {
            memberships.push({ DeleteRequest: { Key: key } });
          }
        }
      }
    });
    await this.batchWrite(memberships);
  }

  async touch(connectionId: string): Promise<boolean> {
    const nowMs = this.now();
    try {
      await this.documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: connectionKey(connectionId),
          UpdateExpression: 'SET #seen = :seen',
          // Without the condition an update would create a stub item for an unknown id.
          ConditionExpression: 'attribute_exists(#pk) AND #exp > :now',
          ExpressionAttributeNames: { '#seen': 'lastSeenAt', '#pk': 'pk', '#exp': 'expiresAt' },
          ExpressionAttributeValues: {
            ':seen': new Date(nowMs).toISOString(),
            ':now': nowSeconds(nowMs),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async join(connectionId: string, room: string): Promise<void> {
    const connection = await this.liveConnectionItem(connectionId);
    if (!connection) throw connectionNotTracked(connectionId);
    const expiresAt = connection.expiresAt;
    await this.batchWrite(
      membershipKeys(connectionId, room).map((key) => ({
        PutRequest: { Item: { ...key, connectionId, room, expiresAt } },
      })),
    );
    // A delete may have run between the read above and the write: its membership query could not
    // see these items, so look again and undo (see the note on top).
    if (!(await this.liveConnectionItem(connectionId))) {
      await this.leave(connectionId, room);
      throw connectionNotTracked(connectionId);
    }
  }

  async leave(connectionId: string, room: string): Promise<void> {
    await this.batchWrite(
      membershipKeys(connectionId, room).map((key) => ({ DeleteRequest: { Key: key } })),
    );
  }

  roomMembers(room: string): AsyncIterable<string> {
    return this.connectionIds(() => ({
      KeyConditionExpression: '#pk = :pk',
      ...this.liveFilter('connectionId', { '#pk': 'pk' }, { ':pk': ROOM + room }),
    }));
  }

  async roomsOf(connectionId: string): Promise<string[]> {
    const rooms: string[] = [];
    for await (const page of this.queryPages({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :room)',
      ...this.liveFilter(
        'room',
        { '#pk': 'pk', '#sk': 'sk' },
        { ':pk': CONNECTION + connectionId, ':room': ROOM },
      ),
      ConsistentRead: true,
    })) {
      for (const item of page) if (typeof item.room === 'string') rooms.push(item.room);
    }
    return rooms;
  }

  connectionsOfUser(userId: string): AsyncIterable<string> {
    const { indexName, partitionKey } = connectionsTable.userIndex;
    return this.indexQuery(indexName, partitionKey, USER + userId);
  }

  connectionsOfTenant(tenantId: string): AsyncIterable<string> {
    const { indexName, partitionKey } = connectionsTable.tenantIndex;
    return this.indexQuery(indexName, partitionKey, TENANT + tenantId);
  }

  /**
   * Live connections, counted exactly (no counter to drift when a `$disconnect` is lost).
   *
   * Cost: a paginated Scan of the whole table (rooms and buckets included), about 0.5 RCU per
   * 4 KB read, and time proportional to the table. Fine for a dashboard or a periodic metric;
   * do not call it on every event.
   */
  async count(): Promise<number> {
    let total = 0;
    let startKey: Item | undefined;
    const input: ScanCommandInput = {
      TableName: this.tableName,
      Select: 'COUNT',
      FilterExpression: '#sk = :meta AND #exp > :now',
      ExpressionAttributeNames: { '#sk': 'sk', '#exp': 'expiresAt' },
      ExpressionAttributeValues: { ':meta': CONNECTION_SK, ':now': nowSeconds(this.now()) },
      Limit: this.pageSize,
    };
    do {
      const page = await this.documentClient.send(
        new ScanCommand({ ...input, ExclusiveStartKey: startKey }),
      );
      total += page.Count ?? 0;
      startKey = page.LastEvaluatedKey as Item | undefined;
    } while (startKey);
    return total;
  }

  /**
   * Takes tokens with conditional writes only, never read-modify-write, so it holds across
   * Lambda containers. The bucket is one number, `tat` (see TokenBucketRule):
   *
   * 1. `SET tat = now + cost IF tat is absent OR tat < now`: the bucket is full (idle, new, or
   *    expired but not yet deleted by TTL).
   * 2. Else `SET tat = tat + cost IF tat <= now + capacity - cost`: enough tokens left.
   * 3. Else refused; a consistent read of `tat` gives `remaining` and `retryAfterMs`.
   *
   * `tat` only grows, so a failed step 1 means step 2 decides on a bucket that is still not
   * full, and step 2 checks and adds in one atomic request: concurrent takes can never hand out
   * more than the capacity. The loop only repeats if TTL deleted the item between the steps.
   */
  async takeToken(key: string, spec: TokenBucketSpec, cost = 1): Promise<RateLimitDecision> {
    const rule = new TokenBucketRule(spec, cost);
    const Key = { pk: RATE + key, sk: BUCKET_SK };
    const names = { '#tat': 'tat', '#exp': connectionsTable.ttlAttribute };
    let nowUs = TokenBucketRule.toMicros(this.now());
    for (let round = 1; ; round++) {
      const expiresAt = rule.expiresAtSeconds(nowUs);
      const fresh = nowUs + rule.costUs;
      if (
        await this.conditionalUpdate({
          Key,
          UpdateExpression: 'SET #tat = :tat, #exp = :exp',
          ConditionExpression: 'attribute_not_exists(#tat) OR #tat < :now',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':tat': fresh, ':exp': expiresAt, ':now': nowUs },
        })
      ) {
        return rule.allowed(nowUs, fresh);
      }
      const taken = await this.conditionalUpdate({
        Key,
        UpdateExpression: 'SET #tat = #tat + :cost, #exp = :exp',
        ConditionExpression: '#tat <= :latest',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: {
          ':cost': rule.costUs,
          ':exp': expiresAt,
          ':latest': rule.latestTatAllowing(nowUs),
        },
        ReturnValues: 'UPDATED_NEW',
      });
      if (taken) return rule.allowed(nowUs, numberOr(taken.tat, fresh));
      // dynalite ignores ReturnValuesOnConditionCheckFailure, hence a read to explain the refusal.
      const current = await this.documentClient.send(
        new GetCommand({ TableName: this.tableName, Key, ConsistentRead: true }),
      );
      const tat = (current.Item as Item | undefined)?.tat;
      if (typeof tat === 'number' && tat >= nowUs) return rule.refused(nowUs, tat);
      if (round >= TAKE_MAX_ROUNDS) return rule.refused(nowUs, nowUs + rule.toleranceUs);
      nowUs = TokenBucketRule.toMicros(this.now());
    }
  }

  /** The connection item when it exists and has not expired. */
  private async liveConnectionItem(connectionId: string): Promise<Item | undefined> {
    const result = await this.documentClient.send(
      new GetCommand({
        TableName: this.tableName,
        Key: connectionKey(connectionId),
        // A message can arrive milliseconds after $connect saved the connection.
        ConsistentRead: true,
      }),
    );
    const item = result.Item as Item | undefined;
    if (!item || typeof item.expiresAt !== 'number' || !isLive(item.expiresAt, this.now())) {
      return undefined;
    }
    return item;
  }

  /** The attributes after the update, or undefined when its condition failed. */
  private async conditionalUpdate(
    input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>,
  ): Promise<Item | undefined> {
    try {
      const result = await this.documentClient.send(
        new UpdateCommand({ TableName: this.tableName, ...input }),
      );
      return (result.Attributes as Item | undefined) ?? {};
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  private indexQuery(indexName: string, keyName: string, keyValue: string): AsyncIterable<string> {
    return this.connectionIds(() => ({
      IndexName: indexName,
      KeyConditionExpression: '#key = :key',
      ...this.liveFilter('connectionId', { '#key': keyName }, { ':key': keyValue }),
    }));
  }

  /** Filter and projection shared by the listings: live items, one attribute each. */
  private liveFilter(
    projected: 'connectionId' | 'room',
    names: Record<string, string>,
    values: Record<string, unknown>,
  ): Pick<
    QueryCommandInput,
    | 'FilterExpression'
    | 'ProjectionExpression'
    | 'ExpressionAttributeNames'
    | 'ExpressionAttributeValues'
  > {
    return {
      FilterExpression: '#exp > :now',
      ProjectionExpression: '#projected',
      ExpressionAttributeNames: {
        ...names,
        '#exp': connectionsTable.ttlAttribute,
        '#projected': projected,
      },
      ExpressionAttributeValues: { ...values, ':now': nowSeconds(this.now()) },
    };
  }

  /**
   * Connection ids of a query, as an iterable that can be iterated more than once; each
   * iteration builds its input then (so `now` is current) and fetches a page only when the
   * previous one is consumed.
   */
  private connectionIds(
    input: () => Omit<QueryCommandInput, 'TableName' | 'Limit' | 'ExclusiveStartKey'>,
  ): AsyncIterable<string> {
    const pages = (): AsyncGenerator<Item[]> => this.queryPages(input());
    return {
      async *[Symbol.asyncIterator]() {
        for await (const page of pages()) {
          for (const item of page) {
            if (typeof item.connectionId === 'string') yield item.connectionId;
          }
        }
      },
    };
  }

  /** Every page of a query, fetched lazily: DynamoDB stops each page at 1 MB or `Limit`. */
  private async *queryPages(
    input: Omit<QueryCommandInput, 'TableName' | 'Limit' | 'ExclusiveStartKey'>,
  ): AsyncGenerator<Item[]> {
    let startKey: Item | undefined;
    do {
      const page = await this.documentClient.send(
        new QueryCommand({
          ...input,
          TableName: this.tableName,
          Limit: this.pageSize,
          ExclusiveStartKey: startKey,
        }),
      );
      // A filtered page can be empty and still not be the last one.
      yield (page.Items ?? []) as Item[];
      startKey = page.LastEvaluatedKey as Item | undefined;
    } while (startKey);
  }

  /** BatchWriteItem in chunks of 25, retrying UnprocessedItems with capped, jittered backoff. */
  private async batchWrite(requests: readonly WriteRequest[]): Promise<void> {
    // One request may not name the same key twice.
    const unique = new Map<string, WriteRequest>();
    for (const request of requests) unique.set(requestKey(request), request);
    const all = [...unique.values()];
    const chunks: WriteRequest[][] = [];
    for (let start = 0; start < all.length; start += BATCH_WRITE_LIMIT) {
      chunks.push(all.slice(start, start + BATCH_WRITE_LIMIT));
    }
    await forEachLimited(chunks, BATCH_CONCURRENCY, (chunk) => this.writeChunk(chunk));
  }

  private async writeChunk(chunk: WriteRequest[]): Promise<void> {
    let pending = chunk;
    for (let attempt = 1; ; attempt++) {
      const result = await this.documentClient.send(
        new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }),
      );
      const unprocessed = result.UnprocessedItems?.[this.tableName] ?? [];
      if (unprocessed.length === 0) return;
      if (attempt >= BATCH_MAX_ATTEMPTS) {
        throw new Error(
          `BatchWriteItem on ${this.tableName}: ${unprocessed.length} of ${chunk.length} writes ` +
            `still unprocessed after ${attempt} attempts`,
        );
      }
      pending = unprocessed;
      // Unprocessed items mean throttling: back off, with full jitter so Lambdas spread out.
      const cap = Math.min(BATCH_BACKOFF_MAX_MS, BATCH_BACKOFF_BASE_MS * 2 ** attempt);
      await sleep(Math.random() * cap);
    }
  }
}

function connectionKey(connectionId: string): { pk: string; sk: string } {
  return { pk: CONNECTION + connectionId, sk: CONNECTION_SK };
}

/** The membership item (listed by room) and its reverse (listed by connection). */
function membershipKeys(connectionId: string, room: string): Array<{ pk: string; sk: string }> {
  return [
    { pk: ROOM + room, sk: CONNECTION + connectionId },
    { pk: CONNECTION + connectionId, sk: ROOM + room },
  ];
}

function requestKey(request: WriteRequest): string {
  const key = (request.PutRequest?.Item ?? request.DeleteRequest?.Key ?? {}) as Item;
  return `${String(key.pk)}\u0000${String(key.sk)}`;
}

function toConnectionRecord(item: Item): ConnectionRecord {
  const record: ConnectionRecord = {
    connectionId: String(item.connectionId),
    connectedAt: String(item.connectedAt),
    lastSeenAt: String(item.lastSeenAt),
    expiresAt: Number(item.expiresAt),
  };
  if (typeof item.userId === 'string') record.userId = item.userId;
  if (typeof item.tenantId === 'string') record.tenantId = item.tenantId;
  if (isObject(item.claims)) record.claims = item.claims;
  if (isObject(item.metadata)) record.metadata = item.metadata;
  return record;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}

function isConditionalCheckFailed(error: unknown): boolean {
  // By name: an application may bundle another copy of the SDK, so instanceof is unreliable.
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { name?: unknown }).name === 'ConditionalCheckFailedException'
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
