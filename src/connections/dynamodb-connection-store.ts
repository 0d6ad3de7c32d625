import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { forEachLimited } from '../concurrency/for-each-limited';
import { errorMessage } from '../errors/error-message';
import { isPlainObject } from '../validation/is-plain-object';
import type {
  ConnectionRecord,
  ConnectionStore,
  HistoryRetention,
  NewConnection,
  RoomHistory,
  RoomMessage,
  RateLimitDecision,
  StoreCallOptions,
  TokenBucketSpec,
} from './connection-store';
import {
  connectionNotTracked,
  createConnectionRecord,
  isLive,
  nowSeconds,
  roomsToSave,
  storeOption,
  validateRooms,
  validateTtlSeconds,
} from './connection-record';
import { connectionsTable } from './connections-table';
import { dynamoDbSdk } from './dynamodb-sdk';
import {
  DynamoDBTableRequests,
  type Item,
  type Key,
  type QueryInput,
  type WriteRequest,
} from './dynamodb-table-requests';
import { mergeInParallel } from './merge-in-parallel';
import { roomHistoryRules } from './room-history-rules';
import { roomShardOf, roomShardsOption, type RoomShards } from './room-shards';
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
 *     (large room)   ROOM#<room>#<k> CONN#<id>    connectionId, room, shard (k = 1..K-1)
 *   reverse member.  CONN#<id>      ROOM#<room>   connectionId, room, shard? -> rooms of a conn.
 *   rate bucket      RATE#<key>     BUCKET        tat (epoch µs, see TokenBucketRule)
 *   room counter     SEQ#<room>     SEQ           seq (ADD 1 per room message; no expiresAt)
 *   room message     HIST#<room>    MSG#<seq, 16 digits>  seq, frame (the posted text)
 *
 *   gsi1 (gsi1pk) and gsi2 (gsi2pk): sparse, INCLUDE connectionId + expiresAt.
 *   expiresAt (epoch seconds) is on every item and is the table's TTL attribute: connect + 2 h
 *   (API Gateway's connection limit) for connections and their memberships, the instant the
 *   bucket is full again for rate buckets, sent + history ttl for room messages. The room counter
 *   never expires: a seq handed out twice would be dropped by clients as a duplicate.
 *   TTL deletion is lazy in AWS (often a day late) and
 *   absent in dynalite, so every read filters `expiresAt > now` itself.
 *
 * Races:
 * - join reads the connection, writes both membership items, then reads the connection again;
 *   delete removes the connection item first and the memberships after. Whatever the
 *   interleaving, either the delete's membership query sees the new items, or the join's
 *   second read sees the connection gone and removes what it wrote. No orphan membership.
 *   removeGone keeps that order: memberships go only once its conditional delete of the
 *   connection item succeeded.
 * - save with rooms is one TransactWriteItems (all-or-nothing in DynamoDB itself) when it fits;
 *   otherwise (more rooms, or an endpoint without transactions such as dynalite) it puts the
 *   connection, batch-writes the memberships, and on any failure deletes what it may have
 *   written.
 * - touch is an UpdateItem conditional on the connection existing (and being live), so a
 *   heartbeat never resurrects a deleted connection as a half-empty item.
 * - takeToken: at most two conditional UpdateItems, each atomic on its own (see takeToken).
 */

const CONNECTION = 'CONN#';
const ROOM = 'ROOM#';
const USER = 'USER#';
const TENANT = 'TENANT#';
const RATE = 'RATE#';
const SEQUENCE = 'SEQ#';
const HISTORY = 'HIST#';
const MESSAGE = 'MSG#';
const CONNECTION_SK = 'META';
const BUCKET_SK = 'BUCKET';
const SEQUENCE_SK = 'SEQ';
/** Zero-padded so string order is seq order (Number.MAX_SAFE_INTEGER has 16 digits). */
const SEQ_DIGITS = 16;

/** DynamoDB's limit per TransactWriteItems call: the connection plus two items per room. */
const TRANSACTION_ROOMS_LIMIT = Math.floor((100 - 1) / 2);
/** Connections whose memberships a deletion looks up at once. */
const DELETE_CONCURRENCY = 8;
/** BatchWriteItem calls in flight while `saveMany` seeds. */
const SEED_CONCURRENCY = 8;
/** Rounds of `takeToken` when a bucket vanishes (TTL) between its two writes. */
const TAKE_MAX_ROUNDS = 3;
const DEFAULT_REQUEST_TIMEOUT_MS = 3000;
const DEFAULT_GONE_GRACE_MS = 5000;

export interface DynamoDBConnectionStoreOptions {
  tableName: string;
  /**
   * The client to use: a `DynamoDBClient` (wrapped in a document client here) or a ready
   * `DynamoDBDocumentClient`. Default: a `DynamoDBClient` configured from the environment, with
   * connection and socket timeouts of `requestTimeoutMs`.
   * The store never destroys a client it was given.
   */
  client?: DynamoDBClient | DynamoDBDocumentClient;
  /** Lifetime of a connection from `connectedAt`. Default 7200 (API Gateway's 2 h limit). */
  ttlSeconds?: number;
  /** Epoch-ms clock. Tests inject a fake one to move past expiry or refill buckets. */
  now?: () => number;
  /** `Limit` of each Query / Scan page. Default: DynamoDB's own 1 MB pages. */
  pageSize?: number;
  /**
   * The longest any one DynamoDB request may take, SDK retries and the wait for a free socket
   * included, before the store call fails (a given client's own settings cannot make a frozen
   * endpoint answer). The caller's signal (the event's deadline) bounds it too. Default 3000.
   */
  requestTimeoutMs?: number;
  /**
   * `removeGone` keeps connections younger than this (ms since `connectedAt`): API Gateway
   * answers 410 until the handshake of a just-accepted `$connect` completes. Default 5000.
   */
  goneGraceMs?: number;
  /**
   * Partitions per room (see `RoomShards`): `(room) => K`. Default 1 for every room, today's
   * layout. A large room's members go to `ROOM#<room>` (shard 0) and `ROOM#<room>#<k>`, by a
   * hash of the connection id, and are listed from the K partitions in parallel.
   */
  roomShards?: RoomShards;
}

/**
 * A `ConnectionStore` on one DynamoDB table (layout: `connectionsTable`, created by
 * `createConnectionsTable` or the SAM template), shared by every Lambda container.
 *
 * Listings (room members, connections of a user or tenant) stream page by page and read
 * eventually consistent data (the user and tenant indexes cannot do otherwise); `get`, `touch`,
 * `roomsOf` and deletions read consistently. `count` scans the whole table: see its note.
 * Every request is bounded by `requestTimeoutMs` and by the caller's signal.
 *
 * @example
 * const store = new DynamoDBConnectionStore({ tableName: process.env.CONNECTIONS_TABLE! });
 * export const handler = bootstrap([ChatController], { connections: store });
 */
export class DynamoDBConnectionStore implements ConnectionStore {
  readonly tableName: string;
  readonly #requests: DynamoDBTableRequests;
  readonly #ttlSeconds: number;
  readonly #now: () => number;
  readonly #goneGraceMs: number;
  readonly #roomShards: RoomShards;
  /** False once the endpoint answered that it has no TransactWriteItems (dynalite). */
  #transactions = true;

  constructor(options: DynamoDBConnectionStoreOptions) {
    if (typeof options?.tableName !== 'string' || options.tableName.length === 0) {
      throw new TypeError('DynamoDBConnectionStore needs a tableName');
    }
    const owner = 'DynamoDBConnectionStore';
    this.tableName = options.tableName;
    this.#ttlSeconds = validateTtlSeconds(options.ttlSeconds, owner);
    this.#now = options.now ?? Date.now;
    this.#roomShards = roomShardsOption(options.roomShards, owner);
    const pageSize =
      options.pageSize === undefined
        ? undefined
        : storeOption(options.pageSize, 0, `${owner}: pageSize`, { integer: true });
    const requestTimeoutMs = storeOption(
      options.requestTimeoutMs,
      DEFAULT_REQUEST_TIMEOUT_MS,
      `${owner}: requestTimeoutMs`,
    );
    this.#goneGraceMs = storeOption(
      options.goneGraceMs,
      DEFAULT_GONE_GRACE_MS,
      `${owner}: goneGraceMs`,
      { min: 0 },
    );
    // The SDK is loaded here, when a store is built, not when lift-ws is imported.
    const sdk = dynamoDbSdk();
    const client =
      options.client ??
      new sdk.client.DynamoDBClient({
        // The SDK's default handler has no timeouts: a frozen endpoint would hold the socket.
        requestHandler: new NodeHttpHandler({
          connectionTimeout: requestTimeoutMs,
          requestTimeout: requestTimeoutMs,
        }),
      });
    const documentClient =
      client instanceof sdk.documents.DynamoDBDocumentClient
        ? client
        : sdk.documents.DynamoDBDocumentClient.from(client, {
            marshallOptions: { removeUndefinedValues: true },
          });
    this.#requests = new DynamoDBTableRequests(
      sdk.documents,
      documentClient,
      this.tableName,
      requestTimeoutMs,
      pageSize,
    );
  }

  async save(connection: NewConnection, options?: StoreCallOptions): Promise<ConnectionRecord> {
    const record = createConnectionRecord(connection, this.#now(), this.#ttlSeconds);
    const rooms = roomsToSave(connection);
    const item = connectionItem(record);
    if (rooms.length === 0) {
      // A plain put: saving again replaces the connection item and keeps its room memberships.
      await this.#requests.putItem(item, 'save', options);
      return record;
    }
    const memberships = rooms.flatMap((room) =>
      membershipItems(record, room, this.#shardOf(record.connectionId, room)),
    );
    if (this.#transactions && rooms.length <= TRANSACTION_ROOMS_LIMIT) {
      if (await this.#requests.putAllOrNothing([item, ...memberships], 'save', options)) {
        return record;
      }
      this.#transactions = false;
    }
    await this.#saveInBatches(record.connectionId, item, memberships, options);
    return record;
  }

  /**
   * Bulk seeding (tests, benches, migrations): the connections and their memberships in
   * BatchWriteItem chunks of 25, without `save`'s all-or-nothing per connection (a failure may
   * leave some written; saving them again is harmless).
   * @internal
   */
  async saveMany(connections: readonly NewConnection[], options?: StoreCallOptions): Promise<void> {
    const now = this.#now();
    const writes = connections.flatMap((connection) => {
      const record = createConnectionRecord(connection, now, this.#ttlSeconds);
      return [
        connectionItem(record),
        ...roomsToSave(connection).flatMap((room) =>
          membershipItems(record, room, this.#shardOf(record.connectionId, room)),
        ),
      ].map((Item) => ({ PutRequest: { Item } }));
    });
    // Seeding has the table to itself: more calls in flight than a Lambda's cleanup would use.
    await this.#requests.batchWrite(writes, 'saveMany', options, SEED_CONCURRENCY);
  }

  async get(
    connectionId: string,
    options?: StoreCallOptions,
  ): Promise<ConnectionRecord | undefined> {
    const item = await this.#liveConnectionItem(connectionId, 'get', options);
    return item && toConnectionRecord(item);
  }

  async delete(connectionId: string, options?: StoreCallOptions): Promise<void> {
    await this.deleteMany([connectionId], options);
  }

  async deleteMany(connectionIds: readonly string[], options?: StoreCallOptions): Promise<void> {
    const ids = distinctIds(connectionIds);
    if (ids.length === 0) return;
    // Connection items first: a join running now re-reads its connection after writing its
    // memberships and removes them itself when the connection is gone (see the note on top).
    await this.#requests.batchWrite(
      ids.map((id) => ({ DeleteRequest: { Key: connectionKey(id) } })),
      'deleteMany',
      options,
    );
    await this.#deleteMembershipsOf(ids, 'deleteMany', options);
  }

  async removeGone(connectionIds: readonly string[], options?: StoreCallOptions): Promise<void> {
    const ids = distinctIds(connectionIds);
    if (ids.length === 0) return;
    const nowMs = this.#now();
    // connectedAt is always toISOString's fixed-width form, so string order is time order.
    const condition = {
      // Unknown ids pass, so orphaned memberships are still cleaned up; a connection still
      // opening (a 410 before its handshake completed) stays.
      ConditionExpression: 'attribute_not_exists(#pk) OR #connectedAt <= :cutoff OR #exp <= :now',
      ExpressionAttributeNames: {
        '#pk': 'pk',
        '#connectedAt': 'connectedAt',
        '#exp': connectionsTable.ttlAttribute,
      },
      ExpressionAttributeValues: {
        ':cutoff': new Date(nowMs - this.#goneGraceMs).toISOString(),
        ':now': nowSeconds(nowMs),
      },
    };
    const removed: string[] = [];
    await forEachLimited(ids, DELETE_CONCURRENCY, async (connectionId) => {
      const key = connectionKey(connectionId);
      if (await this.#requests.deleteItemIf(key, condition, 'removeGone', options)) {
        removed.push(connectionId);
      }
    });
    await this.#deleteMembershipsOf(removed, 'removeGone', options);
  }

  async touch(connectionId: string, options?: StoreCallOptions): Promise<boolean> {
    const nowMs = this.#now();
    const updated = await this.#requests.updateItemIf(
      {
        Key: connectionKey(connectionId),
        UpdateExpression: 'SET #seen = :seen',
        // Without the condition an update would create a stub item for an unknown id.
        ConditionExpression: 'attribute_exists(#pk) AND #exp > :now',
        ExpressionAttributeNames: { '#seen': 'lastSeenAt', '#pk': 'pk', '#exp': 'expiresAt' },
        ExpressionAttributeValues: {
          ':seen': new Date(nowMs).toISOString(),
          ':now': nowSeconds(nowMs),
        },
      },
      'touch',
      options,
    );
    return updated !== undefined;
  }

  async join(connectionId: string, room: string, options?: StoreCallOptions): Promise<void> {
    validateRooms([room]);
    const connection = await this.#liveConnectionItem(connectionId, 'join', options);
    if (!connection) throw connectionNotTracked(connectionId);
    await this.#requests.batchWrite(
      membershipItems(
        { connectionId, expiresAt: connection.expiresAt },
        room,
        this.#shardOf(connectionId, room),
      ).map((Item) => ({
        PutRequest: { Item },
      })),
      'join',
      options,
    );
    // A delete may have run between the read above and the write: its membership query could not
    // see these items, so look again and undo (see the note on top).
    if (!(await this.#liveConnectionItem(connectionId, 'join', options))) {
      await this.leave(connectionId, room, options);
      throw connectionNotTracked(connectionId);
    }
  }

  async leave(connectionId: string, room: string, options?: StoreCallOptions): Promise<void> {
    let shard = 0;
    if (this.#roomShards(room) > 1) {
      // The shard recorded at join: K may have grown since, moving the hash's answer.
      const reverse = await this.#requests.getItem(
        { pk: CONNECTION + connectionId, sk: ROOM + room },
        'leave',
        options,
      );
      shard = typeof reverse?.shard === 'number' ? reverse.shard : 0;
    }
    await this.#requests.batchWrite(
      membershipKeys(connectionId, room, shard).map((key) => ({ DeleteRequest: { Key: key } })),
      'leave',
      options,
    );
  }

  roomMembers(room: string, options?: StoreCallOptions): AsyncIterable<string> {
    const shards = this.#roomShards(room);
    if (shards === 1) return this.roomShardMembers(room, 0, options);
    const lists = Array.from({ length: shards }, (_, shard) =>
      this.roomShardMembers(room, shard, options),
    );
    return mergeInParallel(lists);
  }

  roomShardCount(room: string): number {
    return this.#roomShards(room);
  }

  roomShardMembers(room: string, shard: number, options?: StoreCallOptions): AsyncIterable<string> {
    const pk = shard === 0 ? ROOM + room : `${ROOM}${room}#${shard}`;
    return this.#connectionIds('roomMembers', options, () => {
      const input = this.#liveFilter(
        'connectionId',
        { '#pk': 'pk', '#room': 'room' },
        { ':pk': pk, ':room': room },
      );
      // Room "a#1" and shard 1 of room "a" share a partition key: the room attribute (on every
      // membership item, old ones too) tells them apart.
      return {
        KeyConditionExpression: '#pk = :pk',
        ...input,
        FilterExpression: '#exp > :now AND #room = :room',
      };
    });
  }

  /**
   * One `UpdateItem` `ADD seq :1` on the room's counter item (`ReturnValues: UPDATED_NEW`):
   * atomic across containers, one write per room message. A counter is one item, so one
   * partition: DynamoDB takes about 1,000 writes/s on it, which caps one room's message rate.
   */
  async nextRoomSeq(room: string, options?: StoreCallOptions): Promise<number> {
    validateRooms([room]);
    const updated = await this.#requests.updateItemIf(
      {
        Key: { pk: SEQUENCE + room, sk: SEQUENCE_SK },
        UpdateExpression: 'ADD #seq :one',
        ExpressionAttributeNames: { '#seq': 'seq' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      },
      'nextRoomSeq',
      options,
    );
    const seq = updated?.seq;
    if (typeof seq !== 'number') throw new Error(`nextRoomSeq: no seq came back for room ${room}`);
    return seq;
  }

  /** One `PutItem` per room message (1 WCU per KB of frame), expiring after `ttlSeconds`. */
  async putRoomMessage(
    room: string,
    message: RoomMessage,
    retention: HistoryRetention,
    options?: StoreCallOptions,
  ): Promise<void> {
    roomHistoryRules.checkMessage(room, message);
    await this.#requests.putItem(
      {
        pk: HISTORY + room,
        sk: messageSortKey(message.seq),
        seq: message.seq,
        frame: message.frame,
        [connectionsTable.ttlAttribute]: nowSeconds(this.#now()) + retention.ttlSeconds,
      },
      'putRoomMessage',
      options,
    );
  }

  /**
   * A consistent `GetItem` of the counter, then (with `afterSeq`) one consistent `Query` of the
   * room's history partition for `sk BETWEEN` the first readable and the latest seq. Nothing
   * trims the partition: reads stop at the last `maxMessages` and TTL removes the rest.
   */
  async roomHistory(
    room: string,
    afterSeq: number | undefined,
    retention: HistoryRetention,
    options?: StoreCallOptions,
  ): Promise<RoomHistory> {
    roomHistoryRules.checkAfterSeq(room, afterSeq);
    const counter = await this.#requests.getItem(
      { pk: SEQUENCE + room, sk: SEQUENCE_SK },
      'roomHistory',
      options,
    );
    const latestSeq = typeof counter?.seq === 'number' ? counter.seq : 0;
    const messages: RoomMessage[] = [];
    if (afterSeq === undefined) return { latestSeq, messages };
    const first = roomHistoryRules.firstReadable(afterSeq, latestSeq, retention);
    if (first > latestSeq) return { latestSeq, messages };
    const input: QueryInput = {
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :first AND :last',
      FilterExpression: '#exp > :now',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#exp': connectionsTable.ttlAttribute },
      ExpressionAttributeValues: {
        ':pk': HISTORY + room,
        ':first': messageSortKey(first),
        ':last': messageSortKey(latestSeq),
        ':now': nowSeconds(this.#now()),
      },
      // A resume right after a send must see the message that send wrote.
      ConsistentRead: true,
    };
    for await (const page of this.#requests.queryPages(input, 'roomHistory', options)) {
      for (const item of page) {
        if (typeof item.seq === 'number' && typeof item.frame === 'string') {
          messages.push({ seq: item.seq, frame: item.frame });
        }
      }
    }
    return { latestSeq, messages };
  }

  async roomsOf(connectionId: string, options?: StoreCallOptions): Promise<string[]> {
    const rooms: string[] = [];
    const input: QueryInput = {
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :room)',
      ...this.#liveFilter(
        'room',
        { '#pk': 'pk', '#sk': 'sk' },
        { ':pk': CONNECTION + connectionId, ':room': ROOM },
      ),
      ConsistentRead: true,
    };
    for await (const page of this.#requests.queryPages(input, 'roomsOf', options)) {
      for (const item of page) if (typeof item.room === 'string') rooms.push(item.room);
    }
    return rooms;
  }

  connectionsOfUser(userId: string, options?: StoreCallOptions): AsyncIterable<string> {
    const { indexName, partitionKey } = connectionsTable.userIndex;
    return this.#connectionIds('connectionsOfUser', options, () =>
      this.#indexQuery(indexName, partitionKey, USER + userId),
    );
  }

  connectionsOfTenant(tenantId: string, options?: StoreCallOptions): AsyncIterable<string> {
    const { indexName, partitionKey } = connectionsTable.tenantIndex;
    return this.#connectionIds('connectionsOfTenant', options, () =>
      this.#indexQuery(indexName, partitionKey, TENANT + tenantId),
    );
  }

  /**
   * Live connections, counted exactly (no counter to drift when a `$disconnect` is lost).
   *
   * Cost: a paginated Scan of the whole table (rooms and buckets included), about 0.5 RCU per
   * 4 KB read, and time proportional to the table. Fine for a dashboard or a periodic metric;
   * do not call it on every event.
   */
  async count(options?: StoreCallOptions): Promise<number> {
    return this.#requests.scanCount(
      {
        FilterExpression: '#sk = :meta AND #exp > :now',
        ExpressionAttributeNames: { '#sk': 'sk', '#exp': 'expiresAt' },
        ExpressionAttributeValues: { ':meta': CONNECTION_SK, ':now': nowSeconds(this.#now()) },
      },
      'count',
      options,
    );
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
  async takeToken(
    key: string,
    spec: TokenBucketSpec,
    cost = 1,
    options?: StoreCallOptions,
  ): Promise<RateLimitDecision> {
    const rule = new TokenBucketRule(spec, cost);
    const Key = { pk: RATE + key, sk: BUCKET_SK };
    const names = { '#tat': 'tat', '#exp': connectionsTable.ttlAttribute };
    let nowUs = TokenBucketRule.toMicros(this.#now());
    for (let round = 1; ; round++) {
      const expiresAt = rule.expiresAtSeconds(nowUs);
      const fresh = nowUs + rule.costUs;
      const full = await this.#requests.updateItemIf(
        {
          Key,
          UpdateExpression: 'SET #tat = :tat, #exp = :exp',
          ConditionExpression: 'attribute_not_exists(#tat) OR #tat < :now',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':tat': fresh, ':exp': expiresAt, ':now': nowUs },
        },
        'takeToken',
        options,
      );
      if (full) return rule.allowed(nowUs, fresh);
      const taken = await this.#requests.updateItemIf(
        {
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
        },
        'takeToken',
        options,
      );
      if (taken) return rule.allowed(nowUs, numberOr(taken.tat, fresh));
      // dynalite ignores ReturnValuesOnConditionCheckFailure, hence a read to explain the refusal.
      const tat = (await this.#requests.getItem(Key, 'takeToken', options))?.tat;
      if (typeof tat === 'number' && tat >= nowUs) return rule.refused(nowUs, tat);
      if (round >= TAKE_MAX_ROUNDS) return rule.refused(nowUs, nowUs + rule.toleranceUs);
      nowUs = TokenBucketRule.toMicros(this.#now());
    }
  }

  /**
   * The batch form of an atomic save: the connection, then its memberships. Any failure deletes
   * every item this save may have written (each key named, since a failed chunk may have left
   * one half of a membership pair) before the error is passed on.
   */
  async #saveInBatches(
    connectionId: string,
    item: Item,
    memberships: Item[],
    options: StoreCallOptions | undefined,
  ): Promise<void> {
    try {
      await this.#requests.putItem(item, 'save', options);
      await this.#requests.batchWrite(
        memberships.map((Item) => ({ PutRequest: { Item } })),
        'save',
        options,
      );
    } catch (error) {
      const written = [item, ...memberships].map((Item) => ({
        DeleteRequest: { Key: { pk: Item.pk, sk: Item.sk } },
      }));
      try {
        // Not under the caller's signal: when it fired, this undo is what keeps a half-saved
        // connection from living 2 hours; requestTimeoutMs still bounds each request.
        await this.#requests.batchWrite(written, 'save (undo)');
      } catch (undoError) {
        throw new Error(
          `save of connection ${connectionId} failed (${errorMessage(error)}) and so did ` +
            `removing what it wrote (${errorMessage(undoError)}); TTL removes it within 2 h`,
          { cause: undoError },
        );
      }
      throw error;
    }
  }

  /** Deletes the room memberships of connections, expired ones too: this is the cleanup. */
  async #deleteMembershipsOf(
    connectionIds: readonly string[],
    operation: string,
    options: StoreCallOptions | undefined,
  ): Promise<void> {
    const memberships: WriteRequest[] = [];
    await forEachLimited(connectionIds, DELETE_CONCURRENCY, async (connectionId) => {
      const input: QueryInput = {
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :room)',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#room': 'room', '#shard': 'shard' },
        ExpressionAttributeValues: { ':pk': CONNECTION + connectionId, ':room': ROOM },
        ProjectionExpression: '#room, #shard',
        ConsistentRead: true,
      };
      for await (const page of this.#requests.queryPages(input, operation, options)) {
        for (const item of page) {
          if (typeof item.room !== 'string') continue;
          const shard = typeof item.shard === 'number' ? item.shard : 0;
          for (const key of membershipKeys(connectionId, item.room, shard)) {
            memberships.push({ DeleteRequest: { Key: key } });
          }
        }
      }
    });
    await this.#requests.batchWrite(memberships, operation, options);
  }

  /** The connection item when it exists and has not expired. */
  async #liveConnectionItem(
    connectionId: string,
    operation: string,
    options: StoreCallOptions | undefined,
  ): Promise<Item | undefined> {
    const item = await this.#requests.getItem(connectionKey(connectionId), operation, options);
    if (!item || typeof item.expiresAt !== 'number' || !isLive(item.expiresAt, this.#now())) {
      return undefined;
    }
    return item;
  }

  #shardOf(connectionId: string, room: string): number {
    return roomShardOf(connectionId, this.#roomShards(room));
  }

  #indexQuery(indexName: string, keyName: string, keyValue: string): QueryInput {
    return {
      IndexName: indexName,
      KeyConditionExpression: '#key = :key',
      ...this.#liveFilter('connectionId', { '#key': keyName }, { ':key': keyValue }),
    };
  }

  /** Filter and projection shared by the listings: live items, one attribute each. */
  #liveFilter(
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
      ExpressionAttributeValues: { ...values, ':now': nowSeconds(this.#now()) },
    };
  }

  /**
   * Connection ids of a query, as an iterable that can be iterated more than once; each
   * iteration builds its input then (so `now` is current) and fetches a page only when the
   * previous one is consumed.
   */
  #connectionIds(
    operation: string,
    options: StoreCallOptions | undefined,
    input: () => QueryInput,
  ): AsyncIterable<string> {
    const pages = (): AsyncGenerator<Item[]> =>
      this.#requests.queryPages(input(), operation, options);
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
}

function connectionKey(connectionId: string): Key {
  return { pk: CONNECTION + connectionId, sk: CONNECTION_SK };
}

function connectionItem(record: ConnectionRecord): Item {
  const item: Item = { ...connectionKey(record.connectionId), ...record };
  // Index keys only when there is a value: DynamoDB rejects an empty string in a key attribute,
  // and leaving the attribute out is what keeps the index sparse.
  if (record.userId) item[connectionsTable.userIndex.partitionKey] = USER + record.userId;
  if (record.tenantId) item[connectionsTable.tenantIndex.partitionKey] = TENANT + record.tenantId;
  return item;
}

/** The membership item (listed by room) and its reverse (listed by connection). */
function membershipKeys(connectionId: string, room: string, shard: number): Key[] {
  return [
    { pk: shard === 0 ? ROOM + room : `${ROOM}${room}#${shard}`, sk: CONNECTION + connectionId },
    { pk: CONNECTION + connectionId, sk: ROOM + room },
  ];
}

/** Both membership items, expiring with their connection. */
function membershipItems(
  connection: { connectionId: string; expiresAt: unknown },
  room: string,
  shard: number,
): Item[] {
  const { connectionId, expiresAt } = connection;
  // Shard 0 items keep today's attributes exactly: small rooms are written as they always were.
  const extra = shard === 0 ? {} : { shard };
  return membershipKeys(connectionId, room, shard).map((key) => ({
    ...key,
    connectionId,
    room,
    expiresAt,
    ...extra,
  }));
}

function messageSortKey(seq: number): string {
  return MESSAGE + String(seq).padStart(SEQ_DIGITS, '0');
}

function distinctIds(connectionIds: readonly string[]): string[] {
  return [...new Set(connectionIds)].filter((id) => typeof id === 'string' && id !== '');
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
  if (isPlainObject(item.claims)) record.claims = item.claims;
  if (isPlainObject(item.metadata)) record.metadata = item.metadata;
  return record;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}
