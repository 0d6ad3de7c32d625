import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logging/logger';
import type { LocalConnection } from './local-connection';

export interface ConnectionsApiConfig {
  stage: string;
  maxMessageBytes: number;
  maxBufferedBytes: number;
  findConnection: (connectionId: string) => LocalConnection | undefined;
  logger: Logger;
}

/** A request aimed at `@connections`, before the stage is checked. */
export interface ConnectionsRequestTarget {
  stage: string | undefined;
  /** Still percent-encoded, as it came in the path. */
  encodedConnectionId: string;
}

type ReadBody = { tooLarge: false; data: Buffer } | { tooLarge: true };

/**
 * The API Gateway Management API (`@connections`) of the local gateway: PostToConnection,
 * GetConnection and DeleteConnection, with AWS's status codes and `x-amzn-ErrorType` headers,
 * without which the SDK reports every failure as `Unknown`.
 */
export class ConnectionsApi {
  constructor(private readonly config: ConnectionsApiConfig) {}

  /** `/{stage}/@connections/{id}`; a doubled slash is tolerated, as the SDK makes one from an endpoint ending in '/'. */
  static target(pathname: string): ConnectionsRequestTarget | undefined {
    const normalized = pathname.replace(/\/{2,}/g, '/');
    const match = /^(?:\/([^/]+))?\/@connections\/(.+)$/.exec(normalized);
    if (!match) return undefined;
    return { stage: match[1], encodedConnectionId: match[2] };
  }

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    target: ConnectionsRequestTarget,
  ): Promise<void> {
    const started = Date.now();
    const status = await this.answer(req, res, target);
    this.config.logger.debug(
      `${req.method ?? '?'} @connections/${target.encodedConnectionId} ${status} ${Date.now() - started}ms`,
    );
  }

  private async answer(
    req: IncomingMessage,
    res: ServerResponse,
    target: ConnectionsRequestTarget,
  ): Promise<number> {
    if (target.stage !== this.config.stage) {
      // AWS answers a path outside the API's stages with 403.
      return this.error(
        res,
        403,
        'ForbiddenException',
        `No stage "${target.stage ?? ''}" on this API`,
      );
    }
    let connectionId: string;
    try {
      connectionId = decodeURIComponent(target.encodedConnectionId);
    } catch {
      return this.error(res, 400, 'BadRequestException', 'Invalid connection id encoding');
    }

    switch (req.method) {
      case 'POST':
        return this.post(req, res, connectionId);
      case 'GET':
        return this.withConnection(res, connectionId, (connection) => {
          const body = JSON.stringify({
            connectedAt: new Date(connection.facts.connectedAt).toISOString(),
            identity: {
              sourceIp: connection.facts.sourceIp,
              userAgent: connection.facts.userAgent,
            },
            lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
          });
          return this.json(res, 200, body);
        });
      case 'DELETE':
        return this.withConnection(res, connectionId, (connection) => {
          connection.close(1000, '');
          res.writeHead(204, { 'x-amzn-RequestId': randomUUID() }).end();
          return 204;
        });
      default:
        return this.error(
          res,
          403,
          'ForbiddenException',
          `${req.method ?? ''} is not a @connections operation`,
        );
    }
  }

  private async post(
    req: IncomingMessage,
    res: ServerResponse,
    connectionId: string,
  ): Promise<number> {
    const body = await this.readBody(req);
    if (body.tooLarge) {
      return this.error(
        res,
        413,
        'PayloadTooLargeException',
        `Payload exceeds the ${this.config.maxMessageBytes} byte message limit`,
      );
    }
    return this.withConnection(res, connectionId, (connection) => {
      // AWS refuses while the client has not drained what it was already sent.
      if (connection.socket.bufferedAmount > this.config.maxBufferedBytes) {
        return this.error(
          res,
          429,
          'LimitExceededException',
          'The client is not reading its messages',
        );
      }
      // PostToConnection data goes out as a text frame, as API Gateway sends it.
      connection.sendText(body.data);
      res.writeHead(200, { 'x-amzn-RequestId': randomUUID(), 'Content-Length': '0' }).end();
      return 200;
    });
  }

  private withConnection(
    res: ServerResponse,
    connectionId: string,
    action: (connection: LocalConnection) => number,
  ): number {
    const connection = this.config.findConnection(connectionId);
    // Unknown, closed, closing, or still in its $connect: all 410 on AWS.
    if (!connection?.isOpen) {
      return this.error(res, 410, 'GoneException', `Connection ${connectionId} is gone`);
    }
    return action(connection);
  }

  private readBody(req: IncomingMessage): Promise<ReadBody> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        // Keep draining an oversized body so the answer can still be written.
        if (size <= this.config.maxMessageBytes) chunks.push(chunk);
      });
      req.on('end', () =>
        resolve(
          size > this.config.maxMessageBytes
            ? { tooLarge: true }
            : { tooLarge: false, data: Buffer.concat(chunks) },
        ),
      );
      req.on('error', reject);
    });
  }

  private json(res: ServerResponse, status: number, body: string, errorType?: string): number {
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(body)),
      'x-amzn-RequestId': randomUUID(),
      ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}),
    });
    res.end(body);
    return status;
  }

  private error(res: ServerResponse, status: number, errorType: string, message: string): number {
    return this.json(res, status, JSON.stringify({ message }), errorType);
  }
}
