import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { TokenBucketSpec } from '../connections/connection-store';
import { TokenBucketRule } from '../connections/token-bucket-rule';
import { MAX_MESSAGE_BYTES } from '../events/api-gateway-limits';
import { connectionsWire } from '../events/connections-wire';
import { DEFAULT_SOURCE_IP, DEFAULT_USER_AGENT } from './request-context-builder';

/**
 * How the recorder answers one `@connections` request, as API Gateway would:
 * - `ok`: POST 200 (recorded in `posts`), GET 200 with the connection's info, DELETE 204;
 * - `gone`: 410 `GoneException` (the connection closed, or is still in `$connect`);
 * - `gone-without-type`: 410 with no `x-amzn-ErrorType` header; the SDK then names the error
 *   `Unknown`, so clients must look at the HTTP status too;
 * - `forbidden`: 403 `ForbiddenException` (IAM, or a wrong stage/API);
 * - `payload-too-large`: 413 `PayloadTooLargeException`;
 * - `limit-exceeded`: 429 `LimitExceededException` (throttled, or the client's buffer is full);
 * - `server-error`: 500;
 * - `hang`: never answers (the SDK has no default timeout: this is what a stuck call looks like);
 * - an object: any status, error type and message, optionally after `delayMs`.
 */
export type RecorderAnswer =
  | 'ok'
  | 'gone'
  | 'gone-without-type'
  | 'forbidden'
  | 'payload-too-large'
  | 'limit-exceeded'
  | 'server-error'
  | 'hang'
  | { status: number; errorType?: string; message?: string; delayMs?: number };

/** One answer for every request, or a sequence (one per request; the last one then repeats). */
export type RecorderBehaviour = RecorderAnswer | readonly RecorderAnswer[];

/** A message delivered by a POST answered 200. */
export interface RecordedPost {
  connectionId: string;
  stage: string;
  /** The exact bytes posted. */
  body: Buffer;
  /** `body` as UTF-8. */
  text: string;
  at: Date;
}

/** Any request the recorder received, whatever it answered. */
export interface RecordedRequest {
  method: string;
  connectionId: string;
  stage: string;
  /** Request headers (lower-case names), e.g. the SigV4 `authorization` the SDK sent. */
  headers: IncomingHttpHeaders;
  /** The bytes sent; empty for a POST over the payload limit (drained, not kept). */
  body: Buffer;
  /** The status answered; 0 while unanswered (`hang`, or still delayed). */
  status: number;
  at: Date;
}

export interface ConnectionsRecorderOptions {
  /** Latency added to every answer, in ms (to make concurrency observable). Default 0. */
  latencyMs?: number;
  /** POST bodies over this answer 413, as AWS does. Default 128 KB. */
  maxPayloadBytes?: number;
  /** `identity` in GetConnection answers. */
  identity?: { sourceIp: string; userAgent: string };
  /**
   * The account's request budget, as a token bucket over every request: beyond it, requests
   * of connections without a script answer 429 `LimitExceededException` (a throttling storm).
   */
  rateLimit?: TokenBucketSpec;
}

interface ResolvedAnswer {
  status: number;
  errorType?: string;
  message?: string;
  delayMs: number;
}

interface PostWaiter {
  count: number;
  resolve: (posts: RecordedPost[]) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

const NAMED_ANSWERS: Record<
  Exclude<RecorderAnswer, object | 'hang'>,
  Omit<ResolvedAnswer, 'delayMs'>
> = {
  ok: { status: 200 },
  gone: { status: 410, errorType: 'GoneException', message: 'Connection is gone' },
  'gone-without-type': { status: 410, message: 'Gone' },
  forbidden: { status: 403, errorType: 'ForbiddenException', message: 'Forbidden' },
  'payload-too-large': {
    status: 413,
    errorType: 'PayloadTooLargeException',
    message: 'Message too long',
  },
  'limit-exceeded': {
    status: 429,
    errorType: 'LimitExceededException',
    message: 'Rate exceeded',
  },
  'server-error': { status: 500, message: 'Internal server error' },
};

const METHODS: ReadonlySet<string> = new Set(['POST', 'GET', 'DELETE']);

/**
 * A real HTTP server on 127.0.0.1 that speaks API Gateway's `@connections` API, for tests of code
 * that sends through the AWS SDK: point the management endpoint at `endpoint` and read `posts`.
 * Every connection id is open unless told otherwise (`gone`, `script`); a DELETE closes it.
 *
 * @example
 * const recorder = new ConnectionsRecorder();
 * const { endpoint } = await recorder.start();
 * process.env.LIFT_WS_MANAGEMENT_ENDPOINT = endpoint;
 * recorder.gone('Q29ubjAwMDAwMDE=');
 * await handler(messageEvent({ body: { action: 'sendMessage', text: 'hi' } }), lambdaContext());
 * expect(recorder.posts.map((p) => JSON.parse(p.text))).toContainEqual({ type: 'echo', text: 'hi' });
 * await recorder.close();
 */
export class ConnectionsRecorder {
  /** Messages delivered (POSTs answered 200), in arrival order. */
  readonly posts: RecordedPost[] = [];
  /** Every request received, answered or not. */
  readonly requests: RecordedRequest[] = [];

  private readonly options: ConnectionsRecorderOptions;
  private server: Server | undefined;
  private endpointUrl: string | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly scripts = new Map<
    string,
    { answers: readonly RecorderAnswer[]; next: number }
  >();
  private readonly closed = new Set<string>();
  private readonly connectedAt = new Map<string, Date>();
  private readonly lastActiveAt = new Map<string, Date>();
  private readonly waiters = new Set<PostWaiter>();
  private inFlightNow = 0;
  private inFlightMax = 0;
  private readonly rateRule: TokenBucketRule | undefined;
  /** The rate limit's GCRA `tat` in epoch µs (see TokenBucketRule). */
  private rateTatUs = 0;

  constructor(options: ConnectionsRecorderOptions = {}) {
    this.options = options;
    this.rateRule = options.rateLimit && new TokenBucketRule(options.rateLimit);
  }

  /** Listens on 127.0.0.1, on a free port. The endpoint includes the stage (default `prod`). */
  async start(stage = 'prod'): Promise<{ endpoint: string; port: number }> {
    if (this.server) throw new Error('ConnectionsRecorder: already started');
    const server = createServer((req, res) => this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    this.endpointUrl = `http://127.0.0.1:${port}/${stage}`;
    return { endpoint: this.endpointUrl, port };
  }

  /** `http://127.0.0.1:{port}/{stage}`; throws before `start()`. */
  get endpoint(): string {
    if (!this.endpointUrl) throw new Error('ConnectionsRecorder: call start() first');
    return this.endpointUrl;
  }

  /** Requests being answered right now. */
  get inFlight(): number {
    return this.inFlightNow;
  }

  /** The most requests ever in flight at once (since start or `reset`). */
  get maxInFlight(): number {
    return this.inFlightMax;
  }

  /** Messages delivered to one connection. */
  postsTo(connectionId: string): RecordedPost[] {
    return this.posts.filter((post) => post.connectionId === connectionId);
  }

  /** Resolves with `posts` once at least `count` were delivered; rejects after `timeoutMs`. */
  waitForPosts(count: number, timeoutMs = 2000): Promise<RecordedPost[]> {
    if (this.posts.length >= count) return Promise.resolve(this.posts);
    return new Promise((resolve, reject) => {
      const waiter: PostWaiter = {
        count,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(
            new Error(
              `ConnectionsRecorder: expected ${count} posts within ${timeoutMs} ms, got ${this.posts.length}`,
            ),
          );
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Decides how requests for one connection are answered (replaces an earlier script). */
  script(connectionId: string, behaviour: RecorderBehaviour): this {
    const answers: readonly RecorderAnswer[] = Array.isArray(behaviour) ? behaviour : [behaviour];
    if (answers.length === 0) throw new Error('ConnectionsRecorder.script: empty sequence');
    this.scripts.set(connectionId, { answers, next: 0 });
    return this;
  }

  /** Marks connections closed: every request for them answers 410 GoneException. */
  gone(...connectionIds: string[]): this {
    for (const id of connectionIds) this.closed.add(id);
    return this;
  }

  /** Forgets posts, requests, scripts, closed connections and the in-flight maximum. */
  reset(): void {
    this.posts.length = 0;
    this.requests.length = 0;
    this.scripts.clear();
    this.closed.clear();
    this.connectedAt.clear();
    this.lastActiveAt.clear();
    this.inFlightMax = this.inFlightNow;
  }

  /** Stops the server, dropping open sockets (hung requests included) and pending waits. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error('ConnectionsRecorder: closed while waiting for posts'));
    }
    this.waiters.clear();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await stopped;
  }

  // ---- serving -------------------------------------------------------------------------------

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.inFlightNow += 1;
    this.inFlightMax = Math.max(this.inFlightMax, this.inFlightNow);
    res.once('close', () => {
      this.inFlightNow -= 1;
    });
    const limit = this.options.maxPayloadBytes ?? MAX_MESSAGE_BYTES;
    connectionsWire.readBody(req, limit).then(
      (body) => this.answer(req, res, body.tooLarge ? undefined : body.data),
      () => res.destroy(),
    );
  }

  /** `body` is undefined for a POST over the payload limit. */
  private answer(req: IncomingMessage, res: ServerResponse, body: Buffer | undefined): void {
    const target = connectionsWire.parsePath(req.url);
    const method = req.method ?? 'GET';
    if (!target || !METHODS.has(method)) {
      this.sendError(res, 404, undefined, `expected POST|GET|DELETE /{stage}/@connections/{id}`);
      return;
    }
    const stage = target.stage ?? '';
    const { connectionId } = target;
    if (connectionId === undefined) {
      this.sendError(res, 400, 'BadRequestException', 'Invalid connection id');
      return;
    }
    const record: RecordedRequest = {
      method,
      connectionId,
      stage,
      headers: req.headers,
      body: body ?? Buffer.alloc(0),
      status: 0,
      at: new Date(),
    };
    this.requests.push(record);
    const answer = this.nextAnswer(connectionId, method, body === undefined);
    if (answer === 'hang') return;
    const respond = (): void => {
      record.status = this.respond(
        res,
        method,
        connectionId,
        stage,
        record.body,
        answer,
        record.at,
      );
    };
    const delayMs = answer.delayMs + (this.options.latencyMs ?? 0);
    if (delayMs <= 0) {
      respond();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      respond();
    }, delayMs);
    this.timers.add(timer);
  }

  private nextAnswer(
    connectionId: string,
    method: string,
    tooLarge: boolean,
  ): ResolvedAnswer | 'hang' {
    const script = this.scripts.get(connectionId);
    let answer: RecorderAnswer = 'ok';
    if (script) {
      answer = script.answers[Math.min(script.next, script.answers.length - 1)];
      script.next += 1;
    } else if (this.throttled()) {
      answer = 'limit-exceeded';
    } else if (this.closed.has(connectionId)) {
      answer = 'gone';
    } else if (method === 'POST' && tooLarge) {
      answer = 'payload-too-large';
    }
    if (answer === 'hang') return 'hang';
    if (typeof answer === 'string') return { ...NAMED_ANSWERS[answer], delayMs: 0 };
    return { ...answer, delayMs: answer.delayMs ?? 0 };
  }

  /** Takes one token of `rateLimit`; true when there is none left. */
  private throttled(): boolean {
    const rule = this.rateRule;
    if (!rule) return false;
    const nowUs = TokenBucketRule.toMicros(Date.now());
    const tat = Math.max(this.rateTatUs, nowUs);
    if (tat > rule.latestTatAllowing(nowUs)) return true;
    this.rateTatUs = tat + rule.costUs;
    return false;
  }

  private respond(
    res: ServerResponse,
    method: string,
    connectionId: string,
    stage: string,
    body: Buffer,
    answer: ResolvedAnswer,
    at: Date,
  ): number {
    if (answer.status >= 300) {
      this.sendError(res, answer.status, answer.errorType, answer.message ?? 'Error');
      return answer.status;
    }
    if (!this.connectedAt.has(connectionId)) this.connectedAt.set(connectionId, at);
    if (method === 'DELETE') {
      // After DeleteConnection the connection is gone, as in AWS.
      this.closed.add(connectionId);
      this.scripts.delete(connectionId);
      return connectionsWire.sendEmpty(res, 204, this.nextRequestId());
    }
    if (method === 'GET') {
      const connectedAt = this.connectedAt.get(connectionId) ?? at;
      const info = connectionsWire.connectionInfo({
        connectedAt,
        identity: this.options.identity ?? {
          sourceIp: DEFAULT_SOURCE_IP,
          userAgent: DEFAULT_USER_AGENT,
        },
        lastActiveAt: this.lastActiveAt.get(connectionId) ?? connectedAt,
      });
      return connectionsWire.sendJson(res, 200, info, this.nextRequestId());
    }
    this.lastActiveAt.set(connectionId, at);
    this.posts.push({ connectionId, stage, body, text: body.toString('utf8'), at });
    connectionsWire.sendEmpty(res, 200, this.nextRequestId());
    this.notifyWaiters();
    return 200;
  }

  private notifyWaiters(): void {
    for (const waiter of this.waiters) {
      if (this.posts.length >= waiter.count) {
        clearTimeout(waiter.timer);
        this.waiters.delete(waiter);
        waiter.resolve(this.posts);
      }
    }
  }

  private sendError(
    res: ServerResponse,
    status: number,
    errorType: string | undefined,
    message: string,
  ): void {
    connectionsWire.sendError(res, status, errorType, message, this.nextRequestId());
  }

  private nextRequestId(): string {
    return `rec-${this.requests.length}`;
  }
}
