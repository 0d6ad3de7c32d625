import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  IDLE_TIMEOUT_MS,
  INTEGRATION_TIMEOUT_MS,
  MAX_CONNECTION_MS,
  MAX_MESSAGE_BYTES,
} from '../events/api-gateway-limits';
import type {
  LambdaContext,
  WebSocketAuthorizerEvent,
  WebSocketEvent,
} from '../events/websocket-event';
import type { Logger } from '../logging/logger';
import { optionNumber } from '../validation/option-number';
import type { LocalFanoutWorkerOptions } from './local-fanout';

/**
 * The Lambda the gateway invokes for `$connect`, `$disconnect` and every message route.
 * `bootstrap([...])`'s handler fits, and so does any plain `(event, context) => result`.
 * The result is read like API Gateway reads a Lambda proxy result: `{ statusCode, headers?, body? }`.
 */
export type LocalHandler = (event: WebSocketEvent, context: LambdaContext) => unknown;

/**
 * A Lambda REQUEST authorizer on `$connect` (e.g. `createJwtAuthorizer()`). It answers
 * `{ principalId, policyDocument, context? }`; throwing `new Error('Unauthorized')` refuses the
 * handshake with 401, like API Gateway.
 */
export type LocalAuthorizer = (event: WebSocketAuthorizerEvent, context: LambdaContext) => unknown;

/**
 * Extra HTTP routes on the gateway's port (a static page, a dev-token endpoint...). Called for
 * every request that is not `@connections`; answer it and return true, or return false for 404.
 */
export type LocalHttpHook = (
  req: IncomingMessage,
  res: ServerResponse,
) => boolean | Promise<boolean>;

/** API Gateway's WebSocket quotas, each overridable (tests use short timeouts). */
export interface LocalGatewayLimits {
  /**
   * Largest message a client may send (larger closes the socket with 1009) and largest
   * `@connections` POST body (larger answers 413). AWS: 128 KB.
   *
   * AWS also limits each frame to 32 KB, so a client must fragment bigger messages; browsers
   * never fragment, so on AWS a browser message over 32 KB is closed with 1009 too. The local
   * gateway checks the whole message only.
   */
  maxMessageBytes?: number;
  /** Close with 1001 "Going away" after this long without a message either way. AWS: 10 min. */
  idleTimeoutMs?: number;
  /** Close with 1001 "Going away" this long after connecting, whatever the traffic. AWS: 2 h. */
  maxConnectionMs?: number;
  /** How long an invocation may run before API Gateway gives up on it. AWS: 29 s. */
  integrationTimeoutMs?: number;
  /**
   * `@connections` POST answers 429 LimitExceededException while this many bytes already wait
   * in the socket's send buffer (a client that does not read). Default 1 MiB.
   */
  maxBufferedBytes?: number;
}

/** Options of {@link startLocalGateway}. Only `handler` is required. */
export interface LocalGatewayOptions {
  /** The Lambda behind every route. */
  handler: LocalHandler;
  /** TCP port; 0 (the default) picks a free one, see `url` on the result. */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Stage name: the WebSocket URL is `/{stage}`, `@connections` lives under `/{stage}/@connections`. Default `local`. */
  stage?: string;
  /** Lambda REQUEST authorizer run before `$connect`. */
  authorizer?: LocalAuthorizer;
  /**
   * The authorizer's identity sources, e.g. `['route.request.querystring.Authorization']`.
   * Like AWS, a request missing one is refused with 401 without invoking the authorizer.
   * Default: none (the authorizer always runs).
   */
  authorizerIdentitySource?: readonly string[];
  /** The API's route selection expression. Default `$request.body.action`; dotted paths work. */
  routeSelectionExpression?: string;
  /**
   * The message route keys the API has, e.g. `['sendMessage', '$default']`. Default
   * `['$default']`: one Lambda behind `$default`, as the sample template deploys it, so every
   * message reaches the handler with routeKey `$default`. With a list and no `$default`, an
   * unmatched message gets API Gateway's `Forbidden` frame.
   */
  routes?: readonly string[];
  /**
   * Two-way routes: the handler's `body` is sent back to the client as a text frame (a route
   * response with selection expression `$default`). `true` for every route, or a list of route
   * keys. Default false, like a route created without a route response.
   */
  routeResponses?: boolean | readonly string[];
  /** Quotas; see {@link LocalGatewayLimits}. */
  limits?: LocalGatewayLimits;
  /** Where the gateway logs each event. Default: `createLogger()`. */
  logger?: Logger;
  /**
   * Skip `$disconnect` invocations, for every connection or those the predicate picks: AWS
   * delivers `$disconnect` on a best-effort basis, so code must survive without it.
   */
  dropDisconnect?: boolean | ((connectionId: string) => boolean);
  /**
   * Point the handler's environment at this gateway: LIFT_WS_MANAGEMENT_ENDPOINT (unless the
   * user already set it), AWS_REGION and dummy AWS credentials when absent, so the real SDK
   * client posts here. Restored by `close()`. Default true.
   */
  env?: boolean;
  /** Extra HTTP routes on the same port. */
  http?: LocalHttpHook;
  /**
   * `concurrent` (default): like AWS, each message is invoked as soon as it arrives, even while
   * an earlier message of the same connection is still running; AWS guarantees no order.
   * `sequential`: one invocation at a time per connection (connections still run in parallel).
   */
  messageOrder?: 'concurrent' | 'sequential';
  /**
   * How lift-ws's own client in this process reaches `managementEndpoint`. `http` (default):
   * every PostToConnection is signed and sent over HTTP as in AWS, so tests run the path
   * production runs. `in-process`: posts are handed to the gateway directly (the same answers,
   * 410, 413 and 429, from the same code; no signing, no HTTP), for demos with heavy fan-out.
   * GetConnection, DeleteConnection, the SDK's own client and other processes always use HTTP.
   */
  connectionsTransport?: 'http' | 'in-process';
  /** `requestContext.apiId`. Default: 10 random characters, like AWS's. */
  apiId?: string;
  /** Region used in ARNs and, when absent, AWS_REGION. Default AWS_REGION or `us-east-1`. */
  region?: string;
  /** The Lambda context's `functionName`. Default `lift-ws-local`. */
  functionName?: string;
  /**
   * Distributed fan-out, locally: the SQS API on its own port with a queue and its DLQ, and
   * this worker behind an event source mapping, posting to this gateway's `@connections`.
   * The environment gets LIFT_WS_FANOUT_QUEUE_URL and AWS_ENDPOINT_URL_SQS (unless `env` is
   * false), so `bootstrap(controllers, { fanout: {} })` enqueues here when it runs after start.
   */
  fanoutWorker?: LocalFanoutWorkerOptions;
}

export interface ResolvedLimits {
  maxMessageBytes: number;
  idleTimeoutMs: number;
  maxConnectionMs: number;
  integrationTimeoutMs: number;
  maxBufferedBytes: number;
}

/** AWS's values: https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html */
export const AWS_WEBSOCKET_LIMITS: Readonly<ResolvedLimits> = Object.freeze({
  maxMessageBytes: MAX_MESSAGE_BYTES,
  idleTimeoutMs: IDLE_TIMEOUT_MS,
  maxConnectionMs: MAX_CONNECTION_MS,
  integrationTimeoutMs: INTEGRATION_TIMEOUT_MS,
  maxBufferedBytes: 1024 * 1024,
});

/** Applies defaults and rejects nonsense once, at start. */
export function resolveLimits(limits: LocalGatewayLimits = {}): ResolvedLimits {
  const resolved = { ...AWS_WEBSOCKET_LIMITS };
  for (const key of Object.keys(resolved) as Array<keyof ResolvedLimits>) {
    resolved[key] = optionNumber(limits[key], resolved[key], `limits.${key}`);
  }
  return resolved;
}
