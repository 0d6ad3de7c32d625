import type { ConnectionStore } from '../connections/connection-store';

/** The outcome of a fan-out. Never thrown: a partial failure is reported here. */
export interface BroadcastResult {
  /** How many connections got the message. */
  sent: number;
  /** Connection ids that were gone (410): closed, or never fully open. */
  gone: string[];
  /**
   * Connection ids that failed for another reason, after retries. A post cut off by a timeout
   * or the deadline after it was written is here too: it may still have been delivered.
   */
  failed: Array<{ connectionId: string; error: string; statusCode?: number }>;
  /** Ids not attempted because the Lambda's time was running out. */
  skipped?: string[];
  /** True when the fan-out stopped early (deadline) before trying every id. */
  truncated?: boolean;
}

/** `@connections` GetConnection answer. */
export interface ConnectionInfo {
  connectedAt?: Date;
  lastActiveAt?: Date;
  identity?: { sourceIp?: string; userAgent?: string };
}

export interface SendOptions {
  /** Per-attempt timeout in ms, counted from the moment the request has a socket. Default 5000. */
  timeoutMs?: number;
  /**
   * Retries on 429 / 5xx answers and on failures that prove the request never left (connection
   * refused, not fully written). Each retry draws on the endpoint's retry budget. Default 2.
   */
  retries?: number;
  /**
   * Also retry a PostToConnection that timed out or lost its socket after being written.
   * Default false: such a post may have been delivered, and a retry could deliver it twice
   * (at-most-once). GetConnection and DeleteConnection are always retried: they are idempotent.
   */
  retryTimeouts?: boolean;
  /**
   * Epoch ms at which the call is abandoned: no attempt starts after it, and attempts still in
   * flight (or waiting for a socket, or sleeping before a retry) are cut off at it.
   */
  deadline?: number;
}

export interface BroadcastOptions extends SendOptions {
  /** Sends in flight at once; the endpoint's socket pool grows to match. Default 32. */
  concurrency?: number;
  /**
   * Epoch ms at which the fan-out ends: no send starts that would not finish before it, sends in
   * flight are cut off at it (reported failed: they may have been delivered), and ids not
   * attempted are listed in `skipped`.
   */
  deadline?: number;
  /** Ids to leave out (e.g. the sender). */
  exclude?: ReadonlySet<string> | readonly string[];
  /** Store to remove gone connections from (`removeGone`), in batches, while the fan-out runs. */
  store?: ConnectionStore;
}

export type MessageData = string | Uint8Array;

/**
 * The `@connections` API of one endpoint, as the context uses it. Implemented by
 * `ManagementClient` over the real `ApiGatewayManagementApiClient`.
 */
export interface ManagementApi {
  readonly endpoint: string;
  /**
   * PostToConnection. Throws `GoneError` (410), `PayloadTooLargeError` (413, also checked
   * locally before calling AWS), `TooManyRequestsError` (429 after retries) or `WsError` 502.
   */
  post(connectionId: string, data: MessageData, options?: SendOptions): Promise<void>;
  /** GetConnection. Throws `GoneError` when the connection is gone. */
  getConnection(connectionId: string, options?: SendOptions): Promise<ConnectionInfo>;
  /** DeleteConnection; a connection already gone counts as done. */
  delete(connectionId: string, options?: SendOptions): Promise<void>;
  /** Bounded-concurrency fan-out; never throws on a partial failure. */
  broadcast(
    connectionIds: Iterable<string> | AsyncIterable<string>,
    data: MessageData,
    options?: BroadcastOptions,
  ): Promise<BroadcastResult>;
}
