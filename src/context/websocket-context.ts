import { distributeBroadcast } from '../fanout/distribute-broadcast';
import { validateRooms } from '../connections/connection-record';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { ConnectionRecord, ConnectionStore } from '../connections/connection-store';
import type { ContractAction, ContractEvent } from '../contract/contract-types';
import { parseWithSchema } from '../contract/parse-with-schema';
import { errorMessage } from '../errors/error-message';
import { BadRequestError, GoneError } from '../errors/named-errors';
import { WsError } from '../errors/ws-error';
import { lowerCaseHeaders, type HeaderMap } from '../events/header-map';
import type { LambdaContext, WebSocketEvent, WebSocketEventType } from '../events/websocket-event';
import type { Logger } from '../logging/logger';
import type {
  BroadcastOptions,
  BroadcastResult,
  ConnectionInfo,
  ManagementApi,
  MessageData,
} from '../management/management-api';
import type { ContextServices, OutboundStats } from './context-services';
import { DeadlineCallOptions } from '../concurrency/deadline-call-options';
import { lambdaDeadline } from '../concurrency/lambda-deadline';
import { WebSocketResponse } from './websocket-response';
import { keepShape } from '../engine/keep-shape';
import type { JoinOptions } from './join-options';
import { replayBatches, replayFrames } from '../history/replay-frames';
import { resumeAfterSeq } from '../history/resume-request';
import { roomFrameTypes } from '../history/room-frames';
import { sequencedFrame } from '../history/sequenced-frame';

const NOT_PARSED = Symbol('not parsed');
const NOT_COMPUTED = Symbol('not computed');
const textEncoder = new TextEncoder();

function byteLength(data: MessageData): number {
  return typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.byteLength;
}

/**
 * Room names usually come from the client's message: one the store could not key on is the
 * client's mistake (400), caught before any store call. The store's own rule decides.
 */
function checkRoom(room: unknown, method: string): void {
  try {
    validateRooms([room]);
  } catch (error) {
    throw new BadRequestError(`ctx.${method}(): ${errorMessage(error)}`);
  }
}

/** The body a schema checks: the frame's own fields (`action`, `id`) are the protocol's. */
export function withoutFrameFields(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  if (!('action' in body) && !('id' in body)) return body;
  const { action: _action, id: _id, ...rest } = body as Record<string, unknown>;
  return rest;
}

/** An event's frame, its payload checked against the contract outside production. */
async function eventFrame(event: ContractEvent, payload: unknown): Promise<string> {
  if (checkOutbound) {
    try {
      await parseWithSchema(event.schema, payload);
    } catch (error) {
      // The server broke its own contract: a bug to log in full, not the client's fault.
      throw new WsError(
        500,
        'EVENT_INVALID',
        `ctx.emit(${event.name}): the payload does not match the contract's schema`,
        error instanceof WsError ? error.details : undefined,
        { cause: error, expose: false },
      );
    }
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new TypeError(`ctx.emit(${event.name}): the payload must be an object`);
  }
  return toJson({ type: event.name, ...payload });
}

/** Serialises once; undefined (or a function) has no JSON form. */
function toJson(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError('sendJSON: the value has no JSON representation');
  return json;
}

/**
 * What the runtime reads and writes on a context that users may not: the route it took, the
 * answer being built, joins waiting for `$connect` to be accepted, counters for metrics.
 * Filled in by the class's static block, so the fields stay `#private`.
 * @internal
 */
export interface ContextInternals {
  create(
    event: WebSocketEvent,
    lambdaContext: LambdaContext,
    services: ContextServices,
  ): WebSocketContext;
  /** Records the route selected for the event: its action and its metrics label. */
  route(ctx: WebSocketContext, action: string | undefined, label: string): void;
  /** The metrics label of the selected route, or undefined before selection. */
  routeLabel(ctx: WebSocketContext): string | undefined;
  setConnection(ctx: WebSocketContext, connection: ConnectionRecord | undefined): void;
  /** The parsed body, or undefined when it is empty or not JSON (never throws). */
  tryBody(ctx: WebSocketContext): unknown;
  pendingResponse(ctx: WebSocketContext): WebSocketResponse | undefined;
  pendingJoins(ctx: WebSocketContext): readonly string[] | undefined;
  outbound(ctx: WebSocketContext): OutboundStats | undefined;
  /** True when a post to the caller's own connection failed (no error frame is sent then). */
  ownPostFailed(ctx: WebSocketContext): boolean;
  /** What the route's schema made of the input; `ctx.body()` returns it from then on. */
  setValidatedBody(ctx: WebSocketContext, value: unknown): void;
  /** The correlation id of a request frame (`{"action":..., "id":"7"}`), if it has one. */
  requestFrameId(ctx: WebSocketContext): string | undefined;
  /** The value given to `ctx.reply()`, or NO_REPLY. */
  explicitReply(ctx: WebSocketContext): unknown;
  deadline(ctx: WebSocketContext): number | undefined;
  /** The event's store call options: its deadline, and a signal for it made on first read. */
  callOptions(ctx: WebSocketContext): DeadlineCallOptions;
}

/** @internal */
export const contextInternals = {} as ContextInternals;

/** `ctx.reply()` was not called. @internal */
export const NO_REPLY: unique symbol = Symbol('no reply');

/**
 * Replay posts stay under API Gateway's 32 KB frame size, so no client sees one split; a single
 * larger message goes alone (up to the 128 KB message limit).
 */
const REPLAY_BATCH_BYTES = 32 * 1024;

/** A correlation id is short text (the client counts); anything else is not one. */
const MAX_FRAME_ID_LENGTH = 64;

/** Outbound frames are checked against the contract's schemas in development only. */
const checkOutbound = process.env.NODE_ENV !== 'production';

/**
 * The per-event state most events never touch: a message route that only reads its body and
 * returns sets none of it. Kept out of the context's own fields so that making a context costs
 * a dozen fewer stores on every event; made once, on first use.
 */
interface ContextExtras {
  /** What the route's schema made of the body (NOT_PARSED until a schema ran). */
  validatedBody: unknown;
  /** The value given to `ctx.reply()`, or NO_REPLY. */
  reply: unknown;
  /** A base64 body, decoded. */
  decodedBody: string | undefined;
  headers: HeaderMap | undefined;
  logger: Logger | undefined;
  values: Map<string, unknown> | undefined;
  response: WebSocketResponse | undefined;
  pendingJoins: string[] | undefined;
  outbound: OutboundStats | undefined;
  ownPostFailed: boolean;
  management: ManagementApi | undefined;
  deadline: number | undefined | typeof NOT_COMPUTED;
  callOptions: DeadlineCallOptions | undefined;
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

  /**
   * Verified claims. Set by JwtAuth on `$connect`; on later events taken from the Lambda
   * authorizer's context or the connection store. Middleware may set them.
   */
  claims: Record<string, unknown> | undefined;
  /** From the claims' `sub` (or `userId`); middleware may set it. */
  userId: string | undefined;
  /** From the claims' `tenant_id` (or `tenantId`); middleware may set it. */
  tenantId: string | undefined;

  readonly #services: ContextServices;
  #action: string | undefined;
  #routeLabel: string | undefined;
  #connection: ConnectionRecord | undefined;
  #parsedBody: unknown = NOT_PARSED;
  /** What few events use, made on first use (see ContextExtras). */
  #extra: ContextExtras | undefined;

  /** Made by the runtime for every event; the event is already validated. */
  private constructor(
    event: WebSocketEvent,
    lambdaContext: LambdaContext,
    services: ContextServices,
  ) {
    const rc = event.requestContext;
    this.event = event;
    this.lambdaContext = lambdaContext;
    this.#services = services;
    this.connectionId = rc.connectionId;
    this.routeKey = rc.routeKey;
    this.eventType = rc.eventType;
  }

  static {
    Object.assign(contextInternals, {
      create: (event, lambdaContext, services) =>
        new WebSocketContext(event, lambdaContext, services),
      route: (ctx, action, label) => {
        ctx.#action = action;
        ctx.#routeLabel = label;
      },
      routeLabel: (ctx) => ctx.#routeLabel,
      setConnection: (ctx, connection) => {
        ctx.#connection = connection;
      },
      tryBody: (ctx) => ctx.#tryBody(),
      pendingResponse: (ctx) => ctx.#extra?.response,
      pendingJoins: (ctx) => ctx.#extra?.pendingJoins,
      outbound: (ctx) => ctx.#extra?.outbound,
      ownPostFailed: (ctx) => ctx.#extra?.ownPostFailed === true,
      setValidatedBody: (ctx, value) => {
        ctx.#extras().validatedBody = value;
      },
      requestFrameId: (ctx) => {
        const body = ctx.#tryBody();
        const id = (body as { id?: unknown } | null | undefined)?.id;
        if (typeof id === 'number' && Number.isFinite(id)) return String(id);
        return typeof id === 'string' && id.length > 0 && id.length <= MAX_FRAME_ID_LENGTH
          ? id
          : undefined;
      },
      explicitReply: (ctx) => (ctx.#extra ? ctx.#extra.reply : NO_REPLY),
      deadline: (ctx) => ctx.#eventDeadline(),
      callOptions: (ctx) => ctx.#callOptions(),
    } satisfies ContextInternals);
    // A full GC would otherwise collect the context's map between events (see keepShape): one
    // made like the runtime's, from an event of the same kinds of values.
    keepShape(
      new WebSocketContext(
        {
          requestContext: { connectionId: 'shape', routeKey: '$default', eventType: 'MESSAGE' },
        } as WebSocketEvent,
        { awsRequestId: 'shape' },
        {} as ContextServices,
      ),
    );
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
    return this.#managementApi().endpoint;
  }

  /**
   * The action the event was routed by: the route key API Gateway selected, or on `$default`
   * the action read from the body. Undefined on `$connect`/`$disconnect` and for messages
   * without one.
   */
  get action(): string | undefined {
    return this.#action;
  }

  /** The stored connection (claims, rooms' owner, metadata), when a connection store is configured. */
  get connection(): ConnectionRecord | undefined {
    return this.#connection;
  }

  // ---- request data --------------------------------------------------------------------------

  /** The message body as a string (base64-decoded when API Gateway flagged it so). */
  get rawBody(): string {
    const body = this.event.body;
    if (typeof body !== 'string') return '';
    if (this.event.isBase64Encoded !== true) return body;
    // Decoded once: a base64 body is the rare case.
    const extra = this.#extras();
    return (extra.decodedBody ??= Buffer.from(body, 'base64').toString('utf8'));
  }

  /**
   * The body parsed as JSON, parsed once and cached; on a route with a schema, what the schema
   * made of it. Given a contract action, typed by its body schema (and checked against it if
   * the route did not already).
   * @throws BadRequestError when the body is empty or not JSON; ValidationFailedError (400)
   * when it does not pass the action's schema.
   *
   * @example
   * const { room, text } = ctx.body(chat.actions.sendMessage);
   */
  body<T = unknown>(): T;
  body<A extends ContractAction>(action: A): StandardSchemaV1.InferOutput<A['body']>;
  body(action?: ContractAction): unknown {
    const extra = this.#extra;
    if (extra !== undefined && extra.validatedBody !== NOT_PARSED) return extra.validatedBody;
    const parsed = this.#parse();
    if (action === undefined) return parsed;
    const output = parseWithSchema(action.body, withoutFrameFields(parsed));
    if (output instanceof Promise) {
      throw new TypeError(
        `ctx.body(${action.name}): its schema validates asynchronously; bind the route to it ` +
          'with @OnMessage(contract.actions.' +
          action.name +
          ') so the body is validated before the route runs',
      );
    }
    this.#extras().validatedBody = output;
    return output;
  }

  #parse(): unknown {
    if (this.#parsedBody === NOT_PARSED) {
      const raw = this.rawBody;
      if (raw.length === 0) throw new BadRequestError('the message body is empty; expected JSON');
      try {
        this.#parsedBody = JSON.parse(raw) as unknown;
      } catch {
        throw new BadRequestError('the message body is not valid JSON');
      }
    }
    return this.#parsedBody;
  }

  /** A query-string parameter of the `$connect` URL (undefined unless it is a string). */
  query(name: string): string | undefined {
    const value = (
      this.event.queryStringParameters as Record<string, unknown> | null | undefined
    )?.[name];
    return typeof value === 'string' ? value : undefined;
  }

  /** Reads a request header, case-insensitively (undefined unless it is a string). */
  header(name: string): string | undefined {
    const extra = this.#extras();
    extra.headers ??= lowerCaseHeaders(this.event.headers);
    return extra.headers[name.toLowerCase()];
  }

  /**
   * Sets a header on the answer; on `$connect` it goes on the 101 response (e.g. the
   * `Sec-WebSocket-Protocol` a browser requires to be echoed).
   */
  setHeader(name: string, value: string): this {
    this.#responseBuilder().header(name, value);
    return this;
  }

  // ---- per-event values ----------------------------------------------------------------------

  /** Stores a value for later middleware and the route (Lift's `ctx.Set`). */
  set(key: string, value: unknown): this {
    (this.#extras().values ??= new Map()).set(key, value);
    return this;
  }

  get<T = unknown>(key: string): T | undefined {
    return this.#extra?.values?.get(key) as T | undefined;
  }

  /** A child of the handler's logger carrying connectionId, routeKey and requestId. */
  get logger(): Logger {
    return (this.#extras().logger ??= this.#services.logger.child({
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
    const response = this.#responseBuilder();
    response.statusCode = statusCode;
    return response;
  }

  #responseBuilder(): WebSocketResponse {
    return (this.#extras().response ??= new WebSocketResponse(200));
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

  /**
   * Answers a request frame (`client.request(...)`): the value goes back once the route has
   * finished, as `{"type":"reply","id":...,"body":value}` — posted on a one-way route, as the
   * route's response on a two-way one. A route's return value does the same; `reply` is for a
   * route that returns something else, or for middleware.
   */
  reply(value: unknown): void {
    this.#extras().reply = value;
  }

  /**
   * Sends a contract event to the caller: `{"type": event.name, ...payload}`, the payload as
   * given. Outside production (NODE_ENV) it is first checked against the event's schema; a
   * mismatch is a server bug: a 500 `EVENT_INVALID`, logged with the issues.
   *
   * @example
   * await ctx.emit(chat.events.message, { room, user: ctx.userId, text });
   */
  async emit<E extends ContractEvent>(
    event: E,
    payload: StandardSchemaV1.InferInput<E['schema']>,
  ): Promise<void> {
    await this.send(await eventFrame(event, payload));
  }

  /** Sends a contract event to every member of a room (see `emit` and `broadcastToRoom`). */
  async emitToRoom<E extends ContractEvent>(
    room: string,
    event: E,
    payload: StandardSchemaV1.InferInput<E['schema']>,
    options?: BroadcastOptions & { exceptSelf?: boolean },
  ): Promise<BroadcastResult> {
    return this.broadcastToRoom(room, await eventFrame(event, payload), options);
  }

  /**
   * Sends to any connection of this API. At most once: a post that timed out is not re-sent
   * (it may have been delivered) unless the bootstrap's `broadcast.retryTimeouts` says so.
   */
  async sendTo(connectionId: string, data: MessageData): Promise<void> {
    try {
      await this.#managementApi().post(connectionId, data, { deadline: this.#eventDeadline() });
    } catch (error) {
      if (connectionId === this.connectionId) this.#extras().ownPostFailed = true;
      if (error instanceof WsError && error.statusCode === 410) await this.#forget(connectionId);
      throw error;
    }
    if (this.#services.countOutbound) {
      const stats = this.#stats();
      stats.bytesOut += byteLength(data);
      stats.messagesOut += 1;
    }
  }

  /**
   * Sends one message to many connections with bounded concurrency, within the Lambda's time.
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
    let ids = connectionIds;
    const fanout = this.#services.fanout;
    if (fanout) {
      const exclude = options.exclude === undefined ? undefined : new Set(options.exclude);
      const routed = await distributeBroadcast(fanout, ids, payload, exclude, this.#eventSignal());
      if (!('inline' in routed)) return routed;
      ids = routed.inline;
    }
    // The client removes gone ids from the store in batches while the fan-out runs.
    // Object.assign, not `{ ...defaults, deadline, store, ...options }`: an object literal that
    // spreads and then adds named fields takes ~1-3 µs on Node 20, per broadcast.
    const settings: BroadcastOptions = Object.assign(
      {},
      this.#services.broadcast,
      { deadline: this.#eventDeadline(), store: this.#services.store },
      options,
    );
    const result = await this.#managementApi().broadcast(ids, payload, settings);
    if (this.#services.countOutbound) {
      const stats = this.#stats();
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
    await this.#managementApi().delete(connectionId, { deadline: this.#eventDeadline() });
  }

  /** GetConnection: connectedAt, lastActiveAt, identity. */
  async getConnectionInfo(connectionId: string = this.connectionId): Promise<ConnectionInfo> {
    return this.#managementApi().getConnection(connectionId, { deadline: this.#eventDeadline() });
  }

  // ---- rooms, users, tenants (need a connection store) ---------------------------------------

  /** The bootstrap's connection store, if one is configured. */
  get connectionStore(): ConnectionStore | undefined {
    return this.#services.store;
  }

  /**
   * Adds the caller's connection to a room. During `$connect` the join is saved together with
   * the connection once it is accepted (a refused handshake joins nothing).
   *
   * With room history on (bootstrap's `rooms.history`), a join on a message route then posts
   * the caller what it missed since `afterSeq` (by default the join frame's `resume.afterSeq`),
   * a `resume-gap` for what the history no longer has, and a `room-sync` with the room's
   * latest seq. Membership comes first, so a message sent meanwhile arrives live or is in the
   * history read after it; the client puts them in order by seq.
   */
  async join(room: string, options: JoinOptions = {}): Promise<void> {
    const store = this.#requireStore('join');
    checkRoom(room, 'join');
    if (this.eventType === 'CONNECT') {
      (this.#extras().pendingJoins ??= []).push(room);
      return;
    }
    const retention = this.#services.roomHistory;
    // Read before the join writes anything: a malformed resume is a 400 that changes nothing.
    const afterSeq =
      retention && this.eventType === 'MESSAGE'
        ? (options.afterSeq ?? resumeAfterSeq(this.#tryBody(), room))
        : undefined;
    if (afterSeq !== undefined && (!Number.isSafeInteger(afterSeq) || afterSeq < 0)) {
      throw new BadRequestError('ctx.join(): afterSeq must be a non-negative integer');
    }
    const call = this.#callOptions();
    await store.join(this.connectionId, room, call);
    if (!retention || this.eventType !== 'MESSAGE') return;
    let history = await store.roomHistory!(room, afterSeq, retention, call);
    if (afterSeq !== undefined && afterSeq > history.latestSeq) {
      // The room's counter was lost (a restarted memory store): replay its new sequence whole.
      history = await store.roomHistory!(room, 0, retention, call);
    }
    // One post at a time: posts to one connection arrive in the order they were made.
    const frames = replayFrames(room, afterSeq, history, retention);
    for (const batch of replayBatches(room, frames, REPLAY_BATCH_BYTES)) {
      await this.sendTo(this.connectionId, batch);
    }
  }

  async leave(room: string): Promise<void> {
    checkRoom(room, 'leave');
    await this.#requireStore('leave').leave(this.connectionId, room, this.#callOptions());
  }

  /**
   * Sends to every member of a room; `exceptSelf` leaves the caller out. With room history on,
   * the message first gets the room's next `seq` and is kept (one write each, nothing per
   * member), and goes out with `room` and `seq` in it (see `rooms.history`).
   */
  async broadcastToRoom(
    room: string,
    data: MessageData | object,
    options: BroadcastOptions & { exceptSelf?: boolean } = {},
  ): Promise<BroadcastResult> {
    const store = this.#requireStore('broadcastToRoom');
    checkRoom(room, 'broadcastToRoom');
    const { exceptSelf, ...rest } = options;
    const call = this.#callOptions();
    const retention = this.#services.roomHistory;
    let payload = data;
    let skipped: number | undefined;
    if (retention) {
      const frameWith = sequencedFrame(data, room);
      const seq = await store.nextRoomSeq!(room, call);
      const frame = frameWith(seq);
      await store.putRoomMessage!(room, { seq, frame }, retention, call);
      payload = frame;
      skipped = exceptSelf ? seq : undefined;
    }
    if (exceptSelf) rest.exclude = [this.connectionId];
    const result = await this.broadcast(store.roomMembers(room, call), payload, rest);
    if (skipped !== undefined) await this.#skipSelf(room, skipped);
    return result;
  }

  /** Sends to every connection of a user (all their tabs and devices). */
  async sendToUser(
    userId: string,
    data: MessageData | object,
    options?: BroadcastOptions,
  ): Promise<BroadcastResult> {
    const store = this.#requireStore('sendToUser');
    return this.broadcast(store.connectionsOfUser(userId, this.#callOptions()), data, options);
  }

  /** Sends to every connection of a tenant. */
  async broadcastToTenant(
    tenantId: string,
    data: MessageData | object,
    options?: BroadcastOptions,
  ): Promise<BroadcastResult> {
    const store = this.#requireStore('broadcastToTenant');
    return this.broadcast(store.connectionsOfTenant(tenantId, this.#callOptions()), data, options);
  }

  // ---- internals -----------------------------------------------------------------------------

  #extras(): ContextExtras {
    return (this.#extra ??= {
      validatedBody: NOT_PARSED,
      reply: NO_REPLY,
      decodedBody: undefined,
      headers: undefined,
      logger: undefined,
      values: undefined,
      response: undefined,
      pendingJoins: undefined,
      outbound: undefined,
      ownPostFailed: false,
      management: undefined,
      deadline: NOT_COMPUTED,
      callOptions: undefined,
    });
  }

  #tryBody(): unknown {
    if (this.#parsedBody !== NOT_PARSED) return this.#parsedBody;
    try {
      return this.#parse();
    } catch {
      return undefined;
    }
  }

  #stats(): OutboundStats {
    return (this.#extras().outbound ??= {
      bytesOut: 0,
      messagesOut: 0,
      fanoutSent: 0,
      fanoutGone: 0,
      fanoutFailed: 0,
    });
  }

  /**
   * The `@connections` client, resolved once per event: the endpoint lookup reads the
   * environment and the per-endpoint cache, which need not happen again for every send.
   * Payload size limits are the client's to enforce (ManagementApi refuses them before AWS).
   */
  #managementApi(): ManagementApi {
    return (this.#extras().management ??= this.#services.management(this));
  }

  #eventDeadline(): number | undefined {
    const extra = this.#extras();
    if (extra.deadline === NOT_COMPUTED) extra.deadline = lambdaDeadline(this.lambdaContext);
    return extra.deadline;
  }

  #callOptions(): DeadlineCallOptions {
    const extra = this.#extras();
    return (extra.callOptions ??= new DeadlineCallOptions(this.#eventDeadline()));
  }

  #eventSignal(): AbortSignal | undefined {
    return this.#callOptions().signal;
  }

  /** A send found the connection gone: the store forgets it (a fan-out's client does its own). */
  async #forget(connectionId: string): Promise<void> {
    const store = this.#services.store;
    if (!store) return;
    try {
      await store.removeGone([connectionId], this.#callOptions());
    } catch (error) {
      this.logger.warn('could not remove a gone connection from the store', { error });
    }
  }

  /**
   * The caller left out of a sequenced message is told its seq is not for it, or its client
   * would wait for it and resume to fetch it. Best effort: on `$connect`/`$disconnect` there is
   * no open connection to tell, and a failed post only costs that client a resume.
   */
  async #skipSelf(room: string, seq: number): Promise<void> {
    if (this.eventType !== 'MESSAGE') return;
    try {
      await this.sendTo(
        this.connectionId,
        JSON.stringify({ type: roomFrameTypes.skip, room, seq }),
      );
    } catch (error) {
      this.logger.debug('could not tell the sender its seq was skipped', { room, seq, error });
    }
  }

  #requireStore(method: string): ConnectionStore {
    const store = this.#services.store;
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
