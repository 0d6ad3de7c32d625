import { createServer, STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { errorMessage } from '../errors/error-message';
import { inProcessEndpoints } from '../management/in-process-endpoints';
import type { Logger } from '../logging/logger';
import { AuthorizerFlow } from './authorizer-flow';
import { ConnectFlow, connectRefusal, type ConnectVerdict, type Handshake } from './connect-flow';
import { ConnectionsApi } from './connections-api';
import { DisconnectFlow } from './disconnect-flow';
import { GatewayEnvironment } from './gateway-environment';
import { GatewayEventFactory } from './gateway-event-factory';
import { GatewayHttp } from './gateway-http';
import {
  checkFunctions,
  hostForUrls,
  resolveSettings,
  type GatewaySettings,
} from './gateway-settings';
import { LambdaInvoker } from './lambda-invoker';
import { LocalConnection } from './local-connection';
import { LocalFanout, type LocalFanoutWorker } from './local-fanout';
import type { LocalAuthorizer, LocalGatewayOptions, LocalHandler } from './local-gateway-options';
import { MessageRouter } from './message-router';

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
 *
 * This file wires the parts and owns the sockets; each concept has its own file: settings
 * (`gateway-settings`), the authorizer and `$connect` flow (`authorizer-flow`, `connect-flow`),
 * message routing (`message-router`), `$disconnect` (`disconnect-flow`), the HTTP and
 * `@connections` side (`gateway-http`, `connections-api`, `connections-wire`).
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
  /** With `fanoutWorker`: the local queue (its URL, the SQS endpoint, the DLQ, `idle()`). */
  readonly fanout: LocalFanout | undefined;

  readonly #settings: GatewaySettings;
  readonly #logger: Logger;
  readonly #server: Server;
  readonly #wss: WebSocketServer;
  readonly #factory: GatewayEventFactory;
  readonly #invoker: LambdaInvoker;
  readonly #environment: GatewayEnvironment;
  readonly #connectFlow: ConnectFlow;
  readonly #messageRouter: MessageRouter;
  readonly #disconnectFlow: DisconnectFlow;
  readonly #open = new Map<string, LocalConnection>();
  readonly #handshakes = new WeakMap<IncomingMessage, Handshake>();
  readonly #sockets = new Set<Duplex>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #stopServingInProcess: () => void;
  #closing?: Promise<void>;

  /**
   * Starts a gateway and resolves once it listens.
   *
   * @example
   * const gateway = await LocalGateway.start({ handler, port: 0 });
   * const client = new WebSocket(gateway.wsUrl);
   */
  static async start(options: LocalGatewayOptions): Promise<LocalGateway> {
    const settings = resolveSettings(options);
    const fanout = options.fanoutWorker ? await LocalFanout.start(options.fanoutWorker) : undefined;
    const server = createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(settings.port, settings.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      await fanout?.close();
      throw error;
    }
    return new LocalGateway(settings, server, (server.address() as AddressInfo).port, fanout);
  }

  private constructor(
    settings: GatewaySettings,
    server: Server,
    port: number,
    fanout: LocalFanout | undefined,
  ) {
    this.#settings = settings;
    this.fanout = fanout;
    this.#logger = settings.logger;
    this.#server = server;
    this.port = port;
    this.stage = settings.stage;
    const host = hostForUrls(settings.host);
    this.url = `http://${host}:${port}`;
    this.wsUrl = `ws://${host}:${port}/${settings.stage}`;
    this.managementEndpoint = `${this.url}/${settings.stage}`;
    const { limits } = settings;

    this.#factory = new GatewayEventFactory({
      stage: settings.stage,
      apiId: settings.apiId,
      domainName: `${host}:${port}`,
      port,
      region: settings.region,
      functionName: settings.functionName,
    });
    this.#environment = new GatewayEnvironment(
      this.managementEndpoint,
      settings.region,
      settings.allRoutesTwoWay,
      fanout,
    );
    if (settings.env) this.#environment.apply();
    fanout?.run(settings.env ? () => this.#environment.beforeInvoke() : undefined, (message) =>
      this.#logger.warn(message),
    );
    this.#invoker = new LambdaInvoker({
      timeoutMs: limits.integrationTimeoutMs,
      createContext: (deadline) => this.#factory.lambdaContext(deadline),
      beforeInvoke: settings.env ? () => this.#environment.beforeInvoke() : undefined,
    });
    const invocation = {
      functions: settings.functions,
      factory: this.#factory,
      invoker: this.#invoker,
      logger: this.#logger,
      integrationTimeoutMs: limits.integrationTimeoutMs,
    };
    this.#connectFlow = new ConnectFlow({
      ...invocation,
      authorizerFlow: new AuthorizerFlow({
        ...invocation,
        identitySource: settings.identitySource,
      }),
    });
    this.#messageRouter = new MessageRouter({
      ...invocation,
      routeSelector: settings.routeSelector,
      hasRouteResponse: settings.hasRouteResponse,
    });
    this.#disconnectFlow = new DisconnectFlow({
      ...invocation,
      dropDisconnect: settings.dropDisconnect,
    });
    const connectionsApi = new ConnectionsApi({
      stage: settings.stage,
      maxMessageBytes: limits.maxMessageBytes,
      maxBufferedBytes: limits.maxBufferedBytes,
      findConnection: (connectionId) => this.#open.get(connectionId),
      logger: this.#logger,
    });
    const http = new GatewayHttp({
      stage: settings.stage,
      wsUrl: this.wsUrl,
      http: settings.http,
      logger: this.#logger,
      connectionsApi,
    });
    // Opted in: a handler in this process posts here without HTTP; the copy stands for the
    // request body (the caller may reuse its buffer once the post resolved, ws may still hold it).
    this.#stopServingInProcess =
      settings.connectionsTransport === 'in-process'
        ? inProcessEndpoints.serve(this.managementEndpoint, {
            post: (connectionId, data) => connectionsApi.deliver(connectionId, Buffer.from(data)),
          })
        : () => undefined;

    this.#wss = new WebSocketServer({
      noServer: true,
      // ws closes with 1009 by itself when a message exceeds this, as API Gateway does.
      maxPayload: limits.maxMessageBytes,
      // API Gateway does not negotiate permessage-deflate.
      perMessageDeflate: false,
      clientTracking: false,
      verifyClient: (info, done) => this.#verifyClient(info.req, done),
      // API Gateway never picks a subprotocol itself: the $connect result must echo one in
      // Sec-WebSocket-Protocol, or browsers drop the socket. Same here.
      handleProtocols: (_protocols, req) => this.#handshakes.get(req)?.protocol ?? false,
    });
    this.#wss.on('headers', (headers, req) => {
      const handshake = this.#handshakes.get(req);
      if (handshake) ConnectFlow.addHeaders(headers, handshake);
    });

    server.on('request', (req, res) => void http.handle(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#onUpgrade(req, socket, head),
    );
  }

  /** Ids of the connections open right now. */
  get connections(): string[] {
    return [...this.#open.values()]
      .filter((connection) => connection.isOpen)
      .map((connection) => connection.id);
  }

  /**
   * Swaps the Lambda functions for every later event (a rebuilt handler in `lift-ws dev
   * --watch`); open connections stay open, and invocations already running finish with the
   * function they started with. An omitted function is kept.
   *
   * @example
   * gateway.replaceHandlers({ handler: (await import(`./handler.js?v=${Date.now()}`)).handler });
   */
  replaceHandlers(handlers: {
    handler?: LocalHandler;
    authorizer?: LocalAuthorizer;
    fanoutWorker?: LocalFanoutWorker;
  }): void {
    const given = handlers ?? {};
    checkFunctions('LocalGateway.replaceHandlers', given);
    if (given.fanoutWorker && !this.fanout) {
      throw new TypeError('LocalGateway.replaceHandlers: the gateway has no fanoutWorker');
    }
    const functions = this.#settings.functions;
    if (given.handler) functions.handler = given.handler;
    if (given.authorizer) functions.authorizer = given.authorizer;
    if (given.fanoutWorker) this.fanout?.replaceHandler(given.fanoutWorker);
  }

  /**
   * Closes every connection with 1001 (each gets its `$disconnect`, awaited), waits for running
   * invocations, stops the servers and restores the environment. Safe to call twice.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    // From here on a handshake that finishes its $connect is refused with 503.
    this.#wss.close();
    const closing = [...this.#open.values()];
    for (const connection of closing) connection.close(1001, 'Going away');
    await Promise.all(closing.map((connection) => connection.closed));
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
    // After the handler's last invocation (it may enqueue), before @connections goes away.
    await this.fanout?.close();
    for (const socket of this.#sockets) socket.destroy();
    this.#stopServingInProcess();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    if (this.#settings.env) this.#environment.restore();
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // A client that resets mid-handshake must never take the gateway down.
    socket.on('error', (error) => this.#logger.debug(`handshake socket error: ${error.message}`));
    if (this.#closing) return refuseUpgrade(socket, 503, 'Service Unavailable');
    const raw = req.url ?? '/';
    const query = raw.indexOf('?');
    const path = (query === -1 ? raw : raw.slice(0, query)).replace(/\/+$/, '');
    if (path !== '' && path !== `/${this.stage}`) {
      // AWS answers 403 for a stage the API does not have.
      return refuseUpgrade(socket, 403, 'Forbidden');
    }
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onOpen(ws, req));
  }

  /** ws has checked the handshake; now the authorizer and $connect decide, as on AWS. */
  #verifyClient(
    req: IncomingMessage,
    done: (accept: boolean, code?: number, message?: string, headers?: OutgoingHttpHeaders) => void,
  ): void {
    const decided = this.#connectFlow.run(req).catch((error: unknown): ConnectVerdict => {
      this.#logger.error(`$connect failed inside the gateway: ${errorMessage(error)}`, { error });
      return connectRefusal(500, JSON.stringify({ message: 'Internal server error' }));
    });
    this.#track(
      decided.then((verdict) => {
        if (!verdict.accept) {
          done(false, verdict.statusCode, verdict.body, verdict.headers);
          return;
        }
        this.#handshakes.set(req, verdict.handshake);
        done(true);
        // done(true) upgrades synchronously, and onOpen takes the handshake out. Still there: the
        // client left during $connect, or the gateway is closing. API Gateway then reports the
        // connection as disconnected.
        if (this.#handshakes.delete(req)) {
          return this.#disconnectFlow.run(verdict.handshake.facts, 1006, '');
        }
        return undefined;
      }),
    );
  }

  #onOpen(ws: WebSocket, req: IncomingMessage): void {
    const handshake = this.#handshakes.get(req);
    this.#handshakes.delete(req);
    if (!handshake) {
      ws.terminate();
      return;
    }
    const connection = new LocalConnection(handshake.facts, ws, this.#settings.limits);
    this.#open.set(connection.id, connection);
    ws.on('message', (data, isBinary) => this.#onMessage(connection, data, isBinary));
    ws.on('error', (error) => this.#onSocketError(connection, error));
    ws.on('close', (code, reason) => this.#onClose(connection, code, reason.toString('utf8')));
  }

  #onMessage(connection: LocalConnection, data: RawData, isBinary: boolean): void {
    connection.touch();
    if (isBinary) {
      // API Gateway accepts text frames only.
      this.#logger.warn(`message ${connection.id}: binary frame refused, closing with 1003`);
      connection.close(1003, 'Unsupported data');
      return;
    }
    const body = textOf(data);
    const task = (): Promise<void> => this.#messageRouter.route(connection, body);
    this.#track(this.#settings.messageOrder === 'sequential' ? connection.enqueue(task) : task());
  }

  #onSocketError(connection: LocalConnection, error: Error & { code?: string }): void {
    if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      // ws has already sent close 1009, as API Gateway does for a message over 128 KB.
      connection.closedByGateway ??= { code: 1009, reason: 'Message too big' };
      this.#logger.warn(
        `message ${connection.id}: over ${this.#settings.limits.maxMessageBytes} bytes, closing with 1009`,
      );
      return;
    }
    this.#logger.warn(`connection ${connection.id}: ${error.message}`);
  }

  #onClose(connection: LocalConnection, code: number, reason: string): void {
    connection.dispose();
    this.#open.delete(connection.id);
    const byGateway = connection.closedByGateway;
    this.#track(
      this.#disconnectFlow.run(
        connection.facts,
        byGateway?.code ?? code,
        byGateway?.reason ?? reason,
      ),
    );
  }

  /** Keeps a background task for `close()` to wait on; its failure is logged, never thrown. */
  #track(task: Promise<unknown>): void {
    // One promise per task (a message's, most often): settled, it leaves the set itself.
    const settled: Promise<void> = task.then(
      () => {
        this.#inFlight.delete(settled);
      },
      (error: unknown) => {
        this.#inFlight.delete(settled);
        this.#logger.error(`local gateway task failed: ${errorMessage(error)}`, { error });
      },
    );
    this.#inFlight.add(settled);
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
