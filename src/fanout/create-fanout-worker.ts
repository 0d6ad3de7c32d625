import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { forEachLimited } from '../concurrency/for-each-limited';
import type { ConnectionStore } from '../connections/connection-store';
import { errorMessage } from '../errors/error-message';
import { getManagementClient } from '../management/client-cache';
import type { BroadcastResult, ManagementApi, MessageData } from '../management/management-api';
import { MANAGEMENT_ENDPOINT_VARIABLE } from '../management/resolve-endpoint';
import { optionNumber } from '../validation/option-number';
import { AimdWindow } from './aimd-window';
import { parseFanoutShard } from './fanout-shard';

export interface FanoutWorkerOptions {
  /**
   * The `@connections` endpoint (`https://{api-id}.execute-api.{region}.amazonaws.com/{stage}`).
   * Default: LIFT_WS_MANAGEMENT_ENDPOINT, read at the first delivery (the local gateway sets it).
   */
  endpoint?: string;
  /** A ready client instead of `endpoint` (tests, a custom signer). */
  management?: ManagementApi;
  /** Where gone connections are removed from, as inline fan-out does. */
  store?: ConnectionStore;
  /** Shards of one batch delivered at once. Default 2. */
  shardConcurrency?: number;
  /** Most posts in flight per shard; AIMD lowers it under 429s. Default 32. */
  sendConcurrency?: number;
  /** Retries per post (each on the client's retry budget). Default 1: a 429 is AIMD's signal. */
  retries?: number;
  /** Stop this long before the Lambda's deadline, so in-flight posts end in time. Default 2000. */
  deadlineMarginMs?: number;
  /** Where the EMF line per shard goes. Default stdout. */
  write?: (line: string) => void;
}

/** A shard is sent in chunks of this many rounds of its send window (see `deliver`). */
const ROUNDS_PER_CHUNK = 4;
/** Confirmed ids of shards that failed, per message id, kept for their redelivery. */
const PROGRESS_ENTRIES = 1000;

/**
 * The SQS-triggered Lambda handler that delivers the shards `bootstrap({ fanout })` enqueues.
 * A shard with failures is reported in `batchItemFailures` (only it comes back); the ids it
 * did deliver are remembered in the container, so a redelivery here skips them (a redelivery
 * to another container re-sends them: at-least-once there). A message that is not a shard,
 * or a shard that keeps failing, reaches the queue's DLQ after `maxReceiveCount`.
 *
 * @example
 * export const handler = createFanoutWorker({ endpoint: process.env.WS_ENDPOINT, store });
 */
export function createFanoutWorker(
  options: FanoutWorkerOptions,
): (
  event: SQSEvent,
  context?: { getRemainingTimeInMillis?: () => number },
) => Promise<SQSBatchResponse> {
  const owner = 'createFanoutWorker';
  const shardConcurrency = optionNumber(options.shardConcurrency, 2, `${owner}: shardConcurrency`, {
    integer: true,
  });
  const sendConcurrency = optionNumber(options.sendConcurrency, 32, `${owner}: sendConcurrency`, {
    integer: true,
  });
  const retries = optionNumber(options.retries, 1, `${owner}: retries`, { min: 0, integer: true });
  const margin = optionNumber(options.deadlineMarginMs, 2000, `${owner}: deadlineMarginMs`, {
    min: 0,
  });
  if (options.endpoint !== undefined && typeof options.endpoint !== 'string') {
    throw new TypeError(`${owner}: endpoint must be the @connections endpoint URL`);
  }
  const management = (): ManagementApi => {
    if (options.management) return options.management;
    const endpoint = options.endpoint ?? process.env[MANAGEMENT_ENDPOINT_VARIABLE];
    if (!endpoint) {
      throw new TypeError(
        `${owner} needs an endpoint, a management client or ${MANAGEMENT_ENDPOINT_VARIABLE}`,
      );
    }
    return getManagementClient(endpoint);
  };
  const write = options.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const window = new AimdWindow(sendConcurrency);
  const progress = new Map<string, Set<string>>();
  let running = 0;

  /**
   * One shard's ids in chunks of a few rounds of the window, so AIMD reacts to 429s within a
   * shard instead of after it; the window is shared by the shards running at once.
   */
  const deliver = async (
    ids: string[],
    data: MessageData,
    deadline: number | undefined,
  ): Promise<BroadcastResult> => {
    const total: BroadcastResult = { sent: 0, gone: [], failed: [], skipped: [] };
    for (let start = 0; start < ids.length;) {
      const concurrency = Math.max(1, Math.floor(window.size / Math.max(1, running)));
      const chunk = ids.slice(start, start + concurrency * ROUNDS_PER_CHUNK);
      start += chunk.length;
      const result = await management().broadcast(chunk, data, {
        concurrency,
        retries,
        store: options.store,
        ...(deadline === undefined ? {} : { deadline }),
      });
      window.record(result.failed.some((failure) => failure.statusCode === 429));
      total.sent += result.sent;
      total.gone.push(...result.gone);
      total.failed.push(...result.failed);
      if (result.skipped?.length) {
        // Out of time: what is left comes back with the shard's redelivery.
        total.skipped?.push(...result.skipped, ...ids.slice(start));
        break;
      }
    }
    return total;
  };

  return async (event, context) => {
    const remaining = context?.getRemainingTimeInMillis?.();
    const deadline = remaining === undefined ? undefined : Date.now() + remaining - margin;
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    await forEachLimited(event.Records ?? [], shardConcurrency, async (record) => {
      const shard = parseFanoutShard(record.body);
      if (!shard) {
        batchItemFailures.push({ itemIdentifier: record.messageId });
        return;
      }
      try {
        const confirmed = progress.get(record.messageId) ?? new Set<string>();
        const ids = shard.ids.filter((id) => !confirmed.has(id));
        const data = shard.binary ? Buffer.from(shard.data, 'base64') : shard.data;
        running += 1;
        let result: BroadcastResult;
        try {
          result = await deliver(ids, data, deadline);
        } finally {
          running -= 1;
        }
        // Sent again on redelivery: ids not tried, and ids AWS refused for now (429, 5xx). A post
        // without an answer (cut off, timed out after being written) may have been delivered:
        // at-most-once, as inline fan-out, so it is counted failed and not sent again.
        const resend = result.failed.filter(worthResending);
        const unfinished = new Set([
          ...resend.map((failure) => failure.connectionId),
          ...(result.skipped ?? []),
        ]);
        // Final failures only, so a broadcast's sent + gone + failed add up over its EMF lines
        // however often a shard came back (`retrying`: what this delivery hands back).
        const failed = result.failed.length - resend.length;
        write(
          JSON.stringify({
            _aws: {
              Timestamp: Date.now(),
              CloudWatchMetrics: [
                {
                  Namespace: 'lift-ws',
                  Dimensions: [[]],
                  Metrics: ['FanoutSent', 'FanoutGone', 'FanoutFailed'].map((Name) => ({
                    Name,
                    Unit: 'Count',
                  })),
                },
              ],
            },
            broadcastId: shard.broadcastId,
            shard: shard.shard,
            sent: result.sent,
            gone: result.gone.length,
            failed,
            retrying: unfinished.size,
            FanoutSent: result.sent,
            FanoutGone: result.gone.length,
            FanoutFailed: failed,
          }),
        );
        if (unfinished.size === 0) {
          progress.delete(record.messageId);
          return;
        }
        for (const id of ids) if (!unfinished.has(id)) confirmed.add(id);
        remember(progress, record.messageId, confirmed);
        batchItemFailures.push({ itemIdentifier: record.messageId });
      } catch (error) {
        write(
          JSON.stringify({
            broadcastId: shard.broadcastId,
            shard: shard.shard,
            error: errorMessage(error),
          }),
        );
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    });
    return { batchItemFailures };
  };
}

function worthResending(failure: { statusCode?: number }): boolean {
  const status = failure.statusCode;
  return status === 429 || (status !== undefined && status >= 500);
}

function remember(progress: Map<string, Set<string>>, messageId: string, ids: Set<string>): void {
  progress.delete(messageId);
  progress.set(messageId, ids);
  // Oldest first out: a Map iterates in insertion order.
  while (progress.size > PROGRESS_ENTRIES) {
    const oldest = progress.keys().next().value;
    if (oldest === undefined) break;
    progress.delete(oldest);
  }
}
