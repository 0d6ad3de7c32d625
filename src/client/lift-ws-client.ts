import type { StandardSchemaV1 } from '@standard-schema/spec';
import type {
  ActionBody,
  ActionName,
  ActionReply,
  Contract,
  ContractEvent,
  EventName,
  EventPayload,
} from '../contract/contract-types';
import { fullJitterDelay } from '../concurrency/backoff';
import { MAX_MESSAGE_BYTES } from '../events/api-gateway-limits';
import { ClientError } from './client-error';
import type { ClientSettings } from './client-options';
import type { ClientState } from './client-state';
import { handshakeStatus } from './handshake-status';
import { checkInbound } from './inbound-check';
import { OutboundQueue, type QueuedFrame } from './outbound-queue';
import { OverlapDedupe } from './overlap-dedupe';
import { RoomSequencer, type ResumeGap } from './room-sequencer';
import { roomFrameTypes } from '../history/room-frames';
import type { WebSocketLike } from './websocket-like';

const OPEN = 1;
/** Fields of an outbound frame the client writes itself. */
const ACTION_FIELD = 'action';
const ID_FIELD = 'id';
/** Close codes the server uses to say "do not come back": retrying would only be refused again. */
const POLICY_VIOLATION = 1008;

/** Options of one `request()`. */
export interface RequestOptions {
  /** Overrides the client's `requestTimeoutMs`. */
  timeoutMs?: number;
}

/** Options of `client.join(room, options)`. */
export interface ClientJoinOptions {
  /**
   * Resume after this seq (one kept from an earlier page load, from `client.lastSeq(room)`):
   * the server replays what the room's history has after it.
   */
  afterSeq?: number;
}

/** Unanswered resumes of one hole before the client reports it as a gap itself. */
const MAX_RESUMES = 2;

/** A frame dropped before it reached a connection. */
export interface DroppedFrame {
  readonly action: string;
  /** `queue-full`: the oldest queued frame made room for a newer one. `closed`: the client closed first. */
  readonly reason: 'queue-full' | 'closed';
}

interface Link {
  readonly socket: WebSocketLike;
  readonly purpose: 'connect' | 'rotate';
  opened: boolean;
  handshakeStatus?: number;
  connectTimer?: unknown;
  /** Requests written on this connection: their replies can only come back on it. */
  readonly pending: Set<string>;
  /** Rotation: the re-joins are confirmed and the drain time is over; close once `pending` is empty. */
  drained?: boolean;
}

interface Pending {
  readonly action: string;
  /** The contract's reply schema, run on the reply before it resolves the request. */
  readonly reply?: StandardSchemaV1;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: ClientError) => void;
  readonly timer: unknown;
  link?: Link;
}

type Listener<T> = (value: T) => void;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const encoder = new TextEncoder();

function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

/** The implementation behind `createClient`; see `LiftWsClient` for the documented surface. */
export class LiftWsClient<C extends Contract = Contract> {
  readonly #settings: ClientSettings;
  readonly #contract: C;
  #state: ClientState = 'connecting';
  #primary?: Link;
  #connecting?: Link;
  #draining?: Link;
  #dedupe?: OverlapDedupe;
  #attempt = 0;
  #nextId = 0;
  #lastActivity = 0;
  #lastReceived = 0;
  #retryTimer?: unknown;
  #stableTimer?: unknown;
  #heartbeatTimer?: unknown;
  #pongTimer?: unknown;
  #rotationTimer?: unknown;
  readonly #drainTimers = new Set<unknown>();
  readonly #queue: OutboundQueue;
  readonly #pending = new Map<string, Pending>();
  readonly #rooms = new Set<string>();
  /** Per joined room: its order by seq (for rooms whose messages carry one). */
  readonly #sequencers = new Map<string, RoomSequencer>();
  readonly #gapListeners = new Set<Listener<ResumeGap>>();
  readonly #handlers = new Map<string, Set<Listener<never>>>();
  readonly #stateListeners = new Set<Listener<ClientState>>();
  readonly #errorListeners = new Set<Listener<ClientError>>();
  readonly #dropListeners = new Set<Listener<DroppedFrame>>();

  constructor(contract: C, settings: ClientSettings) {
    this.#contract = contract;
    this.#settings = settings;
    this.#queue = new OutboundQueue(settings.queueLimit);
    // Next microtask: listeners attached right after createClient() see the first errors too.
    void Promise.resolve().then(() => this.#connect('connect'));
  }

  /** `connecting | open | reconnecting | closed`. */
  get state(): ClientState {
    return this.#state;
  }

  /** Rooms joined through the client (re-joined after every reconnect). */
  get rooms(): string[] {
    return [...this.#rooms];
  }

  /**
   * Sends `action` and resolves with the reply the server sends back for it (the frame echoing
   * this request's `id`); rejects with a {@link ClientError}: the server's envelope code, or
   * `TIMEOUT`, `CONNECTION_LOST` (the connection it went out on closed first), `DROPPED`,
   * `CLOSED`, `PAYLOAD_TOO_LARGE`.
   */
  request<A extends ActionName<C>>(
    action: A,
    body: ActionBody<C, A>,
    options: RequestOptions = {},
  ): Promise<ActionReply<C, A>> {
    return new Promise<unknown>((resolve, reject) => {
      const id = this.#newId();
      const text = this.#frame(action, body, id);
      const timeoutMs = options.timeoutMs ?? this.#settings.requestTimeoutMs;
      const timer = this.#settings.clock.setTimeout(
        () =>
          this.#settle(id, new ClientError('TIMEOUT', `no reply to ${action} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      const reply = this.#contract.actions[action]?.reply;
      this.#pending.set(id, { action, reply, resolve, reject, timer });
      this.#transmit({ text, action, requestId: id });
    }) as Promise<ActionReply<C, A>>;
  }

  /** Sends `action` without waiting for anything (queued while disconnected). */
  send<A extends ActionName<C>>(action: A, body: ActionBody<C, A>): void {
    this.#transmit({ text: this.#frame(action, body), action });
  }

  /** Calls `handler` with every `{"type": event, ...}` frame. Returns the unsubscribe function. */
  on<E extends EventName<C>>(event: E, handler: (payload: EventPayload<C, E>) => void): () => void {
    let set = this.#handlers.get(event);
    if (!set) {
      set = new Set();
      this.#handlers.set(event, set);
    }
    set.add(handler);
    return () => {
      set.delete(handler);
    };
  }

  /**
   * Joins `room` now (when open) and after every reconnect and rotation. When the server keeps
   * room history (bootstrap's `rooms.history`), every re-join resumes after the last seq seen,
   * and the room's messages reach `on()` handlers once each, in room order; what the history no
   * longer has is reported to `onResumeGap`.
   */
  join(room: string, options: ClientJoinOptions = {}): void {
    this.#checkRoom(room);
    const { afterSeq } = options;
    if (afterSeq !== undefined && (!Number.isSafeInteger(afterSeq) || afterSeq < 0)) {
      throw new TypeError('join: afterSeq must be a non-negative integer');
    }
    if (this.#rooms.has(room)) return;
    this.#rooms.add(room);
    this.#sequencers.set(room, this.#sequencer(room, afterSeq));
    if (this.#primary) void this.#sendJoin(this.#primary, room);
  }

  /** Leaves `room`; it is no longer re-joined. */
  leave(room: string): void {
    this.#checkRoom(room);
    if (!this.#rooms.delete(room)) return;
    this.#sequencers.get(room)?.dispose();
    this.#sequencers.delete(room);
    const { leaveAction, roomField } = this.#settings;
    this.#transmit({
      text: JSON.stringify({ [ACTION_FIELD]: leaveAction, [roomField]: room }),
      action: leaveAction,
    });
  }

  /**
   * The last seq of `room` delivered (or reported as a gap), when the room's messages carry
   * one: keep it to resume after a page reload with `join(room, { afterSeq })`.
   */
  lastSeq(room: string): number | undefined {
    return this.#sequencers.get(room)?.last;
  }

  /**
   * Seqs of a room that will not arrive (`{ room, from, to }`): the server's history no longer
   * had them when the client resumed, or a hole stayed open through the reorder window and two
   * resumes. Reported in room order, between the messages before and after it; reload the
   * room's state. Returns the unsubscribe function.
   */
  onResumeGap(listener: (gap: ResumeGap) => void): () => void {
    return this.#subscribe(this.#gapListeners, listener);
  }

  /** Observes state changes. Returns the unsubscribe function. */
  onState(listener: (state: ClientState) => void): () => void {
    return this.#subscribe(this.#stateListeners, listener);
  }

  /** Errors not tied to a `request()`: refused handshakes, error frames of `send()`s, gateway errors. */
  onError(listener: (error: ClientError) => void): () => void {
    return this.#subscribe(this.#errorListeners, listener);
  }

  /** Frames dropped unsent (queue full, or closed while queued). */
  onDropped(listener: (dropped: DroppedFrame) => void): () => void {
    return this.#subscribe(this.#dropListeners, listener);
  }

  /** Closes for good: sockets closed with 1000, pending requests rejected with `CLOSED`. */
  close(): void {
    this.#stop(new ClientError('CLOSED', 'the client was closed'), false);
  }

  // ---- connecting ------------------------------------------------------------------------------

  async #connect(purpose: Link['purpose']): Promise<void> {
    let token: string | undefined;
    try {
      const option = this.#settings.token;
      token = typeof option === 'function' ? await option() : option;
    } catch (error) {
      this.#emitError(
        new ClientError('TOKEN_FAILED', 'the token function failed', { details: error }),
      );
      return this.#retryLater(purpose);
    }
    if (this.#state === 'closed') return;
    let socket: WebSocketLike;
    try {
      socket = new this.#settings.WebSocket(
        this.#settings.url,
        token ? ['bearer', token] : undefined,
      );
    } catch (error) {
      this.#emitError(new ClientError('CONNECT_FAILED', String(error)));
      return this.#retryLater(purpose);
    }
    const link: Link = { socket, purpose, opened: false, pending: new Set() };
    this.#connecting = link;
    link.connectTimer = this.#settings.clock.setTimeout(
      () => this.#abandon(link, 4000, 'connect timeout'),
      this.#settings.connectTimeoutMs,
    );
    socket.onopen = () => this.#onOpen(link);
    socket.onmessage = (event) => this.#onMessage(link, event.data);
    socket.onerror = (event) => {
      link.handshakeStatus ??= handshakeStatus(event);
    };
    socket.onclose = (event) => this.#onClose(link, event.code);
  }

  #retryLater(purpose: Link['purpose']): void {
    if (this.#state === 'closed') return;
    if (purpose === 'rotate' && this.#primary) {
      // The current connection still works: try the rotation again after a backoff.
      this.#rotationTimer = this.#settings.clock.setTimeout(() => this.#rotate(), this.#backoff());
      return;
    }
    if (this.#attempt >= this.#settings.maxRetries) {
      return this.#stop(
        new ClientError('RETRIES_EXHAUSTED', `gave up after ${this.#attempt} attempts`),
        true,
      );
    }
    this.#setState('reconnecting');
    this.#retryTimer = this.#settings.clock.setTimeout(
      () => void this.#connect('connect'),
      this.#backoff(),
    );
  }

  #backoff(): number {
    const { baseDelayMs, maxDelayMs } = this.#settings;
    return fullJitterDelay(this.#attempt++, baseDelayMs, maxDelayMs);
  }

  #onOpen(link: Link): void {
    const { clock } = this.#settings;
    clock.clearTimeout(link.connectTimer);
    link.opened = true;
    if (this.#connecting === link) this.#connecting = undefined;
    if (this.#state === 'closed') return link.socket.close(1000, 'closed');
    const previous = this.#primary;
    this.#primary = link;
    this.#markActivity(true);
    this.#scheduleTimers();
    if (link.purpose === 'rotate' && previous) return this.#moveOver(previous, link);
    for (const room of this.#rooms) void this.#sendJoin(link, room);
    this.#setState('open');
    for (const frame of this.#queue.drain()) this.#transmit(frame);
  }

  /**
   * Rotation: outbound traffic already goes to the new connection; the old one keeps receiving
   * until the rooms are re-joined on the new one (confirmed by the join replies, or their
   * timeout), then for `rotationDrainMs` more for broadcasts that listed only the old one.
   */
  #moveOver(old: Link, link: Link): void {
    this.#draining = old;
    this.#dedupe = new OverlapDedupe();
    const joins = [...this.#rooms].map((room) => this.#sendJoin(link, room));
    void Promise.all(joins).then(() => {
      const timer = this.#settings.clock.setTimeout(() => {
        this.#drainTimers.delete(timer);
        old.drained = true;
        this.#closeWhenIdle(old);
      }, this.#settings.rotationDrainMs);
      this.#drainTimers.add(timer);
    });
  }

  #closeWhenIdle(old: Link): void {
    // A reply can only come back on the connection its request went out on.
    if (this.#draining !== old || !old.drained || old.pending.size > 0) return;
    old.socket.close(1000, 'rotated');
  }

  #rotate(): void {
    if (this.#state !== 'open' || this.#connecting || this.#draining) return;
    void this.#connect('rotate');
  }

  // ---- losing connections ------------------------------------------------------------------------

  /** Gives up on a socket that will not open or answer, without waiting for its close handshake. */
  #abandon(link: Link, code: number, reason: string): void {
    link.socket.onopen = link.socket.onmessage = link.socket.onclose = null;
    link.socket.onerror = () => undefined;
    try {
      link.socket.close(code, reason);
    } catch {
      // A socket still connecting may refuse close() in some implementations; it is dropped anyway.
    }
    this.#onClose(link, code);
  }

  #onClose(link: Link, code: number): void {
    const { clock } = this.#settings;
    clock.clearTimeout(link.connectTimer);
    link.socket.onclose = null;
    for (const id of link.pending) {
      this.#settle(
        id,
        new ClientError('CONNECTION_LOST', 'the connection closed before the reply'),
      );
    }
    if (this.#state === 'closed') return;
    if (link === this.#draining) {
      this.#draining = undefined;
      // Broadcasts that also listed the new connection may still be on their way to it.
      const timer = clock.setTimeout(() => {
        this.#drainTimers.delete(timer);
        if (!this.#draining) this.#dedupe = undefined;
      }, this.#settings.rotationDrainMs);
      this.#drainTimers.add(timer);
      return;
    }
    if (link === this.#connecting) {
      this.#connecting = undefined;
      const status = link.handshakeStatus;
      if (status === 401 || status === 403) {
        return this.#stop(
          new ClientError(
            status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN',
            `the handshake was refused with ${status}`,
            { statusCode: status },
          ),
          true,
        );
      }
      return this.#retryLater(link.purpose);
    }
    if (link !== this.#primary) return;
    this.#primary = undefined;
    this.#clearConnectionTimers();
    if (code === POLICY_VIOLATION) {
      return this.#stop(new ClientError('POLICY_VIOLATION', 'the server closed with 1008'), true);
    }
    if (this.#draining) {
      // The new connection died during the move: the old one is still open, back to it.
      this.#primary = this.#draining;
      this.#draining = this.#dedupe = undefined;
      this.#scheduleTimers();
      // The old connection is already near its age limit: rotate again soon, not in 110 minutes.
      this.#settings.clock.clearTimeout(this.#rotationTimer);
      this.#rotationTimer = this.#settings.clock.setTimeout(() => this.#rotate(), this.#backoff());
      return;
    }
    this.#setState('reconnecting');
    if (this.#connecting) return; // a rotation under way becomes the reconnect
    this.#retryLater('connect');
  }

  #stop(error: ClientError, report: boolean): void {
    if (this.#state === 'closed') return;
    this.#setState('closed');
    const { clock } = this.#settings;
    clock.clearTimeout(this.#retryTimer);
    this.#clearConnectionTimers();
    for (const timer of this.#drainTimers) clock.clearTimeout(timer);
    this.#drainTimers.clear();
    for (const sequencer of this.#sequencers.values()) sequencer.dispose();
    // Settled first: closing the sockets would report them as CONNECTION_LOST.
    for (const id of [...this.#pending.keys()]) this.#settle(id, error);
    for (const link of [this.#primary, this.#connecting, this.#draining]) {
      if (link) this.#abandon(link, 1000, 'closed');
    }
    this.#primary = this.#connecting = this.#draining = undefined;
    for (const frame of this.#queue.drain()) {
      if (frame.requestId === undefined)
        this.#emitDropped({ action: frame.action, reason: 'closed' });
    }
    if (report) this.#emitError(error);
  }

  // ---- timers ----------------------------------------------------------------------------------

  #scheduleTimers(): void {
    const { clock, stableAfterMs, rotateAfterMs } = this.#settings;
    this.#clearConnectionTimers();
    this.#stableTimer = clock.setTimeout(() => {
      this.#attempt = 0;
    }, stableAfterMs);
    this.#rotationTimer = clock.setTimeout(() => this.#rotate(), rotateAfterMs);
    this.#armHeartbeat();
  }

  #clearConnectionTimers(): void {
    const { clock } = this.#settings;
    for (const timer of [
      this.#stableTimer,
      this.#rotationTimer,
      this.#heartbeatTimer,
      this.#pongTimer,
    ]) {
      clock.clearTimeout(timer);
    }
    this.#stableTimer = this.#rotationTimer = this.#heartbeatTimer = this.#pongTimer = undefined;
  }

  /** Checks when the idle time would run out rather than re-arming a timer per message. */
  #armHeartbeat(): void {
    const { clock, heartbeatMs } = this.#settings;
    const due = this.#lastActivity + heartbeatMs - clock.now();
    this.#heartbeatTimer = clock.setTimeout(
      () => {
        const link = this.#primary;
        if (!link) return;
        if (clock.now() - this.#lastActivity < heartbeatMs) return this.#armHeartbeat();
        this.#ping(link);
        this.#armHeartbeat();
      },
      Math.max(0, due),
    );
  }

  #ping(link: Link): void {
    const { clock, pongTimeoutMs, heartbeatAction } = this.#settings;
    const sentAt = clock.now();
    this.#write(link, JSON.stringify({ [ACTION_FIELD]: heartbeatAction }));
    clock.clearTimeout(this.#pongTimer);
    this.#pongTimer = clock.setTimeout(() => {
      // Any frame counts as a sign of life; a half-open TCP connection sends none.
      if (this.#lastReceived < sentAt && this.#primary === link) {
        this.#abandon(link, 4000, 'no answer to ping');
      }
    }, pongTimeoutMs);
  }

  #markActivity(received: boolean): void {
    const now = this.#settings.clock.now();
    this.#lastActivity = now;
    if (received) this.#lastReceived = now;
  }

  // ---- frames out --------------------------------------------------------------------------------

  #newId(): string {
    this.#nextId += 1;
    return String(this.#nextId);
  }

  /** `{"action": action, ...body, "id"?}`, the shape the server's route selection reads. */
  #frame(action: string, body: unknown, id?: string): string {
    if (this.#state === 'closed') throw new ClientError('CLOSED', 'the client was closed');
    if (body !== undefined && !isObject(body)) {
      throw new TypeError(`${action}: the body must be an object (its fields go into the frame)`);
    }
    if (body && (ACTION_FIELD in body || ID_FIELD in body)) {
      throw new TypeError(`${action}: "${ACTION_FIELD}" and "${ID_FIELD}" are set by the client`);
    }
    const text = JSON.stringify({
      [ACTION_FIELD]: action,
      ...body,
      ...(id ? { [ID_FIELD]: id } : {}),
    });
    // API Gateway closes the connection (1009) on a bigger message: refuse it here instead.
    if (encoder.encode(text).length > MAX_MESSAGE_BYTES) {
      throw new ClientError('PAYLOAD_TOO_LARGE', `${action}: over ${MAX_MESSAGE_BYTES} bytes`);
    }
    return text;
  }

  #transmit(frame: QueuedFrame): void {
    const link = this.#primary;
    if (link && link.socket.readyState === OPEN) {
      if (frame.requestId !== undefined) {
        const pending = this.#pending.get(frame.requestId);
        if (!pending) return; // timed out while queued
        pending.link = link;
        link.pending.add(frame.requestId);
      }
      this.#write(link, frame.text);
      return;
    }
    const dropped = this.#queue.push(frame);
    if (!dropped) return;
    if (dropped.requestId !== undefined) {
      this.#settle(dropped.requestId, new ClientError('DROPPED', 'the outbound queue was full'));
    }
    this.#emitDropped({ action: dropped.action, reason: 'queue-full' });
  }

  #write(link: Link, text: string): void {
    link.socket.send(text);
    this.#markActivity(false);
  }

  /** Joins go out with an id, so the server's reply confirms them (a rotation waits for it). */
  #sendJoin(link: Link, room: string): Promise<void> {
    const { joinAction, roomField, requestTimeoutMs, clock } = this.#settings;
    const id = this.#newId();
    return new Promise<void>((resolve) => {
      const done = (): void => resolve();
      const timer = clock.setTimeout(() => this.#settle(id, undefined), requestTimeoutMs);
      const failed = (error: ClientError): void => {
        // A join lost with its connection is sent again on the next one.
        if (!['TIMEOUT', 'CLOSED', 'CONNECTION_LOST'].includes(error.code)) this.#emitError(error);
        resolve();
      };
      this.#pending.set(id, { action: joinAction, resolve: done, reject: failed, timer, link });
      link.pending.add(id);
      const afterSeq = this.#sequencers.get(room)?.last;
      this.#write(
        link,
        JSON.stringify({
          [ACTION_FIELD]: joinAction,
          [roomField]: room,
          [ID_FIELD]: id,
          ...(afterSeq === undefined ? {} : { resume: { afterSeq } }),
        }),
      );
    });
  }

  #checkRoom(room: string): void {
    if (typeof room !== 'string' || room.length === 0) {
      throw new TypeError('a room is a non-empty string');
    }
  }

  // ---- frames in ---------------------------------------------------------------------------------

  #onMessage(link: Link, data: unknown): void {
    if (typeof data !== 'string') return; // API Gateway sends text frames only
    this.#markActivity(true);
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (!isObject(frame)) return;
    const id = frame[ID_FIELD];
    if (typeof id === 'string' && this.#pending.has(id)) return this.#settle(id, frame);
    // Room messages with a seq are put in order and deduplicated by it, whichever connection
    // brought them; the overlap dedupe is for frames without one.
    if (frame.type === roomFrameTypes.replay && Array.isArray(frame.frames)) {
      for (const inner of frame.frames) {
        if (isObject(inner) && !this.#sequenced(inner)) this.#handleFrame(inner);
      }
      return;
    }
    if (this.#sequenced(frame)) return;
    if (this.#dedupe && !this.#dedupe.accept(link === this.#draining ? 0 : 1, data)) return;
    this.#handleFrame(frame);
  }

  /** Hands a frame to the sequencer of its room; false when it is not a room-history frame. */
  #sequenced(frame: Record<string, unknown>): boolean {
    const { room, type, seq } = frame;
    const sequencer = typeof room === 'string' ? this.#sequencers.get(room) : undefined;
    if (!sequencer) return false;
    if (type === roomFrameTypes.reset) {
      sequencer.reset();
      return true;
    }
    if (type === roomFrameTypes.gap) {
      const { from, to } = frame;
      if (isSeq(from) && isSeq(to)) sequencer.gap(from, to);
      return true;
    }
    if (!isSeq(seq) && !(type === roomFrameTypes.sync && seq === 0)) return false;
    if (type === roomFrameTypes.sync) sequencer.sync(seq);
    else if (type === roomFrameTypes.skip) sequencer.skip(seq);
    else sequencer.frame(seq, frame);
    return true;
  }

  #sequencer(room: string, afterSeq: number | undefined): RoomSequencer {
    const { clock, reorderWindowMs } = this.#settings;
    return new RoomSequencer(
      room,
      afterSeq,
      { clock, windowMs: reorderWindowMs, maxResumes: MAX_RESUMES },
      {
        deliver: (frame) => this.#handleFrame(frame),
        gap: (gap) => {
          for (const listener of this.#gapListeners) listener(gap);
        },
        resume: () => {
          // Asked again on the open connection; a reconnect resumes by itself.
          if (this.#primary?.socket.readyState === OPEN && this.#rooms.has(room)) {
            void this.#sendJoin(this.#primary, room);
          }
        },
      },
    );
  }

  /** An event, an error envelope or one of API Gateway's own frames. */
  #handleFrame(frame: Record<string, unknown>): void {
    const type = frame.type;
    if (typeof type === 'string') return this.#dispatch(type, frame);
    if (isObject(frame.error)) {
      return this.#emitError(this.#envelopeError(frame.error, frame.requestId));
    }
    if (typeof frame.message === 'string') {
      // API Gateway's own frames: "Internal server error" (the Lambda failed), "Forbidden" (no route).
      this.#emitError(
        new ClientError('GATEWAY_ERROR', frame.message, {
          ...(typeof frame.requestId === 'string' ? { requestId: frame.requestId } : {}),
        }),
      );
    }
  }

  #envelopeError(error: Record<string, unknown>, requestId: unknown): ClientError {
    return new ClientError(
      typeof error.code === 'string' ? error.code : 'ERROR',
      typeof error.message === 'string' ? error.message : 'the server refused the request',
      {
        ...(error.details !== undefined ? { details: error.details } : {}),
        ...(typeof requestId === 'string' ? { requestId } : {}),
      },
    );
  }

  /** Ends a request: a reply frame, an error frame, or a client-side error. */
  #settle(id: string, outcome: Record<string, unknown> | ClientError | undefined): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    this.#settings.clock.clearTimeout(pending.timer);
    pending.link?.pending.delete(id);
    if (outcome instanceof ClientError) pending.reject(outcome);
    else if (outcome && isObject(outcome.error)) {
      pending.reject(this.#envelopeError(outcome.error, outcome.requestId));
    } else {
      const schema = this.#settings.validateInbound ? pending.reply : undefined;
      checkInbound(schema, outcome?.body, `the reply to ${pending.action}`, (checked) =>
        checked.error ? pending.reject(checked.error) : pending.resolve(checked.value),
      );
    }
    if (this.#draining && pending.link === this.#draining) this.#closeWhenIdle(this.#draining);
  }

  /** Hands `{"type": event, ...payload}` to the event's handlers as `payload`, checked by its schema. */
  #dispatch(type: string, frame: Record<string, unknown>): void {
    const handlers = this.#handlers.get(type);
    if (!handlers || handlers.size === 0) return;
    const { type: _type, ...payload } = frame;
    const events = this.#contract.events as Partial<Record<string, ContractEvent>>;
    const schema = this.#settings.validateInbound ? events[type]?.schema : undefined;
    checkInbound(schema, payload, `the event ${type}`, (checked) => {
      if (checked.error) return this.#emitError(checked.error);
      for (const handler of handlers) {
        try {
          (handler as Listener<unknown>)(checked.value);
        } catch (error) {
          this.#emitError(
            new ClientError('HANDLER_FAILED', `a "${type}" handler threw`, { details: error }),
          );
        }
      }
    });
  }

  // ---- listeners ---------------------------------------------------------------------------------

  #subscribe<T>(set: Set<Listener<T>>, listener: Listener<T>): () => void {
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  #setState(state: ClientState): void {
    if (this.#state === state) return;
    this.#state = state;
    for (const listener of this.#stateListeners) listener(state);
  }

  #emitError(error: ClientError): void {
    for (const listener of this.#errorListeners) listener(error);
  }

  #emitDropped(dropped: DroppedFrame): void {
    for (const listener of this.#dropListeners) listener(dropped);
  }
}
