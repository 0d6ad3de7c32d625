import type { Logger } from '../logging/logger';
import type { ConnectionFacts, GatewayEventFactory } from './gateway-event-factory';
import { gatewayIds } from '../events/gateway-ids';
import type { GatewayFunctions } from './gateway-settings';
import { invocationFailure } from './invocation-failure';
import type { LambdaInvoker } from './lambda-invoker';
import { debugQuietly } from './log-quietly';

export interface DisconnectFlowConfig {
  functions: GatewayFunctions;
  dropDisconnect: (connectionId: string) => boolean;
  factory: GatewayEventFactory;
  invoker: LambdaInvoker;
  logger: Logger;
  integrationTimeoutMs: number;
}

/**
 * `$disconnect`, as API Gateway delivers it: best effort (`dropDisconnect` skips it, as AWS
 * sometimes does), with the close code and reason, and a result nobody reads.
 */
export class DisconnectFlow {
  constructor(private readonly config: DisconnectFlowConfig) {}

  async run(facts: ConnectionFacts, statusCode: number, reason: string): Promise<void> {
    const { factory, invoker, logger } = this.config;
    if (this.config.dropDisconnect(facts.connectionId)) {
      logger.info(
        `$disconnect ${facts.connectionId} dropped (dropDisconnect), close code ${statusCode}`,
      );
      return;
    }
    const event = factory.disconnectEvent(
      facts,
      statusCode,
      reason,
      gatewayIds.newId(),
      Date.now(),
    );
    const outcome = await invoker.invoke(this.config.functions.handler, event);
    const failure = invocationFailure(
      logger,
      '$disconnect',
      facts.connectionId,
      outcome,
      this.config.integrationTimeoutMs,
    );
    // API Gateway ignores what $disconnect returns; only failures are worth a line.
    if (!failure) {
      debugQuietly(
        logger,
        `$disconnect ${facts.connectionId} (close ${statusCode}) ${outcome.durationMs}ms`,
      );
    }
  }
}
