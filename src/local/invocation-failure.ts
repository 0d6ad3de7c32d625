import { errorMessage } from '../errors/error-message';
import type { Logger } from '../logging/logger';
import type { InvocationOutcome } from './lambda-invoker';

/** What API Gateway answers for an invocation that failed. */
export interface InvocationFailure {
  statusCode: 500 | 504;
  message: 'Internal server error' | 'Endpoint request timed out';
}

/**
 * A failed or timed-out invocation, logged, with what API Gateway tells the client; undefined
 * for an invocation that returned.
 */
export function invocationFailure(
  logger: Logger,
  routeKey: string,
  connectionId: string,
  outcome: InvocationOutcome,
  integrationTimeoutMs: number,
): InvocationFailure | undefined {
  if (outcome.status === 'error') {
    logger.error(
      `${routeKey} ${connectionId} 500 ${outcome.durationMs}ms: the handler threw: ${errorMessage(outcome.error)}`,
      { error: outcome.error },
    );
    return { statusCode: 500, message: 'Internal server error' };
  }
  if (outcome.status === 'timeout') {
    logger.error(
      `${routeKey} ${connectionId} 504 ${outcome.durationMs}ms: integration timeout ` +
        `(${integrationTimeoutMs}ms)`,
    );
    return { statusCode: 504, message: 'Endpoint request timed out' };
  }
  return undefined;
}
