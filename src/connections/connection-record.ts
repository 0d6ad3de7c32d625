import { errorMessage } from '../errors/error-message';
import { BadRequestError, GoneError } from '../errors/named-errors';
import { optionNumber, type OptionNumberRule } from '../validation/option-number';
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
  if (byteLength(connectionId) > MAX_KEY_PART_BYTES) {
    throw new TypeError(`a connectionId may have at most ${MAX_KEY_PART_BYTES} bytes`);
  }
  const given = connection.connectedAt;
  const connectedAtMs = given === undefined ? nowMs : Date.parse(given);
  if (Number.isNaN(connectedAtMs) || !isFourDigitYear(connectedAtMs)) {
    throw new TypeError(`connection ${connectionId}: connectedAt is not a date: ${String(given)}`);
  }
  // One canonical form: the DynamoDB store compares connectedAt as a string in its conditional
  // delete (removeGone), which is only right for toISOString's fixed-width format.
  const connectedAt = new Date(connectedAtMs).toISOString();
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

export function validateTtlSeconds(ttlSeconds: unknown, owner: string): number {
  return storeOption(ttlSeconds, DEFAULT_CONNECTION_TTL_SECONDS, `${owner}: ttlSeconds`, {
    integer: true,
  });
}

/**
 * `optionNumber`, thrown as a RangeError: what the stores' numeric options have always thrown
 * (callers and the contract tests rely on the class).
 */
export function storeOption(
  value: unknown,
  fallback: number,
  name: string,
  rule?: OptionNumberRule,
): number {
  try {
    return optionNumber(value, fallback, name, rule);
  } catch (error) {
    throw new RangeError(errorMessage(error), { cause: error });
  }
}

/**
 * DynamoDB's sort key holds at most 1024 bytes, and both a room and a connection id appear in one
 * behind a 5-byte prefix (`ROOM#`, `CONN#`). Both stores refuse longer ones, so a name that fails
 * in AWS fails the same way in local runs.
 */
const MAX_KEY_PART_BYTES = 1019;

/**
 * The room names a `save` or `join` may use: non-empty strings that fit a DynamoDB key. A name
 * that is not a string is a programming error (TypeError); an empty or oversized one often comes
 * from a client's message, so it is a 400 (BadRequestError), never a 500.
 */
export function validateRooms(rooms: readonly unknown[]): string[] {
  const valid: string[] = [];
  for (const room of rooms) {
    if (typeof room !== 'string') {
      throw new TypeError(`a room name must be a string, got ${describeRoom(room)}`);
    }
    if (room.length === 0) throw new BadRequestError('a room name must not be empty');
    if (byteLength(room) > MAX_KEY_PART_BYTES) {
      throw new BadRequestError(`a room name may have at most ${MAX_KEY_PART_BYTES} bytes`, {
        maxBytes: MAX_KEY_PART_BYTES,
      });
    }
    valid.push(room);
  }
  return [...new Set(valid)];
}

/** The rooms of a `save`, checked before anything is written. */
export function roomsToSave(connection: NewConnection): string[] {
  const { rooms } = connection;
  if (rooms === undefined) return [];
  if (!Array.isArray(rooms)) throw new TypeError('rooms must be an array of room names');
  return validateRooms(rooms);
}

/** Epoch ms of a record's `connectedAt` (always canonical, see createConnectionRecord). */
export function connectedAtMs(record: Pick<ConnectionRecord, 'connectedAt'>): number {
  return Date.parse(record.connectedAt);
}

/** What `join` throws, in both stores, for a connection that is unknown or expired. */
export function connectionNotTracked(connectionId: string): GoneError {
  return new GoneError(`connection ${connectionId} is not tracked (unknown or expired)`);
}

function byteLength(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

/** toISOString's fixed width (and so string order = time order) holds for years 0000-9999. */
function isFourDigitYear(epochMs: number): boolean {
  const year = new Date(epochMs).getUTCFullYear();
  return year >= 0 && year <= 9999;
}

function describeRoom(room: unknown): string {
  return room === null ? 'null' : typeof room;
}

function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
