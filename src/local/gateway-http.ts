import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorMessage } from '../errors/error-message';
import type { Logger } from '../logging/logger';
import type { ConnectionsApi } from './connections-api';
import { connectionsWire } from '../events/connections-wire';
import type { LocalHttpHook } from './local-gateway-options';

export interface GatewayHttpConfig {
  stage: string;
  wsUrl: string;
  connectionsApi: ConnectionsApi;
  http?: LocalHttpHook;
  logger: Logger;
}

function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const query = raw.indexOf('?');
  return query === -1 ? raw : raw.slice(0, query);
}

/**
 * The gateway's plain HTTP side, on the WebSocket port: `@connections` first, then the user's
 * `http` hook, then 426 on the WebSocket path and 404 elsewhere. A failure answers 500 once and
 * is logged; it never reaches the server.
 */
export class GatewayHttp {
  constructor(private readonly config: GatewayHttpConfig) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const target = connectionsWire.parsePath(req.url);
      if (target) return await this.config.connectionsApi.handle(req, res, target);
      if (this.config.http && (await this.config.http(req, res))) return;
      if (res.headersSent) return;
      const isWebSocketPath = pathOf(req.url).replace(/\/+$/, '') === `/${this.config.stage}`;
      const status = isWebSocketPath ? 426 : 404;
      const body = JSON.stringify({
        message: isWebSocketPath
          ? `Connect with a WebSocket client to ${this.config.wsUrl}`
          : 'Not Found',
      });
      res.writeHead(status, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
      });
      res.end(body);
    } catch (error) {
      this.config.logger.error(
        `${req.method ?? '?'} ${pathOf(req.url)} failed: ${errorMessage(error)}`,
        { error },
      );
      // An answer already written stays as it is: cutting it would make a delivered post look
      // failed to the client, which may then send it again.
      if (res.writableEnded) return;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ message: 'Internal server error' }));
    }
  }
}
