import type { IncomingMessage } from 'node:http';
import type { Logger } from '../logging/logger';
import {
  decideOnAuthorizerError,
  decideOnAuthorizerResult,
  type AuthorizerDecision,
} from './authorizer-decision';
import type {
  ConnectionFacts,
  GatewayEventFactory,
  HandshakeRequest,
} from './gateway-event-factory';
import { gatewayIds } from '../events/gateway-ids';
import type { IdentitySource } from './gateway-settings';
import type { LambdaInvoker } from './lambda-invoker';
import type { LocalAuthorizer } from './local-gateway-options';

export interface AuthorizerFlowConfig {
  identitySource: readonly IdentitySource[];
  factory: GatewayEventFactory;
  invoker: LambdaInvoker;
  logger: Logger;
}

/**
 * A Lambda REQUEST authorizer on `$connect`, run as API Gateway runs it: identity sources checked
 * first (one missing refuses with 401 without invoking anything), then the authorizer's policy
 * decides, and an allowed connection carries the authorizer's context on every later event.
 */
export class AuthorizerFlow {
  constructor(private readonly config: AuthorizerFlowConfig) {}

  async authorize(
    authorizer: LocalAuthorizer,
    req: IncomingMessage,
    request: HandshakeRequest,
    facts: ConnectionFacts,
  ): Promise<AuthorizerDecision> {
    const missing = this.config.identitySource.find(({ kind, name }) => {
      const value =
        kind === 'header'
          ? req.headers[name.toLowerCase()]
          : request.query?.queryStringParameters[name];
      return value === undefined || value === '';
    });
    if (missing) {
      return {
        allow: false,
        statusCode: 401,
        message: 'Unauthorized',
        reason: `identity source ${missing.kind}.${missing.name} missing`,
      };
    }
    const event = this.config.factory.authorizerEvent(
      request,
      facts,
      gatewayIds.newId(),
      Date.now(),
    );
    const outcome = await this.config.invoker.invoke(authorizer, event);
    let decision: AuthorizerDecision;
    if (outcome.status === 'ok') {
      decision = decideOnAuthorizerResult(outcome.result, event.methodArn);
    } else if (outcome.status === 'error') {
      decision = decideOnAuthorizerError(outcome.error);
    } else {
      decision = decideOnAuthorizerError(new Error('authorizer timed out'));
    }
    if (!decision.allow) {
      if (decision.statusCode === 500) {
        const error = outcome.status === 'error' ? outcome.error : undefined;
        this.config.logger.error(
          `$connect ${facts.connectionId}: ${decision.reason}`,
          error ? { error } : undefined,
        );
      }
      return decision;
    }
    // Values as AWS passes them on: principalId and integrationLatency first, all strings.
    facts.authorizer = Object.assign(
      { principalId: decision.principalId, integrationLatency: String(outcome.durationMs) },
      decision.context,
      { principalId: decision.principalId },
    );
    return decision;
  }
}
