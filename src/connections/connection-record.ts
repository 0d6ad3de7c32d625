import { GoneError } from '../errors/named-errors';
import type { ConnectionRecord, NewConnection } from './connection-store';

/** API Gateway closes every WebSocket connection after 2 hours, so nothing lives longer. */
const DEFAULT_CONNECTION_TTL_SECONDS = 2 * 60 * 60;

/**
 * Turns what `save` was given into the record both stores keep, so that they agree on defaults.
 *
 * - `connectedAt` defaults to now, `lastSeenAt` to `connectedAt`, `expiresAt` to
 *   `connectedAt + ttlSeconds` (epoch seconds, the TTL attribute).
 * - An empty `userId` / `tenantId` means "none": DynamoDB refuses empty strings in index keys,
 *   and an empty id would otherwise group every anonymous connection under one user.
 * - `claims` and `metadata` are stored as JSON copies: both stores then give back the same
 *   values, and the caller's later mutations never reach the store.
 *
 * Internal: not exported from the package.
 */
export function createConnectionRecord(
  connection: NewConnection,
  nowMs: number,
  ttlSeconds: number,
): ConnectionRecord {
  const { connectionId } = connection;
  if (typeof connectionId !== 'string' || connectionId.length === 0) {
    throw new TypeError('a connection needs a non-empty connectionId');
  }
  const connectedAt = connection.connectedAt ?? new Date(nowMs).toISOString();
  const connectedAtMs = Date.parse(connectedAt);
  if (Number.isNaN(connectedAtMs)) {
    throw new TypeError(`connection ${connectionId}: connectedAt is not a date: ${connectedAt}`);
  }
  const expiresAt = connection.expiresAt ?? Math.floor(connectedAtMs / 1000) + ttlSeconds;
  if (!Number.isFinite(expiresAt)) {
    throw new TypeError(`connection ${connectionId}: expiresAt must be epoch seconds`);
  }
  const record: ConnectionRecord = {
    connectionId,
    connectedAt,
    lastSeenAt: connection.lastSeenAt ?? connectedAt,
    expiresAt,
  };
  if (connection.userId) record.userId = connection.userId;
  if (connection.tenantId) record.tenantId = connection.tenantId;
  if (connection.claims !== undefined) record.claims = jsonCopy(connection.claims);
  if (connection.metadata !== undefined) record.metadata = jsonCopy(connection.metadata);
  return record;
}

/**
 * Whether an item with this TTL is still live at `nowMs`. Both stores use this one rule, and the
 * DynamoDB store states it as `expiresAt > :nowSeconds` in its filters.
 */
export function isLive(expiresAt: number, nowMs: number): boolean {
  return expiresAt > nowSeconds(nowMs);
}

/** Epoch seconds, as DynamoDB's TTL counts them. */
export function nowSeconds(nowMs: number): number {
  return Math.floor(nowMs / 1000);
}

export function validateTtlSeconds(ttlSeconds: number | undefined): number {
  const value = ttlSeconds ?? DEFAULT_CONNECTION_TTL_SECONDS;
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`ttlSeconds must be a positive integer, got ${ttlSeconds}`);
  }
  return value;
}

/** What `join` throws, in both stores, for a connection that is unknown or expired. */
export function connectionNotTracked(connectionId: string): GoneError {
  return new GoneError(`connection ${connectionId} is not tracked (unknown or expired)`);
}

function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
