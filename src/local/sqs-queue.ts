import { randomUUID } from 'node:crypto';

/** One message as the queue keeps it. @internal */
export interface QueuedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  receiveCount: number;
  sentAt: number;
  visibleAt: number;
}

export interface SqsQueueOptions {
  /** How long a received message stays hidden before it is delivered again. Default 30000 ms. */
  visibilityTimeoutMs?: number;
  /** The redrive policy: after this many receives a message moves to `deadLetterQueue`. */
  maxReceiveCount?: number;
  deadLetterQueue?: SqsQueue;
}

/**
 * An SQS standard queue in memory, with what the event source mapping relies on: visibility
 * timeout, receive counts and redrive to a dead-letter queue.
 */
export class SqsQueue {
  readonly #messages = new Map<string, QueuedMessage>();
  readonly #visibilityTimeoutMs: number;
  readonly #maxReceiveCount: number | undefined;
  readonly #deadLetterQueue: SqsQueue | undefined;
  readonly #listeners = new Set<() => void>();

  constructor(options: SqsQueueOptions = {}) {
    this.#visibilityTimeoutMs = options.visibilityTimeoutMs ?? 30_000;
    this.#maxReceiveCount = options.maxReceiveCount;
    this.#deadLetterQueue = options.deadLetterQueue;
  }

  send(body: string): string {
    const messageId = randomUUID();
    const now = Date.now();
    this.#messages.set(messageId, {
      messageId,
      receiptHandle: '',
      body,
      receiveCount: 0,
      sentAt: now,
      visibleAt: now,
    });
    this.#notify();
    return messageId;
  }

  /** Visible messages, hidden for the visibility timeout; past maxReceiveCount to the DLQ. */
  receive(max: number): QueuedMessage[] {
    const now = Date.now();
    const batch: QueuedMessage[] = [];
    for (const message of this.#messages.values()) {
      if (batch.length >= max) break;
      if (message.visibleAt > now) continue;
      if (this.#maxReceiveCount !== undefined && message.receiveCount >= this.#maxReceiveCount) {
        this.#messages.delete(message.messageId);
        this.#deadLetterQueue?.send(message.body);
        continue;
      }
      message.receiveCount += 1;
      message.receiptHandle = randomUUID();
      message.visibleAt = now + this.#visibilityTimeoutMs;
      batch.push({ ...message });
    }
    return batch;
  }

  delete(receiptHandle: string): void {
    for (const message of this.#messages.values()) {
      if (message.receiptHandle === receiptHandle) this.#messages.delete(message.messageId);
    }
    this.#notify();
  }

  /** Messages not yet deleted (visible or in flight). */
  get size(): number {
    return this.#messages.size;
  }

  /** Epoch ms at which the next hidden message becomes visible, if any. */
  get nextVisibleAt(): number | undefined {
    let next: number | undefined;
    for (const message of this.#messages.values()) {
      if (next === undefined || message.visibleAt < next) next = message.visibleAt;
    }
    return next;
  }

  bodies(): string[] {
    return [...this.#messages.values()].map((message) => message.body);
  }

  /** Called on every send and delete (the runner wakes up instead of polling). */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}
