import {
  createServer,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { createLogger } from '../logging/create-logger';
import type { Logger } from '../logging/logger';
import {
  decideOnAuthorizerError,
  decideOnAuthorizerResult,
  type AuthorizerDecision,
} from './authorizer-decision';
import { ConnectionsApi } from './connections-api';
import { GatewayEnvironment } from './gateway-environment';
import {
  GatewayEventFactory,
  type ConnectionFacts,
  type HandshakeRequest,
} from './gateway-event-factory';
import { errorMessage } from '../errors/error-message';
import { gatewayIds } from './gateway-ids';
import { LambdaInvoker, type InvocationOutcome } from './lambda-invoker';
import { LocalConnection } from './local-connection';
import {
  resolveLimits,
  type LocalAuthorizer,
  type LocalGatewayOptions,
  type LocalHandler,
  type LocalHttpHook,
  type ResolvedLimits,
} from './local-gateway-options';
import { readProxyResult } from './proxy-result';
import { RouteSelector } from './route-selector';

/** Options after validation and defaults. */
interface GatewaySettings {
  handler: LocalHandler;
  authorizer?: LocalAuthorizer;
  identitySource: Array<{ kind: 'header' | 'querystring'; name: string }>;
  routeSelector: RouteSelector;
  hasRouteResponse: (routeKey: string) => boolean;
  limits: ResolvedLimits;
  logger: Logger;
  dropDisconnect: (connectionId: string) => boolean;
  env: boolean;
  http?: LocalHttpHook;
  messageOrder: 'concurrent' | 'sequential';
  host: string;
  port: number;
  stage: string;
  apiId: string;
  region: string;
  functionName: string;
}

/** A `$connect` handshake between the handler's answer and the 101. */
interface Handshake {
  facts: ConnectionFacts;
  responseHeaders: Array<[string, string]>;
  protocol?: string;
}

type ConnectVerdict =
  | { accept: true; handshake: Handshake }
  | { accept: false; statusCode: number; body: string; headers: OutgoingHttpHeaders };

// ws writes these on the 101 itself; a handler's copy would corrupt the handshake.
const RESERVED_HANDSHAKE_HEADERS = new Set([
  'connection',
  'upgrade',
  'sec-websocket-accept',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
  'content-length',
  'transfer-encoding',
]);

function resolveSettings(options: LocalGatewayOptions): GatewaySettings {
  if (typeof options?.handler !== 'function') {
    throw new TypeError(
      'startLocalGateway: `handler` must be a function (event, context) => result',
    );
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(
      `startLocalGateway: port must be an integer from 0 to 65535, got ${String(port)}`,
    );
  }
  const stage = options.stage ?? 'local';
  if (!/^[A-Za-z0-9_-]+$/.test(stage)) {
    throw new TypeError(`startLocalGateway: stage "${stage}" must be letters, digits, '-' or '_'`);
  }
  if (options.authorizer !== undefined && typeof options.authorizer !== 'function') {
    throw new TypeError('startLocalGateway: `authorizer` must be a function');
  }
  const identitySource = (options.authorizerIdentitySource ?? []).map((source) => {
    const match = /^route\.request\.(header|querystring)\.(.+)$/.exec(source);
    if (!match) {
      throw new TypeError(
        `startLocalGateway: identity source "${source}" must be route.request.header.<name> ` +
          'or route.request.querystring.<name>',
      );
    }
    return { kind: match[1] as 'header' | 'querystring', name: match[2] };
  });
  const routeResponses = options.routeResponses ?? false;
  const twoWayRoutes = new Set(Array.isArray(routeResponses) ? routeResponses : []);
  const dropDisconnect = options.dropDisconnect ?? false;
  return {
    handler: options.handler,
    authorizer: options.authorizer,
    identitySource,
    routeSelector: new RouteSelector(
      options.routeSelectionExpression ?? '$request.body.action',
      options.routes ?? ['$default'],
    ),
    hasRouteResponse:
      typeof routeResponses === 'boolean'
        ? () => routeResponses
        : (routeKey) => twoWayRoutes.has(routeKey),
    limits: resolveLimits(options.limits),
    logger: options.logger ?? createLogger(),
    dropDisconnect: typeof dropDisconnect === 'function' ? dropDisconnect : () => dropDisconnect,
    env: options.env ?? true,
    http: options.http,
    messageOrder: options.messageOrder ?? 'concurrent',
    host: options.host ?? '127.0.0.1',
    port,
    stage,
    apiId: options.apiId ?? gatewayIds.newApiId(),
    region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    functionName: options.functionName ?? 'lift-ws-local',
  };
}

/** Host part of the gateway's URLs: a wildcard address is reached through localhost. */
function hostForUrls(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const query = raw.indexOf('?');
  return query === -1 ? raw : raw.slice(0, query);
}

function clientIp(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/** Answers an upgrade the gateway will not hand to ws. */
function refuseUpgrade(socket: Duplex, statusCode: number, message: string): void {
  const body = JSON.stringify({ message });
  socket.end(
    `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? ''}\r\n` +
      'Connection: close\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/**
 * A local API Gateway WebSocket API: a real WebSocket server (`ws`) and the real `@connections`
 * HTTP API on one port, invoking one Lambda handler with events shaped like AWS's. Start it with
 * {@link startLocalGateway}.
 */
export class LocalGateway {
  /** `http://host:port`: the HTTP side (`@connections`, the `http` hook). */
  readonly url: string;
  /** `ws://host:port/{stage}`: where clients connect. */
  readonly wsUrl: string;
  /** `http://host:port/{stage}`: the endpoint for `ApiGatewayManagementApiClient`. */
  readonly managementEndpoint: string;
  readonly port: number;
  readonly stage: string;

  private readonly settings: GatewaySettings;
  private readonly logger: Logger;
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly factory: GatewayEventFactory;
  private readonly invoker: LambdaInvoker;
  private readonly environment: GatewayEnvironment;
  private readonly connectionsApi: ConnectionsApi;
  private readonly open = new Map<string, LocalConnection>();
  private readonly handshakes = new WeakMap<IncomingMessage, Handshake>();
  private readonly sockets = new Set<Duplex>();
  private readonly inFlight = new Set<Promise<void>>();
  private closing?: Promise<void>;

  /**
   * Starts a gateway and resolves once it listens.
   *
   * @example
   * const gateway = await LocalGateway.start({ handler, port: 0 });
   * const client = new WebSocket(gateway.wsUrl);
   */
  static async start(options: LocalGatewayOptions): Promise<LocalGateway> {
    const settings = resolveSettings(options);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(settings.port, settings.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new LocalGateway(settings, server, (server.address() as AddressInfo).port);
  }

  private constructor(settings: GatewaySettings, server: Server, port: number) {
    this.settings = settings;
    this.logger = settings.logger;
    this.server = server;
    this.port = port;
    this.stage = settings.stage;
    const host = hostForUrls(settings.host);
    this.url = `http://${host}:${port}`;
    this.wsUrl = `ws://${host}:${port}/${settings.stage}`;
    this.managementEndpoint = `${this.url}/${settings.stage}`;

    this.factory = new GatewayEventFactory({
      stage: settings.stage,
      apiId: settings.apiId,
      domainName: `${host}:${port}`,
      port,
      region: settings.region,
      functionName: settings.functionName,
    });
    this.environment = new GatewayEnvironment(this.managementEndpoint, settings.region);
    if (settings.env) this.environment.apply();
    this.invoker = new LambdaInvoker({
      timeoutMs: settings.limits.integrationTimeoutMs,
      createContext: (deadline) => this.factory.lambdaContext(deadline),
      beforeInvoke: settings.env ? () => this.environment.beforeInvoke() : undefined,
    });
    this.connectionsApi = new ConnectionsApi({
      stage: settings.stage,
      maxMessageBytes: settings.limits.maxMessageBytes,
      maxBufferedBytes: settings.limits.maxBufferedBytes,
      findConnection: (connectionId) => this.open.get(connectionId),
      logger: this.logger,
    });

    this.wss = new WebSocketServer({
      noServer: true,
      // ws closes with 1009 by itself when a message exceeds this, as API Gateway does.
      maxPayload: settings.limits.maxMessageBytes,
      // API Gateway does not negotiate permessage-deflate.
      perMessageDeflate: false,
      clientTracking: false,
      verifyClient: (info, done) => this.verifyClient(info.req, done),
      // API Gateway never picks a subprotocol itself: the $connect result must echo one in
      // Sec-WebSocket-Protocol, or browsers drop the socket. Same here.
      handleProtocols: (_protocols, req) => this.handshakes.get(req)?.protocol ?? false,
    });
    this.wss.on('headers', (headers, req) => this.addHandshakeHeaders(headers, req));

    server.on('request', (req, res) => void this.onHttpRequest(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
  }

  /** Ids of the connections open right now. */
  get connections(): string[] {
    return [...this.open.values()]
      .filter((connection) => connection.isOpen)
      .map((connection) => connection.id);
  }

  /**
   * Closes every connection with 1001 (each gets its `$disconnect`, awaited), waits for running
   * invocations, stops the servers and restores the environment. Safe to call twice.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    // From here on a handshake that finishes its $connect is refused with 503.
    this.wss.close();
    const closing = [...this.open.values()];
    for (const connection of closing) connection.close(1001, 'Going away');
    await Promise.all(closing.map((connection) => connection.closed));
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    if (this.settings.env) this.environment.restore();
  }

  // ---- WebSocket side ---------------------------------------------------------------------

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // A client that resets mid-handshake must never take the gateway down.
    socket.on('error', (error) => this.logger.debug(`handshake socket error: ${error.message}`));
    if (this.closing) return refuseUpgrade(socket, 503, 'Service Unavailable');
    const path = pathOf(req.url).replace(/\/+$/, '');
    if (path !== '' && path !== `/${this.stage}`) {
      // AWS answers 403 for a stage the API does not have.
      return refuseUpgrade(socket, 403, 'Forbidden');
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onOpen(ws, req));
  }

  /** ws has checked the handshake; now the authorizer and $connect decide, as on AWS. */
  private verifyClient(
    req: IncomingMessage,
    done: (accept: boolean, code?: number, message?: string, headers?: OutgoingHttpHeaders) => void,
  ): void {
    const decided = this.runConnect(req).catch((error: unknown): ConnectVerdict => {
      this.logger.error(`$connect failed inside the gateway: ${errorMessage(error)}`, { error });
      return this.refusal(500, JSON.stringify({ message: 'Internal server error' }));
    });
    this.track(
      decided.then((verdict) => {
        if (!verdict.accept) {
          done(false, verdict.statusCode, verdict.body, verdict.headers);
          return;
        }
        this.handshakes.set(req, verdict.handshake);
        done(true);
        // done(true) upgrades synchronously, and onOpen takes the handshake out. Still there: the
        // client left during $connect, or the gateway is closing. API Gateway then reports the
        // connection as disconnected.
        if (this.handshakes.delete(req)) {
          return this.runDisconnect(verdict.handshake.facts, 1006, '');
        }
        return undefined;
      }),
    );
  }

  private async runConnect(req: IncomingMessage): Promise<ConnectVerdict> {
    const userAgent = req.headers['user-agent'];
    const facts: ConnectionFacts = {
      connectionId: gatewayIds.newId(),
      connectedAt: Date.now(),
      sourceIp: clientIp(req),
      ...(userAgent === undefined ? {} : { userAgent }),
    };
    const request = this.factory.handshake(req, facts);

    if (this.settings.authorizer) {
      const decision = await this.authorize(this.settings.authorizer, req, request, facts);
      if (!decision.allow) {
        this.logger.info(
          `$connect ${facts.connectionId} ${decision.statusCode} (${decision.reason})`,
        );
        return this.refusal(decision.statusCode, JSON.stringify({ message: decision.message }));
      }
    }

    const requestId = gatewayIds.newId();
    const event = this.factory.connectEvent(request, facts, requestId, Date.now());
    const outcome = await this.invoker.invoke(this.settings.handler, event);
    const failure = this.failureOf('$connect', facts.connectionId, outcome);
    if (failure) {
      return this.refusal(failure.statusCode, JSON.stringify({ message: failure.message }));
    }

    const result = readProxyResult(outcome.status === 'ok' ? outcome.result : undefined);
    // A handler that returns nothing lets the connection in.
    const statusCode = result.statusCode ?? 200;
    this.logger.info(`$connect ${facts.connectionId} ${statusCode} ${outcome.durationMs}ms`);
    if (!Number.isInteger(statusCode) || statusCode < 200 || statusCode > 599) {
      this.logger.error(
        `$connect ${facts.connectionId}: invalid statusCode ${statusCode} in the handler's result`,
      );
      return this.refusal(502, JSON.stringify({ message: 'Internal server error' }));
    }
    if (statusCode >= 300) {
      const headers: OutgoingHttpHeaders = {};
      for (const [name, value] of result.headers) {
        if (RESERVED_HANDSHAKE_HEADERS.has(name.toLowerCase())) continue;
        headers[name.toLowerCase() === 'content-type' ? 'Content-Type' : name] = value;
      }
      return this.refusal(statusCode, result.body ?? STATUS_CODES[statusCode] ?? '', headers);
    }
    const protocol = result.headers.find(
      ([name]) => name.toLowerCase() === 'sec-websocket-protocol',
    )?.[1];
    return {
      accept: true,
      handshake: {
        facts,
        protocol,
        responseHeaders: result.headers.filter(
          ([name]) => !RESERVED_HANDSHAKE_HEADERS.has(name.toLowerCase()),
        ),
      },
    };
  }

  private refusal(
    statusCode: number,
    body: string,
    headers: OutgoingHttpHeaders = {},
  ): ConnectVerdict {
    return {
      accept: false,
      statusCode,
      body,
      headers: { 'Content-Type': 'application/json', ...headers },
    };
  }

  private async authorize(
    authorizer: LocalAuthorizer,
    req: IncomingMessage,
    request: HandshakeRequest,
    facts: ConnectionFacts,
  ): Promise<AuthorizerDecision> {
    const missing = this.settings.identitySource.find(({ kind, name }) => {
      const value =
        kind === 'header'
          ? req.headers[name.toLowerCase()]
          : request.query?.queryStringParameters[name];
      return value === undefined || value === '';
    });
    if (missing) {
      // API Gateway refuses without invoking the authorizer when an identity source is absent.
      return {
        allow: false,
        statusCode: 401,
        message: 'Unauthorized',
        reason: `identity source ${missing.kind}.${missing.name} missing`,
      };
    }
    const requestId = gatewayIds.newId();
    const event = this.factory.authorizerEvent(request, facts, requestId, Date.now());
    const outcome = await this.invoker.invoke(authorizer, event);
    let decision: AuthorizerDecision;
    if (outcome.status === 'ok')
      decision = decideOnAuthorizerResult(outcome.result, event.methodArn);
    else if (outcome.status === 'error') decision = decideOnAuthorizerError(outcome.error);
    else decision = decideOnAuthorizerError(new Error('authorizer timed out'));
    if (!decision.allow) {
      if (decision.statusCode === 500) {
        const error = outcome.status === 'error' ? outcome.error : undefined;
        this.logger.error(
          `$connect ${facts.connectionId}: ${decision.reason}`,
          error ? { error } : undefined,
        );
      }
      return decision;
    }
    // Values as AWS passes them on: principalId and integrationLatency first, all strings.
    facts.authorizer = Object.assign(
      { principalId: decision.principalId, integrationLatency: String(outcome.durationMs) },
      decision.context,
      { principalId: decision.principalId },
    );
    return decision;
  }

  private addHandshakeHeaders(headers: string[], req: IncomingMessage): void {
    const handshake = this.handshakes.get(req);
    if (!handshake) return;
    for (const [name, value] of handshake.responseHeaders) headers.push(`${name}: ${value}`);
    // Client offered no subprotocol but $connect named one: AWS sends it anyway (and the
    // client then fails the handshake), so the local gateway does too.
    const hasProtocol = headers.some((line) =>
      line.toLowerCase().startsWith('sec-websocket-protocol:'),
    );
    if (handshake.protocol !== undefined && !hasProtocol) {
      headers.push(`Sec-WebSocket-Protocol: ${handshake.protocol}`);
    }
  }

  private onOpen(ws: WebSocket, req: IncomingMessage): void {
    const handshake = this.handshakes.get(req);
    this.handshakes.delete(req);
    if (!handshake) {
      ws.terminate();
      return;
    }
    const connection = new LocalConnection(handshake.facts, ws, this.settings.limits);
    this.open.set(connection.id, connection);
    ws.on('message', (data, isBinary) => this.onMessage(connection, data, isBinary));
    ws.on('error', (error) => this.onSocketError(connection, error));
    ws.on('close', (code, reason) => this.onClose(connection, code, reason.toString('utf8')));
  }

  private onMessage(connection: LocalConnection, data: RawData, isBinary: boolean): void {
    connection.touch();
    if (isBinary) {
      // API Gateway accepts text frames only.
      this.logger.warn(`message ${connection.id}: binary frame refused, closing with 1003`);
      connection.close(1003, 'Unsupported data');
      return;
    }
    const body = textOf(data);
    const task = (): Promise<void> => this.routeMessage(connection, body);
    this.track(this.settings.messageOrder === 'sequential' ? connection.enqueue(task) : task());
  }

  private async routeMessage(connection: LocalConnection, body: string): Promise<void> {
    const decision = this.settings.routeSelector.decide(body);
    const requestId = gatewayIds.newId();
    if (!('routeKey' in decision)) {
      this.logger.info(
        `message ${connection.id} 403 Forbidden (no matching route and no $default)`,
      );
      this.sendGatewayMessage(connection, 'Forbidden', requestId);
      return;
    }
    const { routeKey } = decision;
    const event = this.factory.messageEvent(
      connection.facts,
      routeKey,
      body,
      requestId,
      Date.now(),
    );
    const outcome = await this.invoker.invoke(this.settings.handler, event);
    const failure = this.failureOf(routeKey, connection.id, outcome);
    if (failure) {
      this.sendGatewayMessage(connection, failure.message, requestId);
      return;
    }
    const result = readProxyResult(outcome.status === 'ok' ? outcome.result : undefined);
    this.logger.info(
      `${routeKey} ${connection.id} ${result.statusCode ?? 200} ${outcome.durationMs}ms`,
    );
    // Only a two-way route sends the handler's body back; the status code is never seen.
    if (
      this.settings.hasRouteResponse(routeKey) &&
      result.body !== undefined &&
      result.body !== ''
    ) {
      connection.sendText(result.body);
    }
  }

  /** API Gateway's own frames: `{"message","connectionId","requestId"}`. */
  private sendGatewayMessage(
    connection: LocalConnection,
    message: string,
    requestId: string,
  ): void {
    connection.sendText(JSON.stringify({ message, connectionId: connection.id, requestId }));
  }

  /** A failed or timed-out invocation, logged, with what API Gateway tells the client. */
  private failureOf(
    routeKey: string,
    connectionId: string,
    outcome: InvocationOutcome,
  ): { statusCode: number; message: string } | undefined {
    if (outcome.status === 'error') {
      this.logger.error(
        `${routeKey} ${connectionId} 500 ${outcome.durationMs}ms: the handler threw: ${errorMessage(outcome.error)}`,
        { error: outcome.error },
      );
      return { statusCode: 500, message: 'Internal server error' };
    }
    if (outcome.status === 'timeout') {
      this.logger.error(
        `${routeKey} ${connectionId} 504 ${outcome.durationMs}ms: integration timeout ` +
          `(${this.settings.limits.integrationTimeoutMs}ms)`,
      );
      return { statusCode: 504, message: 'Endpoint request timed out' };
    }
    return undefined;
  }

  private onSocketError(connection: LocalConnection, error: Error & { code?: string }): void {
    if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      // ws has already sent close 1009, as API Gateway does for a message over 128 KB.
      connection.closedByGateway ??= { code: 1009, reason: 'Message too big' };
      this.logger.warn(
        `message ${connection.id}: over ${this.settings.limits.maxMessageBytes} bytes, closing with 1009`,
      );
      return;
    }
    this.logger.warn(`connection ${connection.id}: ${error.message}`);
  }

  private onClose(connection: LocalConnection, code: number, reason: string): void {
    connection.dispose();
    this.open.delete(connection.id);
    const byGateway = connection.closedByGateway;
    this.track(
      this.runDisconnect(connection.facts, byGateway?.code ?? code, byGateway?.reason ?? reason),
    );
  }

  private async runDisconnect(
    facts: ConnectionFacts,
    statusCode: number,
    reason: string,
  ): Promise<void> {
    if (this.settings.dropDisconnect(facts.connectionId)) {
      this.logger.info(
        `$disconnect ${facts.connectionId} dropped (dropDisconnect), close code ${statusCode}`,
      );
      return;
    }
    const event = this.factory.disconnectEvent(
      facts,
      statusCode,
      reason,
      gatewayIds.newId(),
      Date.now(),
    );
    const outcome = await this.invoker.invoke(this.settings.handler, event);
    // API Gateway ignores what $disconnect returns; only failures are worth a line.
    if (!this.failureOf('$disconnect', facts.connectionId, outcome)) {
      this.logger.info(
        `$disconnect ${facts.connectionId} (close ${statusCode}) ${outcome.durationMs}ms`,
      );
    }
  }

  // ---- HTTP side --------------------------------------------------------------------------

  private async onHttpRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = pathOf(req.url);
      const target = ConnectionsApi.target(path);
      if (target) return await this.connectionsApi.handle(req, res, target);
      if (this.settings.http && (await this.settings.http(req, res))) return;
      if (res.headersSent) return;
      const isWebSocketPath = path.replace(/\/+$/, '') === `/${this.stage}`;
      const status = isWebSocketPath ? 426 : 404;
      const body = JSON.stringify({
        message: isWebSocketPath ? `Connect with a WebSocket client to ${this.wsUrl}` : 'Not Found',
      });
      res.writeHead(status, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
      });
      res.end(body);
    } catch (error) {
      this.logger.error(`${req.method ?? '?'} ${pathOf(req.url)} failed: ${errorMessage(error)}`, {
        error,
      });
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ message: 'Internal server error' }));
    }
  }

  /** Keeps a background task for `close()` to wait on; its failure is logged, never thrown. */
  private track(task: Promise<unknown>): void {
    const settled: Promise<void> = task.then(
      () => undefined,
      (error: unknown) => {
        this.logger.error(`local gateway task failed: ${errorMessage(error)}`, { error });
      },
    );
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
  }
}

/**
 * Starts a local API Gateway WebSocket API on one port: clients connect to `wsUrl`, the handler
 * gets AWS-shaped events, and the real `ApiGatewayManagementApiClient` posts to
 * `managementEndpoint` (the handler's environment points there by default).
 *
 * @example
 * import { startLocalGateway } from 'lift-ws/local';
 * import { handler } from './chat';
 *
 * const gateway = await startLocalGateway({ handler, port: 3001, routeResponses: true });
 * console.log(`connect to ${gateway.wsUrl}`);
 * // ...
 * await gateway.close();
 */
export function startLocalGateway(options: LocalGatewayOptions): Promise<LocalGateway> {
  return LocalGateway.start(options);
}
