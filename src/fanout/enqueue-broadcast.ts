import type { SQSClient } from '@aws-sdk/client-sqs';
import { fullJitterDelay } from '../concurrency/backoff';
import { sleep } from '../concurrency/sleep';
import type { MessageData } from '../management/management-api';
import type { FanoutShard } from './fanout-shard';
import { sqsSdk } from './sqs-sdk';

/** SQS's limit of entries per SendMessageBatch. */
const BATCH_ENTRIES = 10;
/** Rounds for the entries a batch call reports failed (throttling, a transient error). */
const BATCH_ROUNDS = 4;

/** What `enqueueBroadcast` needs. @internal */
export interface EnqueueRequest {
  sqs: SQSClient;
  queueUrl: string;
  broadcastId: string;
  /** The ids already read (the threshold check) followed by the rest of the listing. */
  ids: AsyncIterable<string> | Iterable<string>;
  data: MessageData;
  idsPerShard: number;
  exclude?: ReadonlySet<string>;
  signal?: AbortSignal;
}

/**
 * Splits the ids into shards and sends them 10 per SendMessageBatch; only the entries a call
 * reports failed are sent again. Returns the number of shards. A SendMessageBatch is not
 * retried as a whole once sent: its answer says which entries SQS took.
 * @internal
 */
export async function enqueueBroadcast(request: EnqueueRequest): Promise<number> {
  const text = typeof request.data === 'string';
  const data =
    typeof request.data === 'string' ? request.data : Buffer.from(request.data).toString('base64');
  let shards = 0;
  let batch: FanoutShard[] = [];
  let ids: string[] = [];
  const seen = new Set<string>();
  const cut = (): void => {
    if (ids.length === 0) return;
    const shard: FanoutShard = {
      v: 1,
      broadcastId: request.broadcastId,
      shard: shards++,
      ids,
      data,
    };
    if (!text) shard.binary = true;
    batch.push(shard);
    ids = [];
  };
  for await (const id of request.ids) {
    if (seen.has(id) || request.exclude?.has(id)) continue;
    seen.add(id);
    ids.push(id);
    if (ids.length >= request.idsPerShard) cut();
    if (batch.length === BATCH_ENTRIES) {
      await sendBatch(request, batch);
      batch = [];
    }
  }
  cut();
  if (batch.length > 0) await sendBatch(request, batch);
  return shards;
}

async function sendBatch(request: EnqueueRequest, shards: FanoutShard[]): Promise<void> {
  let pending = shards.map((shard) => ({
    Id: String(shard.shard),
    MessageBody: JSON.stringify(shard),
  }));
  for (let round = 1; ; round++) {
    const answer = await request.sqs.send(
      new (sqsSdk().SendMessageBatchCommand)({ QueueUrl: request.queueUrl, Entries: pending }),
      { abortSignal: request.signal },
    );
    const failed = new Set((answer.Failed ?? []).map((entry) => entry.Id));
    pending = pending.filter((entry) => failed.has(entry.Id));
    if (pending.length === 0) return;
    if (round >= BATCH_ROUNDS) {
      throw new Error(
        `fan-out ${request.broadcastId}: SQS refused ${pending.length} shard(s) after ${round} rounds`,
      );
    }
    await sleep(fullJitterDelay(round, 50, 1000), request.signal);
  }
}
