import { randomUUID } from 'node:crypto';
import type { BroadcastResult, MessageData } from '../management/management-api';
import { enqueueBroadcast } from './enqueue-broadcast';
import type { FanoutSettings } from './fanout-options';

/** A broadcast handed to the fan-out workers: its counts arrive in their EMF lines. */
export interface QueuedBroadcastResult extends BroadcastResult {
  queued: true;
  broadcastId: string;
  shards: number;
}

/**
 * Reads at most `threshold + 1` ids: that is enough to know the fan-out is large without
 * reading a whole room first. Small: the ids read come back for the inline path. Large: those
 * ids and the rest of the listing are enqueued as shards.
 * @internal
 */
export async function distributeBroadcast(
  settings: FanoutSettings,
  source: Iterable<string> | AsyncIterable<string>,
  data: MessageData,
  exclude: ReadonlySet<string> | undefined,
  signal: AbortSignal | undefined,
): Promise<{ inline: string[] } | QueuedBroadcastResult> {
  const iterator =
    Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  const head: string[] = [];
  let done = false;
  while (head.length <= settings.threshold) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    if (!exclude?.has(next.value)) head.push(next.value);
  }
  if (done) return { inline: head };
  async function* all(): AsyncGenerator<string> {
    yield* head;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      yield next.value;
    }
  }
  const broadcastId = randomUUID();
  const shards = await enqueueBroadcast({
    sqs: settings.sqs,
    queueUrl: settings.queueUrl,
    broadcastId,
    ids: all(),
    data,
    idsPerShard: settings.idsPerShard,
    exclude,
    signal,
  });
  return { queued: true, broadcastId, shards, sent: 0, gone: [], failed: [] };
}
