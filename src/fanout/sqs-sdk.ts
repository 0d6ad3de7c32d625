import type * as SqsModule from '@aws-sdk/client-sqs';

let loaded: typeof SqsModule | undefined;

/**
 * The SQS client package, loaded when distributed fan-out is configured (bootstrap's `fanout`
 * option, `createFanoutWorker`), not when lift-ws is imported: a handler without fan-out never
 * pays for it at cold start. The specifier is static, so bundlers still include the package.
 */
export function sqsSdk(): typeof SqsModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
  return (loaded ??= require('@aws-sdk/client-sqs') as typeof SqsModule);
}
