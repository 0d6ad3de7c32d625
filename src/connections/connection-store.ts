/** One tracked connection. */
export interface ConnectionRecord {
  connectionId: string;
  userId?: string;
  tenantId?: string;
  /** The verified JWT claims (or authorizer context) of the connection. */
  claims?: Record<string, unknown>;
  /** ISO-8601. */
  connectedAt: string;
  /** ISO-8601; moved forward by `touch` (heartbeats, messages). */
  lastSeenAt: string;
  /** Epoch seconds: the TTL attribute. connect + 2 h, API Gateway's connection limit. */
  expiresAt: number;
  /** Anything the application wants to keep with the connection. */
  metadata?: Record<string, unknown>;
}

/** What `save` needs; the store fills in the timestamps it is not given. */
export interface NewConnection {
  connectionId: string;
  userId?: string;
  tenantId?: string;
  claims?: Record<string, unknown>;
  connectedAt?: string;
  lastSeenAt?: string;
  expiresAt?: number;
  metadata?: Record<string, unknown>;
  /**
   * Rooms to join in the same write: `save` stores the connection and these memberships
   * all-or-nothing, so a `$connect` that fails half-way leaves no connection and no membership.
   */
  rooms?: readonly string[];
}

/** What every store call accepts as its last argument. */
export interface StoreCallOptions {
  /**
   * Aborts the call (and a listing between pages): the runtime passes one that fires at the
   * event's deadline, so no store call outlives the Lambda's remaining time.
   */
  signal?: AbortSignal;
}

/** The result of taking tokens from a rate-limit bucket. */
export interface RateLimitDecision {
  allowed: boolean;
  /** Tokens left after this take (floored). */
  remaining: number;
  /** When `allowed` is false: ms until one token is back. */
  retryAfterMs: number;
}

export interface TokenBucketSpec {
  /** Bucket capacity (the burst). */
  capacity: number;
  /** Tokens added per second. */
  refillPerSecond: number;
}

/** One room message kept for resumes: its sequence number and the frame exactly as posted. */
export interface RoomMessage {
  /** 1, 2, 3... per room, from `nextRoomSeq`. */
  seq: number;
  /** The frame's text, `{ room, seq }` included: a replay posts these very bytes again. */
  frame: string;
}

/** How long and how much room history is kept (bootstrap's `rooms.history`). */
export interface HistoryRetention {
  /** A message is kept this long after it was sent. */
  ttlSeconds: number;
  /** Only the room's last `maxMessages` are kept (and read back). */
  maxMessages: number;
}

/** What `roomHistory` reads: the room's counter and the kept messages after a point. */
export interface RoomHistory {
  /** The last sequence number allocated in the room (0 when none was). */
  latestSeq: number;
  /** Kept messages with `afterSeq < seq <= latestSeq`, ascending; holes are messages no longer (or not yet) kept. */
  messages: RoomMessage[];
}

/**
 * Where lift-ws keeps connections, rooms and rate-limit buckets.
 *
 * Listing methods return async iterables so that a room of 100,000 members streams page by page
 * into the fan-out instead of being loaded at once.
 */
export interface ConnectionStore {
  /** Saves the connection and, all-or-nothing with it, its `rooms`. */
  save(connection: NewConnection, options?: StoreCallOptions): Promise<ConnectionRecord>;
  /** The connection, or undefined when unknown or expired. */
  get(connectionId: string, options?: StoreCallOptions): Promise<ConnectionRecord | undefined>;
  /** Removes the connection and its room memberships. Unknown ids are not an error. */
  delete(connectionId: string, options?: StoreCallOptions): Promise<void>;
  /** Removes many connections (and memberships), unconditionally. */
  deleteMany(connectionIds: readonly string[], options?: StoreCallOptions): Promise<void>;
  /**
   * Removes connections a post found gone (410), except those younger than the store's
   * `goneGraceMs`: API Gateway answers 410 for a connection whose `$connect` has returned but
   * whose handshake has not completed yet, and removing it then would lose its claims and rooms.
   */
  removeGone(connectionIds: readonly string[], options?: StoreCallOptions): Promise<void>;
  /** Moves lastSeenAt to now. False when the connection is unknown. */
  touch(connectionId: string, options?: StoreCallOptions): Promise<boolean>;
  join(connectionId: string, room: string, options?: StoreCallOptions): Promise<void>;
  leave(connectionId: string, room: string, options?: StoreCallOptions): Promise<void>;
  /** Connection ids in the room. */
  roomMembers(room: string, options?: StoreCallOptions): AsyncIterable<string>;
  /**
   * How many partitions the room's membership is spread over (1 unless the store's `roomShards`
   * marks it large). Optional: a store without it is read as one shard.
   */
  roomShardCount?(room: string): number;
  /** Members on one shard (0 to `roomShardCount - 1`): fan-out workers split a room by shard. */
  roomShardMembers?(room: string, shard: number, options?: StoreCallOptions): AsyncIterable<string>;
  /**
   * Allocates the room's next sequence number (1 for its first message), atomically across
   * Lambda containers. Optional, with `putRoomMessage` and `roomHistory`: bootstrap's
   * `rooms.history` needs all three.
   */
  nextRoomSeq?(room: string, options?: StoreCallOptions): Promise<number>;
  /** Keeps a sequenced room message for `retention.ttlSeconds` (and among the last `maxMessages`). */
  putRoomMessage?(
    room: string,
    message: RoomMessage,
    retention: HistoryRetention,
    options?: StoreCallOptions,
  ): Promise<void>;
  /**
   * The room's latest sequence number and, when `afterSeq` is given, the kept messages after it
   * (at most the last `retention.maxMessages` of the room, unexpired), in order.
   */
  roomHistory?(
    room: string,
    afterSeq: number | undefined,
    retention: HistoryRetention,
    options?: StoreCallOptions,
  ): Promise<RoomHistory>;
  /** Rooms the connection has joined. */
  roomsOf(connectionId: string, options?: StoreCallOptions): Promise<string[]>;
  connectionsOfUser(userId: string, options?: StoreCallOptions): AsyncIterable<string>;
  connectionsOfTenant(tenantId: string, options?: StoreCallOptions): AsyncIterable<string>;
  /** Live (unexpired) connections. */
  count(options?: StoreCallOptions): Promise<number>;
  /** Atomically takes `cost` tokens from the bucket `key`. */
  takeToken(
    key: string,
    spec: TokenBucketSpec,
    cost?: number,
    options?: StoreCallOptions,
  ): Promise<RateLimitDecision>;
}
