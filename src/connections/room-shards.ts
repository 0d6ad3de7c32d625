import { optionNumber } from '../validation/option-number';

/**
 * How many partitions a room's membership is spread over: 1 (one `ROOM#<room>` partition, the
 * layout of every room so far) unless the store's `roomShards` option says the room is large.
 * Shard 0 is always `ROOM#<room>` itself, so marking a room large later moves nobody: its old
 * members stay listed in shard 0 and new joins spread over the others. K may grow, never
 * shrink (members placed on a shard beyond the new K would no longer be listed).
 */
export type RoomShards = (room: string) => number;

/** The most shards a room may have; 64 parallel queries per listing is already a lot. */
export const MAX_ROOM_SHARDS = 64;

/** The store option, checked at construction; the function is checked on each call. */
export function roomShardsOption(value: unknown, owner: string): RoomShards {
  if (value === undefined) return () => 1;
  if (typeof value !== 'function') {
    throw new TypeError(`${owner}: roomShards must be a function (room) => number of shards`);
  }
  const shards = value as RoomShards;
  return (room) =>
    Math.min(
      MAX_ROOM_SHARDS,
      optionNumber(shards(room), 1, `${owner}: roomShards("${room}")`, { min: 1, integer: true }),
    );
}

/**
 * The shard a connection's membership lives on: FNV-1a of the id, so placement needs no read
 * and spreads API Gateway's random ids evenly.
 */
export function roomShardOf(connectionId: string, shards: number): number {
  if (shards <= 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < connectionId.length; i++) {
    hash ^= connectionId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}
