import type { Logger } from '../logging/logger';
import type { GatewayEventFactory } from './gateway-event-factory';
import { gatewayIds } from '../events/gateway-ids';
import type { GatewayFunctions } from './gateway-settings';
import { invocationFailure } from './invocation-failure';
import type { LambdaInvoker } from './lambda-invoker';
import type { LocalConnection } from './local-connection';
import { readProxyResult } from './proxy-result';
import type { RouteSelector } from './route-selector';
import { debugQuietly } from './log-quietly';

export interface MessageRouterConfig {
  functions: GatewayFunctions;
  routeSelector: RouteSelector;
  hasRouteResponse: (routeKey: string) => boolean;
  factory: GatewayEventFactory;
  invoker: LambdaInvoker;
  logger: Logger;
  integrationTimeoutMs: number;
}

/**
 * One client message, routed as API Gateway routes it: the route selection expression picks
 * the route (else `$default`, else the `Forbidden` frame), the handler runs with a MESSAGE
 * event, and only a two-way route sends the handler's body back.
 */
export class MessageRouter {
  constructor(private readonly config: MessageRouterConfig) {}

  async route(connection: LocalConnection, body: string): Promise<void> {
    const { factory, invoker, logger } = this.config;
    const decision = this.config.routeSelector.decide(body);
    const requestId = gatewayIds.newId();
    if (!('routeKey' in decision)) {
      logger.info(`message ${connection.id} 403 Forbidden (no matching route and no $default)`);
      sendGatewayMessage(connection, 'Forbidden', requestId);
      return;
    }
    const { routeKey } = decision;
    const event = factory.messageEvent(connection.facts, routeKey, body, requestId, Date.now());
    const outcome = await invoker.invoke(this.config.functions.handler, event);
    const failure = invocationFailure(
      logger,
      routeKey,
      connection.id,
      outcome,
      this.config.integrationTimeoutMs,
    );
    if (failure) {
      sendGatewayMessage(connection, failure.message, requestId);
      return;
    }
    const result = readProxyResult(outcome.status === 'ok' ? outcome.result : undefined);
    // debug: a lift-ws handler writes its own access line for the event; one line, not two.
    debugQuietly(
      logger,
      `${routeKey} ${connection.id} ${result.statusCode ?? 200} ${outcome.durationMs}ms`,
    );
    // Only a two-way route sends the handler's body back; the status code is never seen.
    if (this.config.hasRouteResponse(routeKey) && result.body !== undefined && result.body !== '') {
      connection.sendText(result.body);
    }
  }
}

/** API Gateway's own frames: `{"message","connectionId","requestId"}`. */
function sendGatewayMessage(connection: LocalConnection, message: string, requestId: string): void {
  connection.sendText(JSON.stringify({ message, connectionId: connection.id, requestId }));
}
