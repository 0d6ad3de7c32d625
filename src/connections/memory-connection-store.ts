import { firedSignal } from '../concurrency/deadline-call-options';
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
  connectedAtMs,
  connectionNotTracked,
  createConnectionRecord,
  isLive,
  roomsToSave,
  storeOption,
  validateRooms,
  validateTtlSeconds,
  nowSeconds,
} from './connection-record';
import { roomHistoryRules } from './room-history-rules';
import { roomShardOf, roomShardsOption, type RoomShards } from './room-shards';
import { StoreCallError } from './store-call-error';
import { TokenBucketRule } from './token-bucket-rule';

export interface MemoryConnectionStoreOptions {
  /** Lifetime of a connection from `connectedAt`. Default 7200 (API Gateway's 2 h limit). */
  ttlSeconds?: number;
  /** Epoch-ms clock. Tests inject a fake one to move past expiry or refill buckets. */
  now?: () => number;
  /**
   * `removeGone` keeps connections younger than this (ms since `connectedAt`): API Gateway
   * answers 410 until the handshake of a just-accepted `$connect` completes. Default 5000.
   */
  goneGraceMs?: number;
  /** Partitions per room, as in `DynamoDBConnectionStore` (listings per shard follow it). */
  roomShards?: RoomShards;
}

const DEFAULT_GONE_GRACE_MS = 5000;

/** A room message with its expiry (epoch seconds, as the DynamoDB store's TTL attribute). */
type KeptMessage = RoomMessage & { expiresAt: number };

/** Buckets kept before full ones are swept, so a long local session does not grow forever. */
const BUCKET_SWEEP_THRESHOLD = 10_000;

/**
 * A `ConnectionStore` in process memory: the default for local runs and tests.
 *
 * It behaves like `DynamoDBConnectionStore` (both pass the same contract suite): expired
 * connections are invisible, deleting a connection removes its room memberships, joining needs a
 * live connection. Nothing is shared between processes or Lambda containers, so use
 * `DynamoDBConnectionStore` in AWS.
 *
 * @example
 * const store = new MemoryConnectionStore();
 * export const handler = bootstrap([ChatController], { connections: store });
 */
export class MemoryConnectionStore implements ConnectionStore {
  readonly #connections = new Map<string, ConnectionRecord>();
  readonly #roomMembersByRoom = new Map<string, Set<string>>();
  readonly #roomsByConnection = new Map<string, Set<string>>();
  readonly #connectionsByUser = new Map<string, Set<string>>();
  readonly #connectionsByTenant = new Map<string, Set<string>>();
  /** Room -> its sequence counter and kept messages (ascending seq, each with its expiresAt). */
  readonly #histories = new Map<string, { seq: number; messages: KeptMessage[] }>();
  /** Bucket key -> GCRA `tat` in epoch µs (see TokenBucketRule). */
  readonly #buckets = new Map<string, number>();
  readonly #ttlSeconds: number;
  readonly #now: () => number;
  readonly #goneGraceMs: number;
  readonly #roomShards: RoomShards;

  constructor(options: MemoryConnectionStoreOptions = {}) {
    this.#ttlSeconds = validateTtlSeconds(options.ttlSeconds, 'MemoryConnectionStore');
    this.#now = options.now ?? Date.now;
    this.#roomShards = roomShardsOption(options.roomShards, 'MemoryConnectionStore');
    this.#goneGraceMs = storeOption(
      options.goneGraceMs,
      DEFAULT_GONE_GRACE_MS,
      'MemoryConnectionStore: goneGraceMs',
      { min: 0 },
    );
  }

  save(connection: NewConnection, options?: StoreCallOptions): Promise<ConnectionRecord> {
    return settle('save', options, () => {
      // Everything is checked before the first write: all-or-nothing, like the DynamoDB store.
      const record = createConnectionRecord(connection, this.#now(), this.#ttlSeconds);
      const rooms = roomsToSave(connection);
      const previous = this.#connections.get(record.connectionId);
      if (previous) this.#unindex(previous);
      // Like a DynamoDB put of the connection item: memberships are separate and survive.
      this.#connections.set(record.connectionId, record);
      if (record.userId) addTo(this.#connectionsByUser, record.userId, record.connectionId);
      if (record.tenantId) addTo(this.#connectionsByTenant, record.tenantId, record.connectionId);
      for (const room of rooms) this.#addMembership(record.connectionId, room);
      return copyOf(record);
    });
  }

  get(connectionId: string, options?: StoreCallOptions): Promise<ConnectionRecord | undefined> {
    return settle('get', options, () => {
      const record = this.#live(connectionId);
      return record ? copyOf(record) : undefined;
    });
  }

  delete(connectionId: string, options?: StoreCallOptions): Promise<void> {
    return settle('delete', options, () => this.#forget(connectionId));
  }

  deleteMany(connectionIds: readonly string[], options?: StoreCallOptions): Promise<void> {
    return settle('deleteMany', options, () => {
      for (const connectionId of connectionIds) this.#forget(connectionId);
    });
  }

  removeGone(connectionIds: readonly string[], options?: StoreCallOptions): Promise<void> {
    return settle('removeGone', options, () => {
      const nowMs = this.#now();
      const cutoff = nowMs - this.#goneGraceMs;
      for (const connectionId of connectionIds) {
        const record = this.#connections.get(connectionId);
        // Still opening: its 410 means "handshake not complete", not "closed".
        const opening = record && isLive(record.expiresAt, nowMs) && connectedAtMs(record) > cutoff;
        if (opening) continue;
        this.#forget(connectionId);
      }
    });
  }

  touch(connectionId: string, options?: StoreCallOptions): Promise<boolean> {
    return settle('touch', options, () => {
      const record = this.#live(connectionId);
      if (!record) return false;
      record.lastSeenAt = new Date(this.#now()).toISOString();
      return true;
    });
  }

  join(connectionId: string, room: string, options?: StoreCallOptions): Promise<void> {
    return settle('join', options, () => {
      validateRooms([room]);
      // A membership without a live connection would never be cleaned up by a delete.
      if (!this.#live(connectionId)) throw connectionNotTracked(connectionId);
      this.#addMembership(connectionId, room);
    });
  }

  leave(connectionId: string, room: string, options?: StoreCallOptions): Promise<void> {
    return settle('leave', options, () => {
      removeFrom(this.#roomMembersByRoom, room, connectionId);
      removeFrom(this.#roomsByConnection, connectionId, room);
    });
  }

  roomMembers(room: string, options?: StoreCallOptions): AsyncIterable<string> {
    return this.#liveAmong('roomMembers', this.#roomMembersByRoom.get(room), options);
  }

  roomShardCount(room: string): number {
    return this.#roomShards(room);
  }

  roomShardMembers(room: string, shard: number, options?: StoreCallOptions): AsyncIterable<string> {
    // One set per room in memory: a shard is the members the hash places on it.
    const shards = this.#roomShards(room);
    const members = [...(this.#roomMembersByRoom.get(room) ?? [])].filter(
      (connectionId) => roomShardOf(connectionId, shards) === shard,
    );
    return this.#liveAmong('roomMembers', new Set(members), options);
  }

  nextRoomSeq(room: string, options?: StoreCallOptions): Promise<number> {
    return settle('nextRoomSeq', options, () => {
      validateRooms([room]);
      const history = this.#historyOf(room);
      history.seq += 1;
      return history.seq;
    });
  }

  putRoomMessage(
    room: string,
    message: RoomMessage,
    retention: HistoryRetention,
    options?: StoreCallOptions,
  ): Promise<void> {
    return settle('putRoomMessage', options, () => {
      roomHistoryRules.checkMessage(room, message);
      const nowMs = this.#now();
      const { messages } = this.#historyOf(room);
      const kept: KeptMessage = {
        seq: message.seq,
        frame: message.frame,
        expiresAt: nowSeconds(nowMs) + retention.ttlSeconds,
      };
      // Writers finish out of order across events: insert by seq (nearly always at the end).
      let index = messages.length;
      while (index > 0 && messages[index - 1].seq > kept.seq) index--;
      if (messages[index - 1]?.seq === kept.seq) messages[index - 1] = kept;
      else messages.splice(index, 0, kept);
      // Bounded like the DynamoDB store's reads: the last maxMessages, unexpired.
      const excess = messages.length - retention.maxMessages;
      if (excess > 0) messages.splice(0, excess);
      while (messages.length > 0 && !isLive(messages[0].expiresAt, nowMs)) messages.shift();
    });
  }

  roomHistory(
    room: string,
    afterSeq: number | undefined,
    retention: HistoryRetention,
    options?: StoreCallOptions,
  ): Promise<RoomHistory> {
    return settle('roomHistory', options, () => {
      roomHistoryRules.checkAfterSeq(room, afterSeq);
      const history = this.#histories.get(room);
      const latestSeq = history?.seq ?? 0;
      if (afterSeq === undefined || !history) return { latestSeq, messages: [] };
      const first = roomHistoryRules.firstReadable(afterSeq, latestSeq, retention);
      const nowMs = this.#now();
      const messages = history.messages
        .filter((message) => message.seq >= first && isLive(message.expiresAt, nowMs))
        .map(({ seq, frame }) => ({ seq, frame }));
      return { latestSeq, messages };
    });
  }

  roomsOf(connectionId: string, options?: StoreCallOptions): Promise<string[]> {
    return settle('roomsOf', options, () =>
      this.#live(connectionId) ? [...(this.#roomsByConnection.get(connectionId) ?? [])] : [],
    );
  }

  connectionsOfUser(userId: string, options?: StoreCallOptions): AsyncIterable<string> {
    return this.#liveAmong('connectionsOfUser', this.#connectionsByUser.get(userId), options);
  }

  connectionsOfTenant(tenantId: string, options?: StoreCallOptions): AsyncIterable<string> {
    return this.#liveAmong('connectionsOfTenant', this.#connectionsByTenant.get(tenantId), options);
  }

  count(options?: StoreCallOptions): Promise<number> {
    return settle('count', options, () => {
      // Sweeping here keeps memory bounded when $disconnect events were lost.
      for (const connectionId of [...this.#connections.keys()]) this.#live(connectionId);
      return this.#connections.size;
    });
  }

  takeToken(
    key: string,
    spec: TokenBucketSpec,
    cost = 1,
    options?: StoreCallOptions,
  ): Promise<RateLimitDecision> {
    return settle('takeToken', options, () => {
      const rule = new TokenBucketRule(spec, cost);
      const nowUs = TokenBucketRule.toMicros(this.#now());
      const tat = Math.max(this.#buckets.get(key) ?? nowUs, nowUs);
      if (tat > rule.latestTatAllowing(nowUs)) return rule.refused(nowUs, tat);
      const newTat = tat + rule.costUs;
      this.#buckets.set(key, newTat);
      if (this.#buckets.size > BUCKET_SWEEP_THRESHOLD) this.#sweepFullBuckets(nowUs);
      return rule.allowed(nowUs, newTat);
    });
  }

  /** The record when live; an expired one is dropped on the way (lazy expiry). */
  #live(connectionId: string): ConnectionRecord | undefined {
    const record = this.#connections.get(connectionId);
    if (!record) return undefined;
    if (isLive(record.expiresAt, this.#now())) return record;
    this.#forget(connectionId);
    return undefined;
  }

  /** A room's counter outlives its messages: a seq is never handed out twice. */
  #historyOf(room: string): { seq: number; messages: KeptMessage[] } {
    let history = this.#histories.get(room);
    if (!history) {
      history = { seq: 0, messages: [] };
      this.#histories.set(room, history);
    }
    return history;
  }

  #addMembership(connectionId: string, room: string): void {
    addTo(this.#roomMembersByRoom, room, connectionId);
    addTo(this.#roomsByConnection, connectionId, room);
  }

  #forget(connectionId: string): void {
    const record = this.#connections.get(connectionId);
    if (record) {
      this.#unindex(record);
      this.#connections.delete(connectionId);
    }
    for (const room of this.#roomsByConnection.get(connectionId) ?? []) {
      removeFrom(this.#roomMembersByRoom, room, connectionId);
    }
    this.#roomsByConnection.delete(connectionId);
  }

  #unindex(record: ConnectionRecord): void {
    if (record.userId) removeFrom(this.#connectionsByUser, record.userId, record.connectionId);
    if (record.tenantId)
      removeFrom(this.#connectionsByTenant, record.tenantId, record.connectionId);
  }

  /**
   * A listing as the store contract has it (asynchronous), and also synchronously iterable:
   * lift-ws's fan-out reads a synchronous source in place, without a promise per member (a
   * room's fan-out in the local gateway spent ~6% of its CPU on them). Both read a snapshot: the
   * set may change while a slow consumer (a fan-out) is iterating.
   */
  #liveAmong(
    operation: string,
    ids: ReadonlySet<string> | undefined,
    options: StoreCallOptions | undefined,
  ): AsyncIterable<string> & Iterable<string> {
    return {
      [Symbol.asyncIterator]: () => {
        const liveIds = this.#liveIds([...(ids ?? [])]);
        return { next: () => settle(operation, options, () => liveIds.next()) };
      },
      [Symbol.iterator]: () => this.#liveIdsWithin(operation, [...(ids ?? [])], options),
    };
  }

  /** `#liveIds` for a synchronous reader: refused on the first read once the deadline passed. */
  *#liveIdsWithin(
    operation: string,
    ids: readonly string[],
    options: StoreCallOptions | undefined,
  ): Generator<string, undefined> {
    const fired = firedSignal(options);
    if (fired) throw StoreCallError.aborted(operation, 'MemoryConnectionStore', fired);
    return yield* this.#liveIds(ids);
  }

  *#liveIds(ids: readonly string[]): Generator<string, undefined> {
    for (const connectionId of ids) {
      if (this.#live(connectionId)) yield connectionId;
    }
    return undefined;
  }

  #sweepFullBuckets(nowUs: number): void {
    for (const [key, tat] of this.#buckets) {
      if (tat <= nowUs) this.#buckets.delete(key);
    }
  }
}

/**
 * The caller's own copy of a kept record, as fresh and mutable as a DynamoDB read gives it
 * (so a record is not frozen: code that sets a field works the same on both stores). Every
 * event's identity reads one: `structuredClone` took about 2.7 µs (3.8 with a few claims), this
 * 0.05 (0.3). Claims and metadata are JSON copies since `save`, so copying their tree is whole.
 */
function copyOf(record: ConnectionRecord): ConnectionRecord {
  const copy: ConnectionRecord = {
    connectionId: record.connectionId,
    connectedAt: record.connectedAt,
    lastSeenAt: record.lastSeenAt,
    expiresAt: record.expiresAt,
  };
  if (record.userId !== undefined) copy.userId = record.userId;
  if (record.tenantId !== undefined) copy.tenantId = record.tenantId;
  if (record.claims !== undefined) copy.claims = jsonTreeCopy(record.claims);
  if (record.metadata !== undefined) copy.metadata = jsonTreeCopy(record.metadata);
  return copy;
}

function jsonTreeCopy<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(jsonTreeCopy) as T;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const entry = jsonTreeCopy((value as Record<string, unknown>)[key]);
    // JSON.parse makes "__proto__" an own property; an assignment would set the prototype.
    if (key === '__proto__') {
      Object.defineProperty(copy, key, {
        value: entry,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else copy[key] = entry;
  }
  return copy as T;
}

/**
 * Runs synchronous work as a promise, turning a throw into a rejection. Memory calls finish at
 * once, so a signal can only have fired before: such a call does nothing and rejects.
 */
function settle<T>(
  operation: string,
  options: StoreCallOptions | undefined,
  work: () => T,
): Promise<T> {
  return new Promise<T>((resolve) => {
    const fired = firedSignal(options);
    if (fired) throw StoreCallError.aborted(operation, 'MemoryConnectionStore', fired);
    resolve(work());
  });
}

function addTo(index: Map<string, Set<string>>, key: string, value: string): void {
  const values = index.get(key);
  if (values) values.add(value);
  else index.set(key, new Set([value]));
}

function removeFrom(index: Map<string, Set<string>>, key: string, value: string): void {
  const values = index.get(key);
  if (!values) return;
  values.delete(value);
  if (values.size === 0) index.delete(key);
}
