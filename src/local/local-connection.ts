import type { WebSocket } from 'ws';
import type { ConnectionFacts } from './gateway-event-factory';

export interface CloseRequest {
  code: number;
  reason: string;
}

export interface LocalConnectionTimers {
  idleTimeoutMs: number;
  maxConnectionMs: number;
}

// ws copies its options: one object serves every send.
const TEXT_FRAME = { binary: false } as const;

// How long a client may take to answer our close frame before the socket is cut.
const CLOSE_GRACE_MS = 1000;

/**
 * One open WebSocket connection: its facts for events, its socket, and the idle and maximum
 * duration timers API Gateway runs on every connection.
 */
export class LocalConnection {
  lastActiveAt: number;
  /** Set when the gateway closed the socket: the code and reason `$disconnect` reports. */
  closedByGateway?: CloseRequest;
  /** Resolves once the socket is closed. */
  readonly closed: Promise<void>;

  private idleTimer: NodeJS.Timeout;
  private readonly idleTimeoutMs: number;
  /** The last traffic, or when the connection opened: what the idle time counts from. */
  private lastTrafficAt = Date.now();
  private readonly maxTimer: NodeJS.Timeout;
  private graceTimer?: NodeJS.Timeout;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly facts: ConnectionFacts,
    readonly socket: WebSocket,
    timers: LocalConnectionTimers,
  ) {
    this.lastActiveAt = facts.connectedAt;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    this.idleTimeoutMs = timers.idleTimeoutMs;
    this.idleTimer = setTimeout(() => this.onIdleTimer(), timers.idleTimeoutMs);
    this.maxTimer = setTimeout(() => this.close(1001, 'Going away'), timers.maxConnectionMs);
  }

  get id(): string {
    return this.facts.connectionId;
  }

  get isOpen(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  /**
   * Traffic in either direction, including `@connections` posts, resets the idle time. Only the
   * time is noted: the timer checks it when it fires (re-arming a timer on every frame, ten
   * per message in a room of ten, took a timer-list insert each).
   */
  touch(): void {
    this.lastActiveAt = this.lastTrafficAt = Date.now();
  }

  /** Sends a text frame; false when the socket is no longer open. */
  sendText(data: string | Uint8Array): boolean {
    if (!this.isOpen) return false;
    this.socket.send(data, TEXT_FRAME);
    this.touch();
    return true;
  }

  private onIdleTimer(): void {
    const idleMs = Date.now() - this.lastTrafficAt;
    if (idleMs >= this.idleTimeoutMs) this.close(1001, 'Going away');
    else this.idleTimer = setTimeout(() => this.onIdleTimer(), this.idleTimeoutMs - idleMs);
  }

  /** Starts the closing handshake; a client that does not answer is cut after a grace period. */
  close(code: number, reason: string): void {
    if (this.socket.readyState === this.socket.CLOSED) return;
    // Already closing (e.g. the client started it): its code is the one $disconnect reports.
    if (this.socket.readyState === this.socket.OPEN) {
      this.closedByGateway ??= { code, reason };
      this.socket.close(code, reason);
    }
    this.graceTimer ??= setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS);
  }

  /** Runs `task` after the previous task of this connection (messageOrder `sequential`). */
  enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Stops every timer once the socket is closed. */
  dispose(): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.maxTimer);
    clearTimeout(this.graceTimer);
  }
}
