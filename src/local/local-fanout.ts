import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { optionNumber } from '../validation/option-number';
import { FanoutWorkerRunner } from './fanout-worker-runner';
import { SqsApi } from './sqs-api';
import { SqsQueue } from './sqs-queue';

/** The SQS-triggered Lambda that delivers fan-out shards (`createFanoutWorker(...)` fits). */
export type LocalFanoutWorker = (
  event: SQSEvent,
  context: { getRemainingTimeInMillis: () => number },
) => Promise<SQSBatchResponse | void>;

/** `startLocalGateway({ fanoutWorker })`: the queue, its DLQ and the event source mapping. */
export interface LocalFanoutWorkerOptions {
  /** The worker Lambda. */
  handler: LocalFanoutWorker;
  /** Invocations at once (the mapping's ScalingConfig.MaximumConcurrency). Default 2. */
  concurrency?: number;
  /** Messages per invocation (the mapping's BatchSize). Default 10. */
  batchSize?: number;
  /** The worker's Lambda timeout, and the queue's visibility timeout. Default 60000 ms. */
  timeoutMs?: number;
  /** Receives before a shard moves to the DLQ (the redrive policy). Default 5. */
  maxReceiveCount?: number;
}

/** The queue names in the local queue URLs. */
const QUEUE = 'lift-ws-fanout';
const DEAD_LETTER_QUEUE = 'lift-ws-fanout-dlq';

/**
 * Distributed fan-out next to a local gateway: the SQS JSON API on its own port (the real
 * `@aws-sdk/client-sqs` enqueues there), a queue with a redrive policy to a DLQ, and the
 * worker run by the event source mapping twin.
 */
export class LocalFanout {
  /** The SQS endpoint (`AWS_ENDPOINT_URL_SQS`). */
  readonly endpoint: string;
  /** The queue URL for `bootstrap({ fanout: { queueUrl } })` (`LIFT_WS_FANOUT_QUEUE_URL`). */
  readonly queueUrl: string;
  readonly queue: SqsQueue;
  readonly deadLetterQueue: SqsQueue;
  readonly #api: SqsApi;
  readonly #options: Required<Omit<LocalFanoutWorkerOptions, 'handler'>>;
  #handler: LocalFanoutWorker;
  #runner: FanoutWorkerRunner | undefined;

  private constructor(
    api: SqsApi,
    queue: SqsQueue,
    deadLetterQueue: SqsQueue,
    handler: LocalFanoutWorker,
    options: Required<Omit<LocalFanoutWorkerOptions, 'handler'>>,
  ) {
    this.#api = api;
    this.queue = queue;
    this.deadLetterQueue = deadLetterQueue;
    this.endpoint = api.endpoint;
    this.queueUrl = api.queueUrl(QUEUE);
    this.#handler = handler;
    this.#options = options;
  }

  /** Validates the options and starts the SQS API; the worker runs from `run`. */
  static async start(options: LocalFanoutWorkerOptions): Promise<LocalFanout> {
    const where = 'startLocalGateway: fanoutWorker';
    checkWorker(where, options?.handler);
    const resolved = {
      concurrency: optionNumber(options.concurrency, 2, `${where}.concurrency`, { integer: true }),
      batchSize: Math.min(
        10_000,
        optionNumber(options.batchSize, 10, `${where}.batchSize`, { integer: true }),
      ),
      timeoutMs: optionNumber(options.timeoutMs, 60_000, `${where}.timeoutMs`),
      maxReceiveCount: optionNumber(options.maxReceiveCount, 5, `${where}.maxReceiveCount`, {
        integer: true,
      }),
    };
    const deadLetterQueue = new SqsQueue();
    const queue = new SqsQueue({
      // AWS requires the visibility timeout to be at least the function's timeout.
      visibilityTimeoutMs: resolved.timeoutMs,
      maxReceiveCount: resolved.maxReceiveCount,
      deadLetterQueue,
    });
    const api = new SqsApi(
      new Map([
        [QUEUE, queue],
        [DEAD_LETTER_QUEUE, deadLetterQueue],
      ]),
    );
    await api.start();
    return new LocalFanout(api, queue, deadLetterQueue, options.handler, resolved);
  }

  /** Starts the event source mapping; `beforeInvoke` runs before each worker invocation. */
  run(beforeInvoke: () => void = () => undefined, onError?: (message: string) => void): void {
    this.#runner ??= new FanoutWorkerRunner(
      this.queue,
      (event, context) => {
        beforeInvoke();
        return this.#handler(event, context);
      },
      { ...this.#options, onError },
    );
  }

  /** A rebuilt worker (`dev --watch`): used from the next invocation on. */
  replaceHandler(handler: LocalFanoutWorker): void {
    checkWorker('LocalGateway.replaceHandlers: fanoutWorker', handler);
    this.#handler = handler;
  }

  /** Resolves once every shard is delivered (or in the DLQ) and no invocation runs. */
  idle(): Promise<void> {
    return this.#runner?.idle() ?? Promise.resolve();
  }

  /** Stops the mapping (waiting for running invocations), then the SQS API. */
  async close(): Promise<void> {
    await this.#runner?.stop();
    await this.#api.stop();
  }
}

function checkWorker(where: string, handler: unknown): void {
  if (typeof handler !== 'function') {
    throw new TypeError(`${where}: \`handler\` must be a function (sqsEvent, context) => result`);
  }
}
