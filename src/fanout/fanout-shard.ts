/**
 * One SQS message of a distributed broadcast: the ids inline, with the payload.
 *
 * Inline ids rather than references to member pages: a worker then needs no store read and no
 * consistent snapshot of a room that keeps changing, and a redelivered shard is the same set of
 * ids. 500 ids of ~16 characters are ~9 KB beside a payload of at most 128 KB (base64: 171 KB),
 * well under SQS's 1 MiB message limit (256 KiB until 2025, and still under it).
 * @internal
 */
export interface FanoutShard {
  v: 1;
  broadcastId: string;
  shard: number;
  ids: string[];
  /** The payload: text as is, bytes as base64. */
  data: string;
  binary?: true;
}

/** The shard in a message body, or undefined for anything else (a poison message). */
export function parseFanoutShard(body: string): FanoutShard | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const shard = value as Partial<FanoutShard>;
  const valid =
    shard.v === 1 &&
    typeof shard.broadcastId === 'string' &&
    typeof shard.shard === 'number' &&
    typeof shard.data === 'string' &&
    Array.isArray(shard.ids) &&
    shard.ids.every((id) => typeof id === 'string');
  return valid ? (shard as FanoutShard) : undefined;
}
