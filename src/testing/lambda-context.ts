import { randomUUID } from 'node:crypto';
import type { LambdaContext } from '../events/websocket-event';
import { DEFAULT_ACCOUNT_ID, DEFAULT_REGION } from './request-context-builder';

export interface LambdaContextOptions {
  /** Default: a fresh UUID, as Lambda gives. */
  awsRequestId?: string;
  /** Default `lift-ws-test`. */
  functionName?: string;
  /** Default `$LATEST`. */
  functionVersion?: string;
  /** Default `1024`. */
  memoryLimitInMB?: string;
  /** Default `us-east-1`; part of `invokedFunctionArn`. */
  region?: string;
  /** Default `123456789012`; part of `invokedFunctionArn`. */
  accountId?: string;
  /**
   * The invocation's time budget in ms: `getRemainingTimeInMillis()` counts down from it in
   * real time (Date.now, so jest's modern fake timers move it too) and stops at 0.
   * Default 30000 (API Gateway's integration timeout is 29 s).
   */
  timeoutMs?: number;
}

/** What `lambdaContext()` returns: our LambdaContext with every field filled in. */
export interface TestLambdaContext extends LambdaContext {
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  logGroupName: string;
  logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis: () => number;
}

/**
 * A Lambda context for handler tests, with a remaining time that really counts down.
 *
 * @example
 * const result = await handler(messageEvent('hi'), lambdaContext({ timeoutMs: 3000 }));
 */
export function lambdaContext(options: LambdaContextOptions = {}): TestLambdaContext {
  const functionName = options.functionName ?? 'lift-ws-test';
  const functionVersion = options.functionVersion ?? '$LATEST';
  const region = options.region ?? DEFAULT_REGION;
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  const budget = options.timeoutMs ?? 30_000;
  const endsAt = Date.now() + budget;
  const today = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
  return {
    awsRequestId: options.awsRequestId ?? randomUUID(),
    functionName,
    functionVersion,
    invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${functionName}`,
    memoryLimitInMB: options.memoryLimitInMB ?? '1024',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${today}/[${functionVersion}]${randomUUID().replace(/-/g, '')}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, endsAt - Date.now()),
  };
}
