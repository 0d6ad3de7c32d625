import { STATUS_CODES, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { Logger } from '../logging/logger';
import type { AuthorizerFlow } from './authorizer-flow';
import type { ConnectionFacts, GatewayEventFactory } from './gateway-event-factory';
import { gatewayIds } from '../events/gateway-ids';
import type { GatewayFunctions } from './gateway-settings';
import { invocationFailure } from './invocation-failure';
import type { LambdaInvoker } from './lambda-invoker';
import { readProxyResult } from './proxy-result';
import { debugQuietly } from './log-quietly';

/** A `$connect` handshake between the handler's answer and the 101. */
export interface Handshake {
  facts: ConnectionFacts;
  responseHeaders: Array<[string, string]>;
  protocol?: string;
}

export type ConnectVerdict =
  | { accept: true; handshake: Handshake }
  | { accept: false; statusCode: number; body: string; headers: OutgoingHttpHeaders };

export interface ConnectFlowConfig {
  functions: GatewayFunctions;
  authorizerFlow: AuthorizerFlow;
  factory: GatewayEventFactory;
  invoker: LambdaInvoker;
  logger: Logger;
  integrationTimeoutMs: number;
}

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

function clientIp(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** A refused handshake: the HTTP answer the client gets instead of the 101. */
export function connectRefusal(
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

/**
 * The `$connect` flow of a handshake, as API Gateway runs it: the authorizer (when there is
 * one), then the handler's `$connect`, whose result accepts (2xx, its headers on the 101) or
 * refuses (its status and body) the connection.
 */
export class ConnectFlow {
  constructor(private readonly config: ConnectFlowConfig) {}

  async run(req: IncomingMessage): Promise<ConnectVerdict> {
    const { functions, factory, invoker, logger } = this.config;
    const userAgent = req.headers['user-agent'];
    const facts: ConnectionFacts = {
      connectionId: gatewayIds.newId(),
      connectedAt: Date.now(),
      sourceIp: clientIp(req),
      ...(userAgent === undefined ? {} : { userAgent }),
    };
    const request = factory.handshake(req, facts);

    const { authorizer } = functions;
    if (authorizer) {
      const decision = await this.config.authorizerFlow.authorize(authorizer, req, request, facts);
      if (!decision.allow) {
        logger.info(`$connect ${facts.connectionId} ${decision.statusCode} (${decision.reason})`);
        return connectRefusal(decision.statusCode, JSON.stringify({ message: decision.message }));
      }
    }

    const event = factory.connectEvent(request, facts, gatewayIds.newId(), Date.now());
    const outcome = await invoker.invoke(functions.handler, event);
    const failure = invocationFailure(
      logger,
      '$connect',
      facts.connectionId,
      outcome,
      this.config.integrationTimeoutMs,
    );
    if (failure) {
      return connectRefusal(failure.statusCode, JSON.stringify({ message: failure.message }));
    }

    const result = readProxyResult(outcome.status === 'ok' ? outcome.result : undefined);
    // A handler that returns nothing lets the connection in.
    const statusCode = result.statusCode ?? 200;
    // debug: a lift-ws handler writes its own access line for the event; one line, not two.
    debugQuietly(logger, `$connect ${facts.connectionId} ${statusCode} ${outcome.durationMs}ms`);
    if (!Number.isInteger(statusCode) || statusCode < 200 || statusCode > 599) {
      logger.error(
        `$connect ${facts.connectionId}: invalid statusCode ${statusCode} in the handler's result`,
      );
      return connectRefusal(502, JSON.stringify({ message: 'Internal server error' }));
    }
    if (statusCode >= 300) {
      const headers: OutgoingHttpHeaders = {};
      for (const [name, value] of result.headers) {
        if (RESERVED_HANDSHAKE_HEADERS.has(name.toLowerCase())) continue;
        headers[name.toLowerCase() === 'content-type' ? 'Content-Type' : name] = value;
      }
      return connectRefusal(statusCode, result.body ?? STATUS_CODES[statusCode] ?? '', headers);
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

  /** Adds an accepted handshake's headers to the 101 ws is about to write. */
  static addHeaders(headers: string[], handshake: Handshake): void {
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
}
