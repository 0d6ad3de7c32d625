import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logging/logger';
import {
  connectionsWire,
  type ConnectionsAnswer,
  type ConnectionsTarget,
} from '../events/connections-wire';
import type { LocalConnection } from './local-connection';

export interface ConnectionsApiConfig {
  stage: string;
  maxMessageBytes: number;
  maxBufferedBytes: number;
  findConnection: (connectionId: string) => LocalConnection | undefined;
  logger: Logger;
}

/**
 * The API Gateway Management API (`@connections`) of the local gateway: PostToConnection,
 * GetConnection and DeleteConnection against the real open sockets, answered in the shared
 * wire format. Every request gets exactly one answer, and a 200 means the frame was handed to
 * the socket: a client that does not read gets 429s, never a silently dropped frame.
 */
export class ConnectionsApi {
  constructor(private readonly config: ConnectionsApiConfig) {}

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    target: ConnectionsTarget,
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
    target: ConnectionsTarget,
  ): Promise<number> {
    if (target.stage !== this.config.stage) {
      // AWS answers a path outside the API's stages with 403.
      return connectionsWire.sendError(
        res,
        403,
        'ForbiddenException',
        `No stage "${target.stage ?? ''}" on this API`,
      );
    }
    const { connectionId } = target;
    if (connectionId === undefined) {
      return connectionsWire.sendError(
        res,
        400,
        'BadRequestException',
        'Invalid connection id encoding',
      );
    }

    switch (req.method) {
      case 'POST':
        return this.post(req, res, connectionId);
      case 'GET':
        return this.withConnection(res, connectionId, (connection) =>
          connectionsWire.sendJson(
            res,
            200,
            connectionsWire.connectionInfo({
              connectedAt: connection.facts.connectedAt,
              identity: {
                sourceIp: connection.facts.sourceIp,
                userAgent: connection.facts.userAgent,
              },
              lastActiveAt: connection.lastActiveAt,
            }),
          ),
        );
      case 'DELETE':
        return this.withConnection(res, connectionId, (connection) => {
          connection.close(1000, '');
          return connectionsWire.sendEmpty(res, 204);
        });
      default:
        return connectionsWire.sendError(
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
    const body = await connectionsWire.readBody(req, this.config.maxMessageBytes);
    return connectionsWire.sendAnswer(
      res,
      body.tooLarge ? this.tooLarge() : this.deliver(connectionId, body.data),
    );
  }

  /**
   * PostToConnection's decision and delivery, for the HTTP API and for a handler in this
   * process posting in-process (`inProcessEndpoints`): one answer for both.
   */
  deliver(connectionId: string, data: Uint8Array): ConnectionsAnswer {
    if (data.byteLength > this.config.maxMessageBytes) return this.tooLarge();
    const connection = this.config.findConnection(connectionId);
    // Unknown, closed, closing, or still in its $connect: all 410 on AWS.
    if (!connection?.isOpen) return gone(connectionId);
    // AWS refuses while the client has not drained what it was already sent.
    if (connection.socket.bufferedAmount > this.config.maxBufferedBytes) {
      return {
        status: 429,
        errorType: 'LimitExceededException',
        message: 'The client is not reading its messages',
      };
    }
    // PostToConnection data goes out as a text frame, as API Gateway sends it.
    return connection.sendText(data) ? DELIVERED : gone(connectionId);
  }

  private tooLarge(): ConnectionsAnswer {
    return {
      status: 413,
      errorType: 'PayloadTooLargeException',
      message: `Payload exceeds the ${this.config.maxMessageBytes} byte message limit`,
    };
  }

  private withConnection(
    res: ServerResponse,
    connectionId: string,
    action: (connection: LocalConnection) => number,
  ): number {
    const connection = this.config.findConnection(connectionId);
    if (!connection?.isOpen) return connectionsWire.sendAnswer(res, gone(connectionId));
    return action(connection);
  }
}

const DELIVERED: ConnectionsAnswer = { status: 200 };

function gone(connectionId: string): ConnectionsAnswer {
  return { status: 410, errorType: 'GoneException', message: `Connection ${connectionId} is gone` };
}
