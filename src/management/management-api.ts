import type { ConnectionStore } from '../connections/connection-store';

/** The outcome of a fan-out. Never thrown: a partial failure is reported here. */
export interface BroadcastResult {
  /** How many connections got the message. */
  sent: number;
  /** Connection ids that were gone (410): closed, or never fully open. */
  gone: string[];
  /** Connection ids that failed for another reason, after retries. */
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
  /** Per-attempt timeout in ms (the SDK can hang). Default 5000. */
  timeoutMs?: number;
  /** Retries on 429 / 5xx / network errors. Default 2. */
  retries?: number;
}

export interface BroadcastOptions extends SendOptions {
  /** Sends in flight at once. Default 32. */
  concurrency?: number;
  /** Epoch ms after which no new send starts; the rest are reported in `skipped`. */
  deadline?: number;
  /** Ids to leave out (e.g. the sender). */
  exclude?: ReadonlySet<string> | readonly string[];
  /** Store to delete gone connections from, in batches. */
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
