import {
  DeleteConnectionCommand,
  GetConnectionCommand,
  PostToConnectionCommand,
  type ApiGatewayManagementApiClient,
  type ApiGatewayManagementApiClientConfig,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { fullJitterDelay } from '../concurrency/backoff';
import { deadlineSignal } from '../concurrency/lambda-deadline';
import { sleep } from '../concurrency/sleep';
import type { ConnectionStore } from '../connections/connection-store';
import { MAX_MESSAGE_BYTES } from '../events/api-gateway-limits';
import { isConnectionId } from '../events/connection-id';
import { BadRequestError, PayloadTooLargeError } from '../errors/named-errors';
import type { Logger } from '../logging/logger';
import { optionNumber } from '../validation/option-number';
import type { AttemptLimits } from './attempt-limits';
import { classifyFailure, toWsError, type AttemptFacts, type CallFailure } from './call-failure';
import { ConnectionsApiError } from './connections-api-error';
import { EndpointPool, lentPool } from './endpoint-pool';
import { fanOut, type SendOutcome } from './fan-out';
import {
  inProcessEndpoints,
  postInProcess,
  type InProcessConnections,
} from './in-process-endpoints';
import type {
  BroadcastOptions,
  BroadcastResult,
  ConnectionInfo,
  ManagementApi,
  MessageData,
  SendOptions,
} from './management-api';
import { sdkAttempt } from './sdk-attempt';
import { signedPayload, signedPost, type SignedPayload } from './signed-post';

/** DynamoDB's BatchWriteItem takes 25 items: the natural batch for removing gone ids. */
const STORE_BATCH_SIZE = 25;

// Lambda allows 1,024 open file descriptors; the rest of the handler needs some. A call asking
// for more sends in flight than this waits for a socket instead (explicit back-pressure).
const MAX_SOCKETS = 512;

// API Gateway's ids are 16 characters; anything far longer is not one, and would only make a
// huge URL (and a huge log line) on its way to a 4xx.

export interface ManagementClientOptions {
  /** `https://{domainName}/{stage}` or a custom/local endpoint, without a trailing slash. */
  endpoint: string;
  /** Default: the execute-api host's region, else AWS_REGION, AWS_DEFAULT_REGION, `us-east-1`. */
  region?: string;
  /** Default: the SDK's provider chain (the Lambda role). */
  credentials?: ApiGatewayManagementApiClientConfig['credentials'];
  /** A ready SDK client: its endpoint, credentials and HTTP handler are then used for every call. */
  client?: ApiGatewayManagementApiClient;
  /** Per-attempt timeout in ms, counted from the moment the request has a socket. Default 5000. */
  timeoutMs?: number;
  /** Retries on 429, 5xx and requests that never left. Default 2. */
  retries?: number;
  /** Also retry posts that timed out after being written (may deliver twice). Default false. */
  retryTimeouts?: boolean;
  /** First backoff ceiling in ms, doubled per retry (full jitter). Default 50. */
  retryBaseDelayMs?: number;
  /** Backoff ceiling in ms. Default 1000. */
  retryMaxDelayMs?: number;
  /** Default fan-out concurrency, and the least sockets the pool keeps. Default 32. */
  concurrency?: number;
  /** Default 128 KB (API Gateway's limit). */
  maxMessageBytes?: number;
  /** Where failures to remove gone connections from a store are reported. */
  logger?: Logger;
}

interface CallSettings {
  readonly timeoutMs: number;
  readonly retries: number;
  readonly retryTimeouts: boolean;
}

/** A bounded call's end: its value, or the last failure and how many attempts were sent. */
type CallResult<T> =
  { ok: true; value: T } | { ok: false; failure: CallFailure; error: unknown; attempts: number };

type Attempt<T> = (limits: AttemptLimits, facts: AttemptFacts) => Promise<T>;

/** A call's deadline: the signal that cuts off waits and attempts on the wire, and its time. */
interface CallBounds {
  deadline: AbortSignal | undefined;
  deadlineMs: number | undefined;
}

/**
 * The `@connections` API of one endpoint, hardened for fan-outs: every attempt waits for a
 * free socket of the endpoint's pool before its timeout starts, the call's deadline cuts off
 * attempts in flight, retries (429, 5xx, requests that never left) draw on a per-endpoint
 * budget, and a post that may have reached AWS is not sent again unless `retryTimeouts` says
 * so. PostToConnection is signed with the SDK's signer and sent on the pool's keep-alive agent;
 * GetConnection and DeleteConnection go through the SDK client.
 *
 * @example
 * const client = new ManagementClient({ endpoint: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod' });
 * await client.post(connectionId, JSON.stringify({ type: 'hello' }), { deadline });
 * const { sent, gone, failed } = await client.broadcast(store.roomMembers('lobby'), 'hi', { deadline });
 */
export class ManagementClient implements ManagementApi {
  readonly endpoint: string;
  readonly #pool: EndpointPool;
  readonly #ownsPool: boolean;
  /** Shared by every call that overrides none of them (most calls). */
  readonly #defaults: CallSettings;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #concurrency: number;
  readonly #maxMessageBytes: number;
  readonly #logger: Logger | undefined;

  constructor(options: ManagementClientOptions) {
    // The client cache lends one pool to every client of an endpoint; otherwise this client
    // makes and owns its own.
    const pool = lentPool(options);
    this.endpoint = options.endpoint;
    this.#defaults = {
      timeoutMs: optionNumber(options.timeoutMs, 5000, 'ManagementClient: timeoutMs'),
      retries: optionNumber(options.retries, 2, 'ManagementClient: retries', {
        min: 0,
        integer: true,
      }),
      retryTimeouts: options.retryTimeouts === true,
    };
    this.#baseDelayMs = optionNumber(
      options.retryBaseDelayMs,
      50,
      'ManagementClient: retryBaseDelayMs',
      { min: 0 },
    );
    this.#maxDelayMs = optionNumber(
      options.retryMaxDelayMs,
      1000,
      'ManagementClient: retryMaxDelayMs',
      { min: 0 },
    );
    this.#concurrency = optionNumber(options.concurrency, 32, 'ManagementClient: concurrency', {
      integer: true,
    });
    this.#maxMessageBytes = optionNumber(
      options.maxMessageBytes,
      MAX_MESSAGE_BYTES,
      'ManagementClient: maxMessageBytes',
      { integer: true },
    );
    this.#logger = options.logger;
    this.#ownsPool = pool === undefined;
    this.#pool =
      pool ??
      new EndpointPool({
        endpoint: options.endpoint,
        region: options.region,
        credentials: options.credentials,
        client: options.client,
        sockets: Math.min(this.#concurrency, MAX_SOCKETS),
      });
    this.#pool.slots.grow(Math.min(this.#concurrency, MAX_SOCKETS));
  }

  /** The SDK client underneath (shared by every client of this endpoint's pool). */
  get sdk(): ApiGatewayManagementApiClient {
    return this.#pool.sdk;
  }

  /**
   * PostToConnection. A payload over the size limit is refused here, before any HTTP call.
   * @throws GoneError (410), PayloadTooLargeError (413), TooManyRequestsError (429 after
   * retries), ForbiddenError (403), BadRequestError (not a connection id), WsError 504
   * (timeouts, deadline) or 502 (anything else).
   */
  async post(connectionId: string, data: MessageData, options?: SendOptions): Promise<void> {
    checkConnectionId(connectionId);
    const inProcess = this.#inProcess();
    const payload = this.#payload(data, inProcess);
    const settings = this.#settings(options);
    const bounds = {
      deadline: inProcess ? undefined : deadlineSignal(options?.deadline),
      deadlineMs: options?.deadline,
    };
    const result = await this.#post(connectionId, payload, settings, bounds, inProcess);
    if (!result.ok) throw this.#error('PostToConnection', connectionId, result, settings);
  }

  /** GetConnection, with its ISO-8601 timestamps as Dates. @throws GoneError when gone. */
  async getConnection(connectionId: string, options?: SendOptions): Promise<ConnectionInfo> {
    checkConnectionId(connectionId);
    const settings = this.#settings(options);
    const command = new GetConnectionCommand({ ConnectionId: connectionId });
    const result = await this.#call(
      (limits, facts) =>
        sdkAttempt(limits, facts, (abortSignal) => this.#pool.sdk.send(command, { abortSignal })),
      settings,
      {
        idempotent: true,
        deadline: deadlineSignal(options?.deadline),
        deadlineMs: options?.deadline,
      },
    );
    if (!result.ok) throw this.#error('GetConnection', connectionId, result, settings);
    const output = result.value;
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
    checkConnectionId(connectionId);
    const settings = this.#settings(options);
    const command = new DeleteConnectionCommand({ ConnectionId: connectionId });
    const result = await this.#call(
      (limits, facts) =>
        sdkAttempt(limits, facts, (abortSignal) => this.#pool.sdk.send(command, { abortSignal })),
      settings,
      {
        idempotent: true,
        deadline: deadlineSignal(options?.deadline),
        deadlineMs: options?.deadline,
      },
    );
    if (!result.ok && !result.failure.gone) {
      throw this.#error('DeleteConnection', connectionId, result, settings);
    }
  }

  /**
   * Sends one message to many connections, at most `concurrency` at once, each attempt with its
   * own timeout, all of them bounded by `deadline`. Ids are de-duplicated and pulled from the
   * source as sends free up. With `store`, gone connections are removed from it in batches
   * while the fan-out runs. Never throws on a partial failure; throws only for a payload over
   * the limit (nothing is sent) or when reading the ids fails (`BROADCAST_SOURCE_FAILED`,
   * partial result in `details.result`).
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
    const inProcess = this.#inProcess();
    const payload = this.#payload(data, inProcess);
    const settings = this.#settings(options);
    const concurrency = optionNumber(
      options.concurrency,
      this.#concurrency,
      'ManagementClient: concurrency',
      { integer: true },
    );
    this.#pool.slots.grow(Math.min(concurrency, MAX_SOCKETS));
    const deadlineMs = options.deadline;
    // In-process posts never wait on a socket or the wire: the deadline is checked before each
    // one, and its timer signal (not free at a thousand fan-outs a second) is made only when a
    // store call needs it.
    const deadline = inProcess ? undefined : deadlineSignal(deadlineMs);
    const bounds = { deadline, deadlineMs };
    let storeSignal = deadline;
    const gone = options.store
      ? new GoneBatcher(
          options.store,
          this.#logger,
          () => (storeSignal ??= deadlineSignal(deadlineMs)),
        )
      : undefined;
    const send = async (connectionId: string): Promise<SendOutcome> => {
      if (!isConnectionId(connectionId)) {
        return { kind: 'failed', error: 'not an API Gateway connection id' };
      }
      const started = Date.now();
      const result = await this.#post(connectionId, payload, settings, bounds, inProcess);
      if (result.ok) return { kind: 'sent', elapsedMs: Date.now() - started };
      const failure = result.failure;
      if (failure.gone) return { kind: 'gone' };
      if (result.attempts === 0) return { kind: 'skipped' };
      return {
        kind: 'failed',
        error: this.#error('PostToConnection', connectionId, result, settings).message,
        // The status AWS answered (undefined for timeouts), not the WsError's 502/504.
        statusCode: failure.statusCode,
      };
    };
    try {
      return await fanOut(connectionIds, send, {
        concurrency,
        deadline: deadlineMs,
        exclude: options.exclude,
        onGone: gone && ((id) => gone.add(id)),
      });
    } finally {
      await gone?.flush();
    }
  }

  /** Closes the keep-alive sockets, when this client made its own pool. */
  destroy(): void {
    if (this.#ownsPool) this.#pool.destroy();
  }

  // ---- internals -----------------------------------------------------------------------------

  #settings(options: SendOptions | undefined): CallSettings {
    if (
      options?.timeoutMs === undefined &&
      options?.retries === undefined &&
      options?.retryTimeouts === undefined
    ) {
      return this.#defaults;
    }
    return {
      timeoutMs: optionNumber(options.timeoutMs, this.#defaults.timeoutMs, 'timeoutMs'),
      retries: optionNumber(options.retries, this.#defaults.retries, 'retries', {
        min: 0,
        integer: true,
      }),
      retryTimeouts: options.retryTimeouts ?? this.#defaults.retryTimeouts,
    };
  }

  /** The local gateway serving this endpoint in this process, if any (the lean path only). */
  #inProcess(): InProcessConnections | undefined {
    // Looked up per call: a local gateway in this process may start or close at any time.
    return this.#pool.target && inProcessEndpoints.find(this.#pool.endpoint);
  }

  #post(
    connectionId: string,
    payload: SignedPayload,
    settings: CallSettings,
    bounds: CallBounds,
    inProcess: InProcessConnections | undefined,
  ): Promise<CallResult<unknown>> {
    const idempotent = settings.retryTimeouts;
    if (inProcess) {
      const attempt: Attempt<unknown> = (_limits, facts) =>
        postInProcess(inProcess, connectionId, payload.bytes, bounds.deadlineMs, facts);
      // No socket is used, so none is waited for.
      // Spelled out, not spread: spreading `bounds` cost ~2.7 µs per post (Node 20), four times
      // the rest of an in-process post.
      return this.#call(attempt, settings, {
        deadline: bounds.deadline,
        deadlineMs: bounds.deadlineMs,
        idempotent,
        socket: false,
      });
    }
    const target = this.#pool.target;
    const attempt: Attempt<unknown> = target
      ? (limits, facts) => signedPost(target, connectionId, payload, limits, facts)
      : (limits, facts) =>
          sdkAttempt(limits, facts, (abortSignal) =>
            this.#pool.sdk.send(
              new PostToConnectionCommand({ ConnectionId: connectionId, Data: payload.bytes }),
              { abortSignal },
            ),
          );
    return this.#call(attempt, settings, {
      deadline: bounds.deadline,
      deadlineMs: bounds.deadlineMs,
      idempotent,
    });
  }

  /**
   * Runs attempts until one succeeds or the failure is final. `idempotent`: a failure that may
   * have reached AWS (timeout, reset) is worth another attempt. `socket: false`: the attempt
   * needs no socket of the pool (an in-process post), so it takes no slot.
   */
  async #call<T>(
    attempt: Attempt<T>,
    settings: CallSettings,
    options: CallBounds & { idempotent: boolean; socket?: boolean },
  ): Promise<CallResult<T>> {
    const { idempotent, deadline, deadlineMs } = options;
    const { budget } = this.#pool;
    const slots = options.socket === false ? undefined : this.#pool.slots;
    const limits: AttemptLimits = { timeoutMs: settings.timeoutMs, deadline };
    let last: { failure: CallFailure; error: unknown } | undefined;
    for (let sent = 0; ;) {
      const held = slots ? slots.acquire(deadline) : true;
      if (held !== true && !(await held)) return notSent(last, sent);
      if (sent === 0) budget.earn();
      const facts: AttemptFacts = { timedOut: false, deadline: false, written: undefined };
      let error: unknown;
      try {
        return { ok: true, value: await attempt(limits, facts) };
      } catch (caught) {
        error = caught;
      } finally {
        slots?.release();
      }
      const failure = classifyFailure(error, facts);
      // A request cut off before it was written was not an attempt AWS saw.
      if (!(failure.deadline && failure.neverSent)) sent += 1;
      last = { failure, error };
      const worthRetrying =
        !failure.gone &&
        !failure.deadline &&
        (failure.refused || failure.neverSent || (failure.ambiguous && idempotent));
      if (!worthRetrying || sent > settings.retries) return { ok: false, ...last, attempts: sent };
      const delay = fullJitterDelay(sent - 1, this.#baseDelayMs, this.#maxDelayMs);
      if (deadlineMs !== undefined && Date.now() + delay >= deadlineMs) {
        return { ok: false, ...last, attempts: sent };
      }
      if (!budget.spend()) return { ok: false, ...last, attempts: sent };
      await sleep(delay, deadline);
      if (deadline?.aborted || (deadlineMs !== undefined && Date.now() >= deadlineMs)) {
        return { ok: false, ...last, attempts: sent };
      }
    }
  }

  #error(
    operation: string,
    connectionId: string,
    result: { failure: CallFailure; error: unknown; attempts: number },
    settings: CallSettings,
  ): Error {
    return toWsError(
      operation,
      connectionId,
      result.failure,
      result.attempts,
      settings.timeoutMs,
      result.error,
    );
  }

  /** Converted (and hashed) once per call: a fan-out shares both between all its recipients. */
  #payload(data: MessageData, inProcess: InProcessConnections | undefined): SignedPayload {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (!(bytes instanceof Uint8Array)) {
      throw new BadRequestError('a message is a string or a Uint8Array');
    }
    if (bytes.byteLength > this.#maxMessageBytes) {
      throw new PayloadTooLargeError(
        `message of ${bytes.byteLength} bytes is over the ${this.#maxMessageBytes}-byte limit of API Gateway`,
      );
    }
    // The SDK path hashes on its own; only the lean path's signer takes the precomputed hash,
    // and an in-process post is not signed at all.
    return this.#pool.target && !inProcess ? signedPayload(bytes) : { bytes };
  }
}

/** The failure of a call whose next attempt could not get a socket before the deadline. */
function notSent(
  last: { failure: CallFailure; error: unknown } | undefined,
  sent: number,
): CallResult<never> {
  if (last) return { ok: false, ...last, attempts: sent };
  const error = new ConnectionsApiError(
    'AbortError',
    'the deadline passed while waiting for a free socket',
  );
  const failure = classifyFailure(error, { timedOut: false, deadline: true, written: false });
  return { ok: false, failure, error, attempts: 0 };
}

function checkConnectionId(connectionId: unknown): void {
  if (!isConnectionId(connectionId)) {
    throw new BadRequestError('not an API Gateway connection id');
  }
}

/**
 * Collects the ids a fan-out found gone and removes them from the store in batches while the
 * fan-out goes on. `removeGone` keeps connections still inside their `$connect` grace period.
 * A store failure is logged, never thrown: the TTL cleans up eventually.
 */
class GoneBatcher {
  #batch: string[] = [];
  readonly #pending: Array<Promise<void>> = [];

  constructor(
    private readonly store: ConnectionStore,
    private readonly logger: Logger | undefined,
    /** Made on the first removal: most fan-outs find nobody gone. */
    private readonly signal: () => AbortSignal | undefined,
  ) {}

  add(connectionId: string): void {
    this.#batch.push(connectionId);
    if (this.#batch.length >= STORE_BATCH_SIZE) this.#removeBatch();
  }

  async flush(): Promise<void> {
    if (this.#batch.length > 0) this.#removeBatch();
    await Promise.all(this.#pending);
  }

  #removeBatch(): void {
    const ids = this.#batch;
    this.#batch = [];
    // A store that throws instead of rejecting is caught the same way.
    const removal = Promise.resolve().then(() =>
      this.store.removeGone(ids, { signal: this.signal() }),
    );
    this.#pending.push(
      removal.catch((error: unknown) => {
        this.logger?.warn('could not remove gone connections from the store', {
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
