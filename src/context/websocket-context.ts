import type { ConnectionRecord, ConnectionStore } from '../connections/connection-store';
import { BadRequestError, GoneError } from '../errors/named-errors';
import { WsError } from '../errors/ws-error';
import type {
  LambdaContext,
  WebSocketEvent,
  WebSocketEventType,
  WebSocketRequestContext,
} from '../events/websocket-event';
import type { Logger } from '../logging/logger';
import type {
  BroadcastOptions,
  BroadcastResult,
  ConnectionInfo,
  ManagementApi,
  MessageData,
} from '../management/management-api';
import { WebSocketResponse } from './websocket-response';


/**
 * What a context needs from the runtime, built once per handler in `bootstrap`.
 * @internal
 */
export interface ContextServices {
  readonly logger: Logger;
  /** The `@connections` client for an event's endpoint (cached per endpoint). */
  management(ctx: WebSocketContext): ManagementApi;
  /** Also forgets the connections a send or fan-out finds gone (passed to the client's fan-out). */
  readonly store?: ConnectionStore;
  /** The bootstrap's fan-out settings, passed on every call (the client is shared per endpoint). */
  readonly broadcast: BroadcastOptions;
  /** Whether to count bytes and messages sent (only the metrics line reads them). */
  readonly countOutbound: boolean;
}

/**
 * What one event sent, for the metrics line.
 * @internal
 */
export interface OutboundStats {
  bytesOut: number;
  messagesOut: number;
  fanoutSent: number;
  fanoutGone: number;
  fanoutFailed: number;
}

const EMPTY: Readonly<Record<string, string | undefined>> = Object.freeze({});
const NOT_PARSED = Symbol('not parsed');
const textEncoder = new TextEncoder();

function byteLength(data: MessageData): number {
  return typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.byteLength;
}

/** Serialises once; undefined (or a function) has no JSON form. */
function toJson(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError('sendJSON: the value has no JSON representation');
  return json;
}

/**
 * Everything a route method gets: the event, who is calling, and the messaging and connection
 * APIs. A fresh context is made for every event.
 *
 * @example
 * @OnMessage('sendMessage')
 * async send(ctx: WebSocketContext) {
 *   const { text } = ctx.body<{ text: string }>();
 *   await ctx.sendJSON({ type: 'echo', text, from: ctx.userId });
 * }
 */
export class WebSocketContext {
  /** The raw event, as Lambda received it. */
  readonly event: WebSocketEvent;
  /** The Lambda context (awsRequestId, getRemainingTimeInMillis...). */
  readonly lambdaContext: LambdaContext;
  readonly connectionId: string;
  readonly routeKey: string;
  readonly eventType: WebSocketEventType;

  /** Verified claims (set by JwtAuth, or from the authorizer context or connection store). */
  claims: Record<string, unknown> | undefined;
  userId: string | undefined;
  tenantId: string | undefined;
  /** The stored connection, when a connection store is configured. */
  connection: ConnectionRecord | undefined;

  /** The action the message was dispatched by (from the body on `$default`, or the route key). */
  action: string | undefined;
  /** @internal The route that handled the event, for metrics (never a client-chosen string). */
  matchedRoute: string | undefined;
  /** @internal Counters for the metrics line. */
  get outbound(): OutboundStats {
    return (this.stats ??= {
      bytesOut: 0,
      messagesOut: 0,
      fanoutSent: 0,
      fanoutGone: 0,
      fanoutFailed: 0,
    });
  }
  private stats: OutboundStats | undefined;

  private readonly services: ContextServices;
  private parsedBody: unknown = NOT_PARSED;
  private decodedBody: string | undefined;
  private childLogger: Logger | undefined;
  private values: Map<string, unknown> | undefined;
  private response: WebSocketResponse | undefined;
  private lowerHeaders: Record<string, string | undefined> | undefined;
  private managementApi: ManagementApi | undefined;

  /** @internal Made by the runtime; the event is already validated. */
  constructor(event: WebSocketEvent, lambdaContext: LambdaContext, services: ContextServices) {
    const rc: WebSocketRequestContext = event.requestContext;
    this.event = event;
    this.lambdaContext = lambdaContext;
    this.services = services;
    this.connectionId = rc.connectionId;
    this.routeKey = rc.routeKey;
    this.eventType = rc.eventType;
  }

  // ---- event facts ---------------------------------------------------------------------------

  get stage(): string {
    return this.event.requestContext.stage;
  }

  get domainName(): string {
    return this.event.requestContext.domainName;
  }

  get apiId(): string {
    return this.event.requestContext.apiId;
  }

  /** API Gateway's request id (the same as extendedRequestId). */
  get requestId(): string {
    return this.event.requestContext.requestId;
  }

  isConnectEvent(): boolean {
    return this.eventType === 'CONNECT';
  }

  isDisconnectEvent(): boolean {
    return this.eventType === 'DISCONNECT';
  }

  isMessageEvent(): boolean {
    return this.eventType === 'MESSAGE';
  }

  /** The `@connections` endpoint the messaging methods use, e.g. `https://{domain}/{stage}`. */
  get managementEndpoint(): string {
    return this.management().endpoint;
  }

  // ---- request data --------------------------------------------------------------------------

  /** The message body as a string (base64-decoded when API Gateway flagged it so). */
  get rawBody(): string {
    if (this.decodedBody === undefined) {
      const body = this.event.body;
      if (typeof body !== 'string') this.decodedBody = '';
      else if (this.event.isBase64Encoded)
        this.decodedBody = Buffer.from(body, 'base64').toString('utf8');
      else this.decodedBody = body;
    }
    return this.decodedBody;
  }

  /**
   * The body parsed as JSON, parsed once and cached.
   * @throws BadRequestError when the body is empty or not JSON.
   */
  body<T = unknown>(): T {
    if (this.parsedBody === NOT_PARSED) {
      const raw = this.rawBody;
      if (raw.length === 0) throw new BadRequestError('the message body is empty; expected JSON');
      try {
        this.parsedBody = JSON.parse(raw) as unknown;
      } catch {
        throw new BadRequestError('the message body is not valid JSON');
      }
    }
    return this.parsedBody as T;
  }

  /** @internal Parse attempt without throwing, shared with `$default` dispatch. */
  tryBody(): unknown {
    if (this.parsedBody !== NOT_PARSED) return this.parsedBody;
    try {
      return this.body();
    } catch {
      return undefined;
    }
  }

  /** A query-string parameter of the `$connect` URL. */
  query(name: string): string | undefined {
    return this.event.queryStringParameters?.[name] ?? undefined;
  }

  /**
   * Reads a request header (case-insensitive), or with a value sets a header on the answer
   * (on `$connect` it goes on the 101 response, e.g. `Sec-WebSocket-Protocol`).
   */
  header(name: string): string | undefined;
  header(name: string, value: string): this;
  header(name: string, value?: string): string | undefined | this {
    if (value !== undefined) {
      this.responseBuilder().header(name, value);
      return this;
    }
    if (!this.lowerHeaders) {
      const headers = this.event.headers ?? EMPTY;
      const lower: Record<string, string | undefined> = Object.create(null) as Record<
        string,
        string | undefined
      >;
      for (const key of Object.keys(headers)) lower[key.toLowerCase()] = headers[key];
      this.lowerHeaders = lower;
    }
    return this.lowerHeaders[name.toLowerCase()];
  }

  // ---- per-event values ----------------------------------------------------------------------

  /** Stores a value for later middleware and the route (Lift's `ctx.Set`). */
  set(key: string, value: unknown): this {
    (this.values ??= new Map()).set(key, value);
    return this;
  }

  get<T = unknown>(key: string): T | undefined {
    return this.values?.get(key) as T | undefined;
  }

  /** A child of the handler's logger carrying connectionId, routeKey and requestId. */
  get logger(): Logger {
    return (this.childLogger ??= this.services.logger.child({
      connectionId: this.connectionId,
      routeKey: this.routeKey,
      requestId: this.requestId,
      awsRequestId: this.lambdaContext.awsRequestId,
    }));
  }

  // ---- the answer ----------------------------------------------------------------------------

  /**
   * Starts an explicit answer. `return ctx.status(401).json({ error: 'no' })`.
   * On `$connect`, a non-2xx status refuses the handshake with that HTTP status.
   */
  status(statusCode: number): WebSocketResponse {
    const response = this.responseBuilder();
    response.statusCode = statusCode;
    return response;
  }

  /** @internal The answer built through status()/header(), if any. */
  get pendingResponse(): WebSocketResponse | undefined {
    return this.response;
  }

  private responseBuilder(): WebSocketResponse {
    return (this.response ??= new WebSocketResponse(200));
  }

  // ---- messaging -----------------------------------------------------------------------------

  /** Sends to the caller's connection. Not possible during `$connect` (it is not open yet). */
  async send(data: MessageData): Promise<void> {
    if (this.eventType === 'CONNECT') {
      throw new GoneError(
        'cannot send during $connect: the connection opens only after $connect returns (AWS answers 410)',
      );
    }
    await this.sendTo(this.connectionId, data);
  }

  /** Sends `JSON.stringify(value)` to the caller. */
  async sendJSON(value: unknown): Promise<void> {
    await this.send(toJson(value));
  }

  /** Sends to any connection of this API. */
  async sendTo(connectionId: string, data: MessageData): Promise<void> {
    try {
      await this.management().post(connectionId, data);
      if (this.services.countOutbound) {
        this.outbound.bytesOut += byteLength(data);
        this.outbound.messagesOut += 1;
      }
    } catch (error) {
      if (error instanceof WsError && error.statusCode === 410) await this.forget(connectionId);
      throw error;
    }
  }

  /**
   * Sends one message to many connections with bounded concurrency.
   * Never throws on a partial failure: see the result's `sent`, `gone` and `failed`.
   */
  async broadcast(
    connectionIds: Iterable<string> | AsyncIterable<string>,
    data: MessageData | object,
    options: BroadcastOptions = {},
  ): Promise<BroadcastResult> {
    const payload: MessageData =
      typeof data === 'string' || data instanceof Uint8Array
        ? data
        : textEncoder.encode(toJson(data));
    // The client deletes gone ids from the store in batches while the fan-out runs.
    const result = await this.management().broadcast(connectionIds, payload, {
      ...this.services.broadcast,
      deadline: this.defaultDeadline(),
      store: this.services.store,
      ...options,
    });
    if (this.services.countOutbound) {
      const stats = this.outbound;
      stats.bytesOut += byteLength(payload) * result.sent;
      stats.messagesOut += result.sent;
      stats.fanoutSent += result.sent;
      stats.fanoutGone += result.gone.length;
      stats.fanoutFailed += result.failed.length;
    }
    return result;
  }

  /** Closes a connection (the caller's by default). A connection already gone counts as done. */
  async disconnect(connectionId: string = this.connectionId): Promise<void> {
    await this.management().delete(connectionId);
  }

  /** GetConnection: connectedAt, lastActiveAt, identity. */
  async getConnectionInfo(connectionId: string = this.connectionId): Promise<ConnectionInfo> {
    return this.management().getConnection(connectionId);
  }

  // ---- rooms, users, tenants (need a connection store) ---------------------------------------

  /** The bootstrap's connection store, if one is configured. */
  get connectionStore(): ConnectionStore | undefined {
    return this.services.store;
  }

  /**
   * Adds the caller's connection to a room. During `$connect` the join waits until the
   * connection is accepted and saved (a refused handshake joins nothing).
   */
  async join(room: string): Promise<void> {
    const store = this.requireStore('join');
    if (this.eventType === 'CONNECT') {
      (this.pendingJoins ??= []).push(room);
      return;
    }
    await store.join(this.connectionId, room);
  }

  /** @internal Rooms joined during `$connect`, applied once the connection is saved. */
  pendingJoins: string[] | undefined;

  async leave(room: string): Promise<void> {
    await this.requireStore('leave').leave(this.connectionId, room);
  }

  /** Sends to every member of a room; `exceptSelf` leaves the caller out. */
  async broadcastToRoom(
    room: string,
    data: MessageData | object,
    options: BroadcastOptions & { exceptSelf?: boolean } = {},
  ): Promise<BroadcastResult> {
    const store = this.requireStore('broadcastToRoom');
    const { exceptSelf, ...rest } = options;
    return this.broadcast(store.roomMembers(room), data, {
      ...rest,
      exclude: exceptSelf ? [this.connectionId] : rest.exclude,
    });
  }

  /** Sends to every connection of a user (all their tabs and devices). */
  async sendToUser(
    userId: string,
    data: MessageData | object,
    options?: BroadcastOptions,
  ): Promise<BroadcastResult> {
    return this.broadcast(this.requireStore('sendToUser').connectionsOfUser(userId), data, options);
  }

  /** Sends to every connection of a tenant. */
  async broadcastToTenant(
    tenantId: string,
    data: MessageData | object,
    options?: BroadcastOptions,
  ): Promise<BroadcastResult> {
    return this.broadcast(
      this.requireStore('broadcastToTenant').connectionsOfTenant(tenantId),
      data,
      options,
    );
  }

  // ---- internals -----------------------------------------------------------------------------

  /**
   * The `@connections` client, resolved once per event: the endpoint lookup reads the
   * environment and the per-endpoint cache, which need not happen again for every send.
   * Payload size limits are the client's to enforce (ManagementApi refuses them before AWS).
   */
  private management(): ManagementApi {
    return (this.managementApi ??= this.services.management(this));
  }

  /** Stop starting sends ~1.5 s before the Lambda times out, leaving time to answer. */
  private defaultDeadline(): number | undefined {
    const remaining = this.lambdaContext.getRemainingTimeInMillis?.();
    return typeof remaining === 'number' && Number.isFinite(remaining)
      ? Date.now() + remaining - 1500
      : undefined;
  }

  /** A send found the connection gone: the store forgets it (a fan-out's client does its own). */
  private async forget(connectionId: string): Promise<void> {
    const store = this.services.store;
    if (!store) return;
    try {
      await store.delete(connectionId);
    } catch (error) {
      this.logger.warn('could not remove a gone connection from the store', { error });
    }
  }

  private requireStore(method: string): ConnectionStore {
    const store = this.services.store;
    if (!store) {
      throw new WsError(
        500,
        'NO_CONNECTION_STORE',
        `ctx.${method}() needs a connection store: bootstrap(controllers, { connections: new MemoryConnectionStore() })`,
        undefined,
        { expose: false },
      );
    }
    return store;
  }
}
