/**
 * What the client tests share: a contract, a small controller bootstrapped behind the local
 * gateway (real sockets, the real @connections API, rooms in a MemoryConnectionStore), a
 * recording wrapper around its handler, and a manual clock.
 *
 * The runtime answers request frames itself: a route's return value goes back as
 * `{"type":"reply","id","body"}`, an error as the envelope plus `"id"`.
 */
import {
  bootstrap,
  type BootstrapOptions,
  JwtAuth,
  MemoryConnectionStore,
  OnConnect,
  OnMessage,
  UseMiddleware,
  WebSocketContext,
  WebSocketController,
  BadRequestError,
  defineContract,
} from 'lift-ws';
import {
  createClient,
  type ClientClock,
  type ClientOptions,
  type LiftWsClient,
} from 'lift-ws/client';
import { startLocalGateway, type LocalGateway, type LocalGatewayOptions } from 'lift-ws/local';
import WebSocket from 'ws';
import { z } from 'zod';
import type { WebSocketEvent } from '../../src/events/websocket-event';
import { recordingLogger } from '../support/recording-logger';
import { SECRET } from '../support/jwt-fixtures';

export { hsToken } from '../support/jwt-fixtures';

export const chat = defineContract({
  actions: {
    echo: {
      body: z.object({ text: z.string() }),
      reply: z.object({ text: z.string(), connectionId: z.string() }),
    },
    strict: { body: z.object({ n: z.number() }), reply: z.object({ n: z.number() }) },
    slow: { body: z.object({}) },
    say: { body: z.object({ room: z.string(), n: z.number() }) },
    note: { body: z.object({ n: z.number() }) },
    time: {
      body: z.object({}),
      reply: z.object({ at: z.string().transform((at) => new Date(at)) }),
    },
    /** Broadcasts a `said` whose n is not a number: the client's schema check refuses it. */
    sayWrong: { body: z.object({ room: z.string() }) },
  },
  events: {
    /** `seq` is there when the server keeps room history (`rooms.history`). */
    said: z.object({ room: z.string(), n: z.number(), seq: z.number().optional() }),
  },
});
export type Chat = typeof chat;

import { eventually } from '../support/eventually';
export { eventually };

/** What the test controller saw, by route. */
export interface ServerLog {
  events: WebSocketEvent[];
  bodies(action: string): Array<Record<string, unknown>>;
  connects(): WebSocketEvent[];
  disconnects(): WebSocketEvent[];
  /** Tokens the $connect handshakes offered (the second subprotocol). */
  tokens(): string[];
}

/** Requests to `slow` wait here until the server closes: they can only time out on the client. */
const heldRequests: Array<() => void> = [];

@WebSocketController()
class ClientTestController {
  @OnConnect()
  @UseMiddleware(JwtAuth.with({ secret: SECRET, tokenSources: ['protocol'] }))
  connect(): undefined {
    return undefined;
  }

  @OnMessage('join')
  async join(ctx: WebSocketContext) {
    await ctx.join(ctx.body<{ room: string }>().room);
    return { joined: true };
  }

  @OnMessage('leave')
  async leave(ctx: WebSocketContext) {
    await ctx.leave(ctx.body<{ room: string }>().room);
  }

  @OnMessage('echo')
  echo(ctx: WebSocketContext) {
    return { text: ctx.body<{ text: string }>().text, connectionId: ctx.connectionId };
  }

  /** Bound to the contract: its body schema checks the frame before the route runs. */
  @OnMessage(chat.actions.strict)
  strict(ctx: WebSocketContext) {
    return ctx.body(chat.actions.strict);
  }

  /** Answered only once the server closes: the request times out on the client first. */
  @OnMessage('slow')
  async slow() {
    await new Promise<void>((resolve) => heldRequests.push(resolve));
    return { late: true };
  }

  @OnMessage('say')
  async say(ctx: WebSocketContext) {
    const { room, n } = ctx.body<{ room: string; n: number }>();
    await ctx.broadcastToRoom(room, { type: 'said', room, n });
  }

  @OnMessage('time')
  time() {
    return { at: new Date(0).toISOString() };
  }

  @OnMessage('sayWrong')
  async sayWrong(ctx: WebSocketContext) {
    const { room } = ctx.body<{ room: string }>();
    await ctx.broadcastToRoom(room, { type: 'said', room, n: 'not a number' });
  }

  @OnMessage('note')
  note(ctx: WebSocketContext) {
    if (ctx.body<{ n: number }>().n < 0) throw new BadRequestError('n must not be negative');
  }
}

export interface Server {
  gateway: LocalGateway;
  log: ServerLog;
  /** Closes one connection from the server side, as `DELETE @connections/{id}` does. */
  disconnect(connectionId: string): Promise<void>;
  close(): Promise<void>;
}

/** The controller behind a local gateway on 127.0.0.1, port 0 unless given. */
export async function startServer(
  options: Partial<LocalGatewayOptions> & { slowMs?: number; lift?: BootstrapOptions } = {},
): Promise<Server> {
  const lines: unknown[] = [];
  const logger = recordingLogger(lines as never);
  const { lift: liftOptions, ...gatewayOptions } = options;
  const lift = bootstrap([ClientTestController], {
    connections: new MemoryConnectionStore(),
    logger,
    ...liftOptions,
  });
  const events: WebSocketEvent[] = [];
  const gateway = await startLocalGateway({
    port: 0,
    logger,
    ...gatewayOptions,
    handler: (event, context) => {
      events.push(event);
      return lift(event, context);
    },
  });
  const parse = (event: WebSocketEvent): Record<string, unknown> => {
    try {
      return JSON.parse(event.body ?? '') as Record<string, unknown>;
    } catch {
      return {};
    }
  };
  const ofRoute = (routeKey: string) =>
    events.filter((event) => event.requestContext.routeKey === routeKey);
  const log: ServerLog = {
    events,
    bodies: (action) =>
      ofRoute('$default')
        .map(parse)
        .filter((body) => body.action === action),
    connects: () => ofRoute('$connect'),
    disconnects: () => ofRoute('$disconnect'),
    tokens: () =>
      ofRoute('$connect').map((event) => {
        const header = Object.entries(event.headers ?? {}).find(
          ([name]) => name.toLowerCase() === 'sec-websocket-protocol',
        )?.[1];
        return (
          String(header ?? '')
            .split(',')[1]
            ?.trim() ?? ''
        );
      }),
  };
  return {
    gateway,
    log,
    async disconnect(connectionId) {
      const response = await fetch(
        `${gateway.managementEndpoint}/@connections/${encodeURIComponent(connectionId)}`,
        { method: 'DELETE', signal: AbortSignal.timeout(3000) },
      );
      if (response.status !== 204) throw new Error(`DELETE answered ${response.status}`);
    },
    close: () => {
      for (const release of heldRequests.splice(0)) release();
      return gateway.close();
    },
  };
}

/** A client on `ws`, closed by `closeAll()`. */
export function clientFor(
  url: string,
  options: Partial<ClientOptions> = {},
  opened: Array<LiftWsClient<Chat>> = [],
): LiftWsClient<Chat> {
  const client = createClient(chat, {
    url,
    WebSocket: WebSocket as unknown as ClientOptions['WebSocket'],
    ...options,
  });
  opened.push(client);
  return client;
}

/** Waits for the client to reach `state`. */
export function stateReached(
  client: LiftWsClient<Chat>,
  state: LiftWsClient['state'],
): Promise<void> {
  if (client.state === state) return Promise.resolve();
  return new Promise((resolve) => {
    const off = client.onState((now) => {
      if (now !== state) return;
      off();
      resolve();
    });
  });
}

/** A clock moved by hand: timers fire only in `advance`, in order of their due time. */
export class ManualClock implements ClientClock {
  #now = 0;
  #next = 1;
  readonly timers = new Map<number, { due: number; ms: number; callback: () => void }>();

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): number {
    const handle = this.#next++;
    this.timers.set(handle, { due: this.#now + ms, ms, callback });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Delays of the timers pending now. */
  pendingDelays(): number[] {
    return [...this.timers.values()].map((timer) => timer.ms);
  }

  advance(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      const next = [...this.timers.entries()]
        .filter(([, timer]) => timer.due <= until)
        .sort((a, b) => a[1].due - b[1].due)[0];
      if (!next) break;
      this.timers.delete(next[0]);
      this.#now = next[1].due;
      next[1].callback();
    }
    this.#now = until;
  }
}
