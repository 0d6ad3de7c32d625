/**
 * Shared pieces for the local gateway's integration tests: a recording logger (from
 * tests/support), a recording handler, a `ws` client that queues what it receives, gateways
 * and clients closed after each test, and the key sets of the captured AWS events.
 */
import type { IncomingHttpHeaders } from 'node:http';
import WebSocket, { type ClientOptions } from 'ws';
import type { LambdaContext, WebSocketEvent } from '../../src/events/websocket-event';
import { startLocalGateway, type LocalGateway, type LocalGatewayOptions } from '../../src/local';
import { recordingLogger } from '../support/recording-logger';

export { recordingLogger, type LoggedLine } from '../support/recording-logger';
export { AWS_EVENT_KEYS } from '../support/aws-event-keys';

import { eventually } from '../support/eventually';
export { eventually };

export type Respond = (event: WebSocketEvent, context: LambdaContext) => unknown;

/** A handler that records every event and context, answering through `respond`. */
export function recordingHandler(respond: Respond = () => ({ statusCode: 200 })) {
  const events: WebSocketEvent[] = [];
  const contexts: LambdaContext[] = [];
  const handler = (event: WebSocketEvent, context: LambdaContext): Promise<unknown> => {
    events.push(event);
    contexts.push(context);
    return Promise.resolve(respond(event, context));
  };
  const ofRoute = (routeKey: string): WebSocketEvent[] =>
    events.filter((event) => event.requestContext.routeKey === routeKey);
  return {
    handler,
    events,
    contexts,
    ofRoute,
    /** Waits for the n-th (1-based) event of a route. */
    waitFor: (routeKey: string, count = 1): Promise<WebSocketEvent> =>
      eventually(() => ofRoute(routeKey)[count - 1]),
  };
}

export interface CloseInfo {
  code: number;
  reason: string;
}

/** A `ws` client that queues incoming text frames. */
export class TestClient {
  readonly closed: Promise<CloseInfo>;
  private readonly queue: string[] = [];
  private readonly waiters: Array<(message: string) => void> = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      const waiter = this.waiters.shift();
      if (waiter) waiter(text);
      else this.queue.push(text);
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') }));
    });
  }

  static open(
    url: string,
    protocols?: string | string[],
    options?: ClientOptions,
  ): Promise<TestClient> {
    const socket = new WebSocket(url, protocols, options);
    const client = new TestClient(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => {
        res.resume();
        reject(new Error(`handshake refused with ${res.statusCode ?? '?'}`));
      });
    });
  }

  /** The next text frame, or a rejection after `timeoutMs`. */
  next(timeoutMs = 3000): Promise<string> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index !== -1) this.waiters.splice(index, 1);
        reject(new Error('no message in time'));
      }, timeoutMs);
      const waiter = (message: string): void => {
        clearTimeout(timer);
        resolve(message);
      };
      this.waiters.push(waiter);
    });
  }

  async nextJson<T = Record<string, unknown>>(timeoutMs?: number): Promise<T> {
    return JSON.parse(await this.next(timeoutMs)) as T;
  }

  /**
   * Frames that arrived and were not read. Once the gateway is closed (it waits for every
   * running invocation) and `closed` has resolved, these are all the frames there will be.
   */
  unread(): string[] {
    return [...this.queue];
  }

  send(data: string | Buffer, options: { binary?: boolean } = {}): void {
    this.socket.send(data, { binary: options.binary ?? false });
  }

  sendJson(value: unknown): void {
    this.send(JSON.stringify(value));
  }

  async close(code?: number, reason?: string): Promise<CloseInfo> {
    if (
      this.socket.readyState === WebSocket.CONNECTING ||
      this.socket.readyState === WebSocket.OPEN
    ) {
      this.socket.close(code, reason);
    }
    return this.closed;
  }
}

export interface Refusal {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Connects expecting the handshake to be refused; resolves with the HTTP answer. */
export function expectRefused(url: string, protocols?: string | string[]): Promise<Refusal> {
  const socket = new WebSocket(url, protocols);
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      socket.terminate();
      reject(new Error('handshake unexpectedly accepted'));
    });
    socket.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        socket.terminate();
        resolve({
          statusCode: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        });
      });
    });
    socket.once('error', () => undefined);
  });
}

/** Sorted own keys, to compare an event's field set with a captured AWS event. */
export function keysOf(value: unknown): string[] {
  return Object.keys(value as object).sort();
}

/**
 * Starts gateways (with a quiet logger unless given one) and opens clients for the tests of
 * one `describe`; all of them are closed after each test.
 */
export function gatewaysClosedAfterEach() {
  const gateways: LocalGateway[] = [];
  const clients: TestClient[] = [];

  /** Closes the clients opened so far, e.g. to have their `$disconnect`s mid-test. */
  const closeClients = async (): Promise<void> => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  };

  afterEach(async () => {
    await closeClients();
    await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
  });

  const start = async (options: LocalGatewayOptions): Promise<LocalGateway> => {
    const gateway = await startLocalGateway({ logger: recordingLogger(), ...options });
    gateways.push(gateway);
    return gateway;
  };

  const connect = async (url: string, protocols?: string | string[]): Promise<TestClient> => {
    const client = await TestClient.open(url, protocols);
    clients.push(client);
    return client;
  };

  return { start, connect, closeClients };
}
