import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import jwt from 'jsonwebtoken';
import { createLogger, MemoryConnectionStore, type ConnectionStore, type Logger } from 'lift-ws';
import { serveStatic, startLocalGateway, type LocalHttpHook } from 'lift-ws/local';
import { buildChatPage } from './build-chat-page';
import { createChatHandler } from './create-chat-handler';
import { useDevJwtEnvironment } from './dev-jwt-environment';

const DEV_TOKEN_LIFETIME_SECONDS = 12 * 60 * 60;
const USER_NAME = /^[A-Za-z0-9_.-]{1,32}$/;

export interface ChatDevServerOptions {
  /** Default 3001; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1: the dev tokens are handed to anyone who can reach the port. */
  host?: string;
  /** The folder served at `/`. Default: the sample's public/ folder. */
  publicDir?: string;
  /** For the gateway and the handler. Default: readable lines at LOG_LEVEL or info. */
  logger?: Logger;
  /** Where connections and rooms live. Default: a fresh `MemoryConnectionStore`. */
  connections?: ConnectionStore;
}

export interface ChatDevServer {
  /** The page: `http://host:port/`. */
  readonly url: string;
  /** Where WebSocket clients connect: `ws://host:port/local`. */
  readonly wsUrl: string;
  /** The `@connections` API: `http://host:port/local`. */
  readonly managementEndpoint: string;
  /** A token the chat accepts, as `GET /dev-token` hands out. */
  devToken(user: string): string;
  close(): Promise<void>;
}

function isLoopbackAddress(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

/** Also checks Host, so a DNS-rebound page on another origin cannot fetch tokens. */
function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  return name === 'localhost' || name === '127.0.0.1' || name === '[::1]';
}

function answerJson(res: ServerResponse, statusCode: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(statusCode, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

function devTokenRoute(sign: (user: string) => string, stage: string): LocalHttpHook {
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname !== '/dev-token' || req.method !== 'GET') return false;
    if (!isLoopbackAddress(req.socket.remoteAddress) || !isLoopbackHost(req.headers.host)) {
      answerJson(res, 403, { message: 'dev tokens are only handed out to this machine' });
      return true;
    }
    const user = url.searchParams.get('user')?.trim() ?? '';
    if (!USER_NAME.test(user)) {
      answerJson(res, 400, { message: 'user must be 1 to 32 letters, digits, ".", "-" or "_"' });
      return true;
    }
    answerJson(res, 200, {
      user,
      token: sign(user),
      expiresIn: DEV_TOKEN_LIFETIME_SECONDS,
      // The page connects to the host it was loaded from (localhost or 127.0.0.1 alike).
      wsUrl: `ws://${req.headers.host}/${stage}`,
    });
    return true;
  };
}

/** `GET /app.js`: the page's script, bundled from `public/app.ts` when the server started. */
function pageScriptRoute(script: string): LocalHttpHook {
  return (req: IncomingMessage, res: ServerResponse) => {
    const { pathname } = new URL(req.url ?? '/', 'http://local');
    if (pathname !== '/app.js' || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    res.writeHead(200, {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Content-Length': Buffer.byteLength(script),
      'Cache-Control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : script);
    return true;
  };
}

/**
 * Runs the chat on the local API Gateway: the page at `/`, `GET /dev-token?user=NAME`, the
 * WebSocket API and its `@connections` endpoint, all on one port, with rooms in memory.
 *
 * @example
 * const server = await startChatDevServer({ port: 0 });
 * const socket = new WebSocket(`${server.wsUrl}?Authorization=${server.devToken('alice')}`);
 * await server.close();
 */
export async function startChatDevServer(
  options: ChatDevServerOptions = {},
): Promise<ChatDevServer> {
  const stage = 'local';
  const logger = options.logger ?? createLogger();
  const jwtEnv = useDevJwtEnvironment();
  const sign = (user: string) =>
    jwt.sign({ tenant_id: 'dev', name: user }, jwtEnv.secret, {
      algorithm: 'HS256',
      subject: user,
      issuer: jwtEnv.issuer,
      audience: jwtEnv.audience,
      expiresIn: DEV_TOKEN_LIFETIME_SECONDS,
    });
  const publicDir = options.publicDir ?? resolve(__dirname, '../public');
  const staticFiles = serveStatic(publicDir);
  const tokens = devTokenRoute(sign, stage);
  try {
    const page = pageScriptRoute(await buildChatPage(publicDir));
    const handler = createChatHandler({
      connections: options.connections ?? new MemoryConnectionStore(),
      logger,
    });
    const gateway = await startLocalGateway({
      handler,
      port: options.port ?? 3001,
      host: options.host ?? '127.0.0.1',
      stage,
      logger,
      http: async (req, res) =>
        (await tokens(req, res)) || (await page(req, res)) || staticFiles(req, res),
    });
    return {
      url: `${gateway.url}/`,
      wsUrl: gateway.wsUrl,
      managementEndpoint: gateway.managementEndpoint,
      devToken: sign,
      async close() {
        try {
          await gateway.close();
        } finally {
          jwtEnv.restore();
        }
      },
    };
  } catch (error) {
    jwtEnv.restore();
    throw error;
  }
}

/** `npm start`: serve on PORT (default 3001), print where to go, stop on Ctrl-C. */
export async function runChatDevServer(
  options: ChatDevServerOptions = {},
  out: (line: string) => void = console.log,
): Promise<ChatDevServer> {
  const server = await startChatDevServer(options);
  out('');
  out('  lift-ws chat sample');
  out(`  page       ${server.url}`);
  out(`  websocket  ${server.wsUrl}`);
  out(`  wscat      npx wscat -c "${server.wsUrl}?Authorization=${server.devToken('wscat')}"`);
  out(`             then send {"action":"join","room":"lobby"}`);
  out(`                       {"action":"sendMessage","room":"lobby","text":"hi"}`);
  out('  Ctrl-C to stop.');
  out('');
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130); // a second Ctrl-C does not wait for open sockets
    stopping = true;
    out(`${signal}: closing connections...`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return server;
}
