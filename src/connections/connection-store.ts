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

/**
 * Where lift-ws keeps connections, rooms and rate-limit buckets.
 *
 * Listing methods return async iterables so that a room of 100,000 members streams page by page
 * into the fan-out instead of being loaded at once.
 */
export interface ConnectionStore {
  save(connection: NewConnection): Promise<ConnectionRecord>;
  /** The connection, or undefined when unknown or expired. */
  get(connectionId: string): Promise<ConnectionRecord | undefined>;
  /** Removes the connection and its room memberships. Unknown ids are not an error. */
  delete(connectionId: string): Promise<void>;
  /** Removes many connections (and memberships); used when a fan-out finds them gone. */
  deleteMany(connectionIds: readonly string[]): Promise<void>;
  /** Moves lastSeenAt to now. False when the connection is unknown. */
  touch(connectionId: string): Promise<boolean>;
  join(connectionId: string, room: string): Promise<void>;
  leave(connectionId: string, room: string): Promise<void>;
  /** Connection ids in the room. */
  roomMembers(room: string): AsyncIterable<string>;
  /** Rooms the connection has joined. */
  roomsOf(connectionId: string): Promise<string[]>;
  connectionsOfUser(userId: string): AsyncIterable<string>;
  connectionsOfTenant(tenantId: string): AsyncIterable<string>;
  /** Live (unexpired) connections. */
  count(): Promise<number>;
  /** Atomically takes `cost` tokens from the bucket `key`. */
  takeToken(key: string, spec: TokenBucketSpec, cost?: number): Promise<RateLimitDecision>;
}
