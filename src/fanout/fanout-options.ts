import type { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { optionNumber } from '../validation/option-number';
import { sqsSdk } from './sqs-sdk';

/** Where `bootstrap({ fanout })` finds the queue URL when the option does not give one. */
export const FANOUT_QUEUE_URL_VARIABLE = 'LIFT_WS_FANOUT_QUEUE_URL';

/** `bootstrap({ fanout })`: broadcasts over `threshold` connections go to SQS workers. */
export interface FanoutOptions {
  /**
   * The queue `createFanoutWorker` reads (its redrive policy sends poison shards to a DLQ).
   * Default: the LIFT_WS_FANOUT_QUEUE_URL environment variable (the sample template and the
   * local gateway's `fanoutWorker` set it).
   */
  queueUrl?: string;
  /** Largest fan-out still sent inline by the handler. Default 2000. */
  threshold?: number;
  /** Connection ids per SQS message. Default 500 (see `FanoutShard` for the sizes). */
  idsPerShard?: number;
  /** A ready client (endpoint, region, credentials); default one from the environment. */
  sqs?: SQSClient;
  /** Hard timeout of each SQS request when the client is built here. Default 3000. */
  requestTimeoutMs?: number;
}

/** @internal */
export interface FanoutSettings {
  readonly queueUrl: string;
  readonly threshold: number;
  readonly idsPerShard: number;
  readonly sqs: SQSClient;
}

/** Checks the option once, at bootstrap, and builds the one SQS client. @internal */
export function fanoutSettings(option: FanoutOptions | undefined): FanoutSettings | undefined {
  if (option === undefined) return undefined;
  const queueUrl = option?.queueUrl ?? process.env[FANOUT_QUEUE_URL_VARIABLE];
  if (typeof queueUrl !== 'string' || !/^https?:\/\//.test(queueUrl)) {
    throw new TypeError(
      `bootstrap option fanout.queueUrl (or ${FANOUT_QUEUE_URL_VARIABLE}) must be the queue URL`,
    );
  }
  const timeout = optionNumber(
    option.requestTimeoutMs,
    3000,
    'bootstrap option fanout.requestTimeoutMs',
  );
  return {
    queueUrl,
    threshold: optionNumber(option.threshold, 2000, 'bootstrap option fanout.threshold', {
      integer: true,
    }),
    idsPerShard: Math.min(
      2000,
      optionNumber(option.idsPerShard, 500, 'bootstrap option fanout.idsPerShard', {
        integer: true,
      }),
    ),
    sqs:
      option.sqs ??
      new (sqsSdk().SQSClient)({
        // The SDK's default handler has no timeouts.
        requestHandler: new NodeHttpHandler({
          connectionTimeout: timeout,
          requestTimeout: timeout,
        }),
      }),
  };
}
