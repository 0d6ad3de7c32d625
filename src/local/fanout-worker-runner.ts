import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { errorMessage } from '../errors/error-message';
import type { SqsQueue } from './sqs-queue';

export interface FanoutWorkerRunnerOptions {
  /** Messages per invocation (the mapping's BatchSize). Default 10. */
  batchSize?: number;
  /** Invocations at once (the mapping's MaximumConcurrency). Default 1. */
  concurrency?: number;
  /** Simulated Lambda time per invocation. Default 60000 ms. */
  timeoutMs?: number;
  onError?: (message: string) => void;
}

type WorkerHandler = (
  event: SQSEvent,
  context: { getRemainingTimeInMillis: () => number },
) => Promise<SQSBatchResponse | void>;

/**
 * The event source mapping with ReportBatchItemFailures: batches to the worker, deletes what it
 * did not report failed; a failed (or thrown) message stays hidden for the visibility timeout
 * and comes back, until the queue's redrive policy moves it to the DLQ.
 */
export class FanoutWorkerRunner {
  readonly #queue: SqsQueue;
  readonly #handler: WorkerHandler;
  readonly #batchSize: number;
  readonly #concurrency: number;
  readonly #timeoutMs: number;
  readonly #onError: (message: string) => void;
  #running = 0;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  readonly #unsubscribe: () => void;
  readonly #idleWaiters = new Set<() => void>();
  readonly #stopWaiters = new Set<() => void>();
  /** Invocations so far (a test can count redeliveries). */
  invocations = 0;

  constructor(queue: SqsQueue, handler: WorkerHandler, options: FanoutWorkerRunnerOptions = {}) {
    this.#queue = queue;
    this.#handler = handler;
    this.#batchSize = options.batchSize ?? 10;
    this.#concurrency = options.concurrency ?? 1;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#onError = options.onError ?? (() => undefined);
    this.#unsubscribe = queue.onChange(() => this.#pump());
    this.#pump();
  }

  /** Resolves once the queue is empty and no invocation runs. */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.add(resolve));
  }

  /**
   * Receives no more; resolves once the invocations already running have ended, so nothing the
   * worker does (posts, store writes) outlives it: close the store and servers after this.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe();
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#running === 0) return;
    await new Promise<void>((resolve) => this.#stopWaiters.add(resolve));
  }

  #isIdle(): boolean {
    return this.#running === 0 && this.#queue.size === 0;
  }

  #pump(): void {
    if (this.#stopped) return;
    while (this.#running < this.#concurrency) {
      const batch = this.#queue.receive(this.#batchSize);
      if (batch.length === 0) break;
      this.#running += 1;
      void this.#invoke(batch).finally(() => {
        this.#running -= 1;
        if (this.#stopped) {
          if (this.#running === 0) for (const resolve of this.#stopWaiters) resolve();
          return;
        }
        this.#pump();
      });
    }
    if (this.#isIdle()) {
      for (const resolve of this.#idleWaiters) resolve();
      this.#idleWaiters.clear();
      return;
    }
    // Hidden messages come back when their visibility timeout ends: wake up then.
    const next = this.#queue.nextVisibleAt;
    if (this.#timer) clearTimeout(this.#timer);
    if (next !== undefined && this.#running < this.#concurrency) {
      this.#timer = setTimeout(() => this.#pump(), Math.max(1, next - Date.now()));
    }
  }

  async #invoke(batch: ReturnType<SqsQueue['receive']>): Promise<void> {
    this.invocations += 1;
    const started = Date.now();
    const event: SQSEvent = {
      Records: batch.map((message) => ({
        messageId: message.messageId,
        receiptHandle: message.receiptHandle,
        body: message.body,
        attributes: {
          ApproximateReceiveCount: String(message.receiveCount),
          SentTimestamp: String(message.sentAt),
          SenderId: 'local',
          ApproximateFirstReceiveTimestamp: String(started),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:local:000000000000:fanout',
        awsRegion: 'local',
      })),
    };
    let failed = new Set(batch.map((message) => message.messageId));
    try {
      const result = await this.#handler(event, {
        getRemainingTimeInMillis: () => this.#timeoutMs - (Date.now() - started),
      });
      failed = new Set((result?.batchItemFailures ?? []).map((item) => item.itemIdentifier));
    } catch (error) {
      this.#onError(`fan-out worker threw: ${errorMessage(error)}`);
    }
    for (const message of batch) {
      if (!failed.has(message.messageId)) this.#queue.delete(message.receiptHandle);
    }
  }
}
