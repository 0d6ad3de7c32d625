import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  PostToConnectionCommand,
  type ApiGatewayManagementApiClientConfig,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { ConnectionStore } from '../connections/connection-store';
import { MAX_MESSAGE_BYTES } from '../events/api-gateway-limits';
import { PayloadTooLargeError } from '../errors/named-errors';
import { WsError } from '../errors/ws-error';
import type { Logger } from '../logging/logger';
import { fullJitterDelay } from '../concurrency/backoff';
import { sleep } from '../concurrency/sleep';
import { classifyFailure, httpStatusOf, toWsError } from './call-failure';
import { fanOut, type SendOutcome } from './fan-out';
import type {
  BroadcastOptions,
  BroadcastResult,
  ConnectionInfo,
  ManagementApi,
  MessageData,
  SendOptions,
} from './management-api';
import { resolveRegion } from './resolve-endpoint';

/** DynamoDB's BatchWriteItem takes 25 items: the natural batch for deleting gone ids. */
const STORE_BATCH_SIZE = 25;

export interface ManagementClientOptions {
  /** `https://{domainName}/{stage}` or a custom/local endpoint, without a trailing slash. */
  endpoint: string;
  /** Default: AWS_REGION, AWS_DEFAULT_REGION, the execute-api host, else `us-east-1`. */
  region?: string;
  /** Default: the SDK's provider chain (the Lambda role). */
  credentials?: ApiGatewayManagementApiClientConfig['credentials'];
  /** A ready SDK client (its own endpoint, credentials and HTTP handler are then used). */
  client?: ApiGatewayManagementApiClient;
  /** Per-attempt timeout in ms. Default 5000. */
  timeoutMs?: number;
  /** Retries on 429, 5xx, network errors and timeouts. Default 2. */
  retries?: number;
  /** First backoff ceiling in ms, doubled per retry (full jitter). Default 50. */
  retryBaseDelayMs?: number;
  /** Backoff ceiling in ms. Default 1000. */
  retryMaxDelayMs?: number;
  /** Default fan-out concurrency, also the keep-alive socket pool size. Default 32. */
  concurrency?: number;
  /** Default 128 KB (API Gateway's limit). */
  maxMessageBytes?: number;
  /** Where failures to delete gone connections from a store are reported. */
  logger?: Logger;
}

interface CallOptions {
  readonly timeoutMs: number;
  readonly retries: number;
  readonly deadline?: number;
}

/**
 * The `@connections` API of one endpoint over the AWS SDK, hardened for fan-outs: a timeout per
 * attempt (the SDK has none by default, and a stuck call would eat the Lambda's time), retries
 * with full-jitter backoff on 429 / 5xx / network errors, and failures mapped to `WsError`s.
 *
 * @example
 * const client = new ManagementClient({ endpoint: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod' });
 * await client.post(connectionId, JSON.stringify({ type: 'hello' }));
 * const { sent, gone, failed } = await client.broadcast(store.roomMembers('lobby'), 'hi');
 */
export class ManagementClient implements ManagementApi {
  readonly endpoint: string;
  /** The SDK client underneath (shared by every call of this endpoint). */
  readonly sdk: ApiGatewayManagementApiClient;
  private readonly ownsSdk: boolean;
  /** Shared by every call that sets neither `timeoutMs` nor `retries` (most of them). */
  private readonly defaults: CallOptions;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly concurrency: number;
  private readonly maxMessageBytes: number;
  private readonly logger: Logger | undefined;

  constructor(options: ManagementClientOptions) {
    this.endpoint = options.endpoint;
    this.defaults = {
      timeoutMs: positive(options.timeoutMs, 5000, 'timeoutMs'),
      retries: atLeastZero(options.retries, 2, 'retries'),
    };
    this.baseDelayMs = atLeastZero(options.retryBaseDelayMs, 50, 'retryBaseDelayMs');
    this.maxDelayMs = atLeastZero(options.retryMaxDelayMs, 1000, 'retryMaxDelayMs');
    this.concurrency = positive(options.concurrency, 32, 'concurrency');
    this.maxMessageBytes = positive(options.maxMessageBytes, MAX_MESSAGE_BYTES, 'maxMessageBytes');
    this.logger = options.logger;
    this.ownsSdk = options.client === undefined;
    this.sdk =
      options.client ??
      new ApiGatewayManagementApiClient({
        endpoint: options.endpoint,
        region: options.region ?? resolveRegion(options.endpoint),
        credentials: options.credentials,
        // Retries are ours (bounded by the fan-out's deadline); the SDK's would multiply them.
        maxAttempts: 1,
        // Keep-alive sockets, as many as sends in flight: a fan-out reuses warm TLS sessions.
        requestHandler: new NodeHttpHandler({
          httpAgent: { keepAlive: true, maxSockets: this.concurrency },
          httpsAgent: { keepAlive: true, maxSockets: this.concurrency },
        }),
      });
  }

  /**
   * PostToConnection. A payload over 128 KB is refused here, before any HTTP call.
   * @throws GoneError (410), PayloadTooLargeError (413), TooManyRequestsError (429 after
   * retries), ForbiddenError (403), WsError 504 (timeouts) or 502 (anything else).
   */
  async post(connectionId: string, data: MessageData, options?: SendOptions): Promise<void> {
    await this.postBytes(connectionId, this.toBytes(data), this.callOptions(options));
  }

  /** GetConnection, with its ISO-8601 timestamps as Dates. @throws GoneError when gone. */
  async getConnection(connectionId: string, options?: SendOptions): Promise<ConnectionInfo> {
    const output = await this.call(
      'GetConnection',
      connectionId,
      (abortSignal) =>
        this.sdk.send(new GetConnectionCommand({ ConnectionId: connectionId }), { abortSignal }),
      this.callOptions(options),
    );
    const info: ConnectionInfo = {};
    if (output.ConnectedAt) info.connectedAt = toDate(output.ConnectedAt);
    if (output.LastActiveAt) info.lastActiveAt = toDate(output.LastActiveAt);
    if (output.Identity) {
      info.identity = {};
      if (output.Identity.SourceIp) info.identity.sourceIp = output.Identity.SourceIp;
      if (output.Identity.UserAgent) info.identity.userAgent = output.Identity.UserAgent;
    }
    return info;
  }

  /** DeleteConnection. A connection already gone (410) counts as done. */
  async delete(connectionId: string, options?: SendOptions): Promise<void> {
    try {
      await this.call(
        'DeleteConnection',
        connectionId,
        (abortSignal) =>
          this.sdk.send(new DeleteConnectionCommand({ ConnectionId: connectionId }), {
            abortSignal,
          }),
        this.callOptions(options),
      );
    } catch (error) {
      if (error instanceof WsError && error.statusCode === 410) return;
      throw error;
    }
  }

  /**
   * Sends one message to many connections, at most `concurrency` at once, each with its own
   * timeout and retries. Ids are de-duplicated and pulled from the source as sends free up.
   * With `store`, gone connections are deleted from it in batches while the fan-out runs.
   * Never throws on a partial failure; throws only for a payload over the limit (nothing is
   * sent) or when reading the ids fails (`BROADCAST_SOURCE_FAILED`, partial result in
   * `details.result`).
   *
   * @example
   * const result = await client.broadcast(ids, JSON.stringify(msg), { exclude: [senderId], deadline });
   * // { sent: 297, gone: ['...'], failed: [{ connectionId, error, statusCode: 429 }] }
   */
  async broadcast(
    connectionIds: Iterable<string> | AsyncIterable<string>,
    data: MessageData,
    options: BroadcastOptions = {},
  ): Promise<BroadcastResult> {
    const bytes = this.toBytes(data);
    const callOptions = { ...this.callOptions(options), deadline: options.deadline };
    const gone = options.store ? new GoneBatcher(options.store, this.logger) : undefined;
    const send = async (connectionId: string): Promise<SendOutcome> => {
      try {
        await this.postBytes(connectionId, bytes, callOptions);
        return { kind: 'sent' };
      } catch (error) {
        if (!(error instanceof WsError)) throw error;
        if (error.statusCode === 410) return { kind: 'gone' };
        // The status AWS answered (undefined for timeouts), not the WsError's 502/504.
        return { kind: 'failed', error: error.message, statusCode: httpStatusOf(error.cause) };
      }
    };
    try {
      return await fanOut(connectionIds, send, {
        concurrency: positive(options.concurrency, this.concurrency, 'concurrency'),
        deadline: options.deadline,
        exclude: options.exclude,
        onGone: gone && ((id) => gone.add(id)),
      });
    } finally {
      await gone?.flush();
    }
  }

  /** Closes the keep-alive sockets (of an SDK client this instance created). */
  destroy(): void {
    if (this.ownsSdk) this.sdk.destroy();
  }

  // ---- internals -----------------------------------------------------------------------------

  private callOptions(options: SendOptions | undefined): CallOptions {
    if (options?.timeoutMs === undefined && options?.retries === undefined) return this.defaults;
    return {
      timeoutMs: positive(options.timeoutMs, this.defaults.timeoutMs, 'timeoutMs'),
      retries: atLeastZero(options.retries, this.defaults.retries, 'retries'),
    };
  }

  private async postBytes(
    connectionId: string,
    bytes: Uint8Array,
    options: CallOptions,
  ): Promise<void> {
    await this.call(
      'PostToConnection',
      connectionId,
      (abortSignal) =>
        this.sdk.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: bytes }), {
          abortSignal,
        }),
      options,
    );
  }

  /** Converted once per call, so a fan-out shares one buffer between all its recipients. */
  private toBytes(data: MessageData): Uint8Array {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (bytes.byteLength > this.maxMessageBytes) {
      throw new PayloadTooLargeError(
        `message of ${bytes.byteLength} bytes is over the ${this.maxMessageBytes}-byte limit of API Gateway`,
      );
    }
    return bytes;
  }

  private async call<T>(
    operation: string,
    connectionId: string,
    run: (abortSignal: AbortSignal) => Promise<T>,
    options: CallOptions,
  ): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      const controller = new AbortController();
      const timer = setTimeout(() => {
        controller.abort(new Error(`no answer within ${options.timeoutMs} ms`));
      }, options.timeoutMs);
      let error: unknown;
      try {
        return await run(controller.signal);
      } catch (caught) {
        error = caught;
      } finally {
        clearTimeout(timer);
      }
      const failure = classifyFailure(error, controller.signal.aborted);
      const delay = fullJitterDelay(attempt, this.baseDelayMs, this.maxDelayMs);
      const outOfTime = options.deadline !== undefined && Date.now() + delay >= options.deadline;
      if (!failure.retryable || attempt >= options.retries || outOfTime) {
        throw toWsError(operation, connectionId, failure, attempt + 1, options.timeoutMs, error);
      }
      await sleep(delay);
    }
  }
}

/**
 * Collects the ids a fan-out found gone and deletes them from the store in batches while the
 * fan-out goes on. A store failure is logged, never thrown: the TTL cleans up eventually.
 */
class GoneBatcher {
  private batch: string[] = [];
  private readonly pending: Array<Promise<void>> = [];

  constructor(
    private readonly store: ConnectionStore,
    private readonly logger: Logger | undefined,
  ) {}

  add(connectionId: string): void {
    this.batch.push(connectionId);
    if (this.batch.length >= STORE_BATCH_SIZE) this.deleteBatch();
  }

  async flush(): Promise<void> {
    if (this.batch.length > 0) this.deleteBatch();
    await Promise.all(this.pending);
  }

  private deleteBatch(): void {
    const ids = this.batch;
    this.batch = [];
    this.pending.push(
      this.store.deleteMany(ids).catch((error: unknown) => {
        this.logger?.warn('could not delete gone connections from the store', {
          error,
          count: ids.length,
        });
      }),
    );
  }
}

function toDate(value: Date | string | number): Date {
  return value instanceof Date ? value : new Date(value);
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new TypeError(`ManagementClient: ${name} must be a positive number, got ${value}`);
  }
  return value;
}

function atLeastZero(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) {
    throw new TypeError(`ManagementClient: ${name} must be zero or more, got ${value}`);
  }
  return value;
}
