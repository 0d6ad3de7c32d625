import { IDLE_TIMEOUT_MS, MAX_CONNECTION_MS } from '../events/api-gateway-limits';
import { optionNumber } from '../validation/option-number';
import { systemClock, type ClientClock } from './client-clock';
import type { WebSocketConstructor } from './websocket-like';

/** A token, or a function giving one; called before every connect (a refresh goes there). */
export type TokenOption = string | (() => string | undefined | Promise<string | undefined>);

/** Options of `createClient`. Only `url` is required. */
export interface ClientOptions {
  /** `wss://{api}.execute-api.{region}.amazonaws.com/{stage}`, or the local gateway's `wsUrl`. */
  url: string;
  /** Sent as the subprotocols `['bearer', token]`, where JwtAuth reads it. */
  token?: TokenOption;
  /** The WebSocket class: the global one by default; pass `ws`'s on Node 20. */
  WebSocket?: WebSocketConstructor;
  reconnect?: {
    /** First retry within this (full jitter: a random delay up to the ceiling). Default 500 ms. */
    baseDelayMs?: number;
    /** The ceiling stops doubling here. Default 30 s. */
    maxDelayMs?: number;
    /** Open this long and the backoff starts again from `baseDelayMs`. Default 30 s. */
    stableAfterMs?: number;
    /** Consecutive failed attempts before giving up (`RETRIES_EXHAUSTED`). Default: never. */
    maxRetries?: number;
  };
  /** A handshake that has not opened by then is abandoned and retried. Default 10 s. */
  connectTimeoutMs?: number;
  /** A ping goes out after this long without traffic either way; under API Gateway's 10-minute idle limit. Default 5 min. */
  heartbeatMs?: number;
  /** No frame at all this long after a ping: the connection is taken as dead. Default 10 s. */
  pongTimeoutMs?: number;
  /** The server's heartbeat action (bootstrap's `heartbeat.action`). Default `ping`. */
  heartbeatAction?: string;
  /** A fresh connection replaces the current one this long after it opened; under API Gateway's 2-hour limit. Default 110 min. */
  rotateAfterMs?: number;
  /** After a rotation's re-joins are confirmed, the old connection stays open this long for frames already on their way. Default 1 s. */
  rotationDrainMs?: number;
  /** `request()` rejects with `TIMEOUT` after this long. Default 10 s. */
  requestTimeoutMs?: number;
  /**
   * A room message that arrives past a hole in the room's seqs waits this long for the missing
   * ones (fan-outs from concurrent Lambdas arrive out of order); then the client resumes to ask
   * for them, and after two such asks reports the hole to `onResumeGap`. Default 1 s.
   */
  reorderWindowMs?: number;
  /** Frames kept while disconnected; the oldest is dropped (and reported) past it. Default 100. */
  queueLimit?: number;
  /** The room actions the server routes: `{"action": join, [field]: room}`. Defaults `join`, `leave`, `room`. */
  rooms?: { joinAction?: string; leaveAction?: string; field?: string };
  /**
   * Run the contract's schemas on replies and events, so handlers get the schemas' output (as
   * typed); a mismatch rejects the request, or reaches `onError` for an event, with
   * `VALIDATION_FAILED`. Default true.
   */
  validateInbound?: boolean;
  /** Time and timers (tests). Default: the platform's. */
  clock?: ClientClock;
}

/** The options checked and defaulted, as the client reads them. */
export interface ClientSettings {
  readonly url: string;
  readonly token: TokenOption | undefined;
  readonly WebSocket: WebSocketConstructor;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly stableAfterMs: number;
  readonly maxRetries: number;
  readonly connectTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly pongTimeoutMs: number;
  readonly heartbeatAction: string;
  readonly rotateAfterMs: number;
  readonly rotationDrainMs: number;
  readonly requestTimeoutMs: number;
  readonly reorderWindowMs: number;
  readonly queueLimit: number;
  readonly joinAction: string;
  readonly leaveAction: string;
  readonly roomField: string;
  readonly validateInbound: boolean;
  readonly clock: ClientClock;
}

function below(value: number, limit: number, name: string): number {
  if (value >= limit) throw new TypeError(`createClient: ${name} must be below ${limit} ms`);
  return value;
}

function text(value: unknown, fallback: string, name: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`createClient: ${name} must be a non-empty string`);
  }
  return value;
}

/** Checks the options once, so a typo fails at `createClient`, not an hour later. */
export function resolveClientOptions(options: ClientOptions): ClientSettings {
  if (typeof options?.url !== 'string' || !/^wss?:\/\//.test(options.url)) {
    throw new TypeError('createClient: url must be a ws:// or wss:// URL');
  }
  const token = options.token;
  if (token !== undefined && typeof token !== 'string' && typeof token !== 'function') {
    throw new TypeError('createClient: token must be a string or a function returning one');
  }
  const WebSocketClass =
    options.WebSocket ??
    (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ??
    undefined;
  if (typeof WebSocketClass !== 'function') {
    throw new TypeError(
      'createClient: no global WebSocket here (Node 20): pass one, e.g. { WebSocket } from "ws"',
    );
  }
  const reconnect = options.reconnect ?? {};
  const num = (value: unknown, fallback: number, name: string, integer = false): number =>
    optionNumber(value, fallback, `createClient: ${name}`, { integer });
  const rooms = options.rooms ?? {};
  const maxRetries =
    reconnect.maxRetries === undefined
      ? Infinity
      : optionNumber(reconnect.maxRetries, 0, 'createClient: reconnect.maxRetries', {
          min: 0,
          integer: true,
        });
  return {
    url: options.url,
    token,
    WebSocket: WebSocketClass,
    baseDelayMs: num(reconnect.baseDelayMs, 500, 'reconnect.baseDelayMs'),
    maxDelayMs: num(reconnect.maxDelayMs, 30_000, 'reconnect.maxDelayMs'),
    stableAfterMs: num(reconnect.stableAfterMs, 30_000, 'reconnect.stableAfterMs'),
    maxRetries,
    connectTimeoutMs: num(options.connectTimeoutMs, 10_000, 'connectTimeoutMs'),
    heartbeatMs: below(
      num(options.heartbeatMs, 5 * 60_000, 'heartbeatMs'),
      IDLE_TIMEOUT_MS,
      'heartbeatMs',
    ),
    pongTimeoutMs: num(options.pongTimeoutMs, 10_000, 'pongTimeoutMs'),
    heartbeatAction: text(options.heartbeatAction, 'ping', 'heartbeatAction'),
    rotateAfterMs: below(
      num(options.rotateAfterMs, 110 * 60_000, 'rotateAfterMs'),
      MAX_CONNECTION_MS,
      'rotateAfterMs',
    ),
    rotationDrainMs: optionNumber(options.rotationDrainMs, 1000, 'createClient: rotationDrainMs', {
      min: 0,
    }),
    requestTimeoutMs: num(options.requestTimeoutMs, 10_000, 'requestTimeoutMs'),
    reorderWindowMs: num(options.reorderWindowMs, 1000, 'reorderWindowMs'),
    queueLimit: num(options.queueLimit, 100, 'queueLimit', true),
    joinAction: text(rooms.joinAction, 'join', 'rooms.joinAction'),
    leaveAction: text(rooms.leaveAction, 'leave', 'rooms.leaveAction'),
    roomField: text(rooms.field, 'room', 'rooms.field'),
    validateInbound: options.validateInbound ?? true,
    clock: options.clock ?? systemClock,
  };
}
