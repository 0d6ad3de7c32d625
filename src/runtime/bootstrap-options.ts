import type { FanoutOptions } from '../fanout/fanout-options';
import type { RoomsOptions } from '../history/room-history-options';
import type { ConnectionStore } from '../connections/connection-store';
import type { Contract } from '../contract/contract-types';
import type { Logger } from '../logging/logger';
import type { LoggerOptions } from '../logging/create-logger';
import type { ManagementApi } from '../management/management-api';
import type { Middleware } from '../middleware/middleware';
import type { MetricsOptions } from '../metrics/metrics-options';

export interface HeartbeatOptions {
  /** The action clients send. Default `ping`. A controller's own `@OnMessage('ping')` wins. */
  action?: string;
  /**
   * How the pong reaches the client. `frame` (default) posts `{"type":"pong"}` to the
   * connection, which works on one-way routes; `response` returns it as the route's body,
   * for two-way routes.
   */
  reply?: 'frame' | 'response';
}

export interface BroadcastDefaults {
  /** Sends in flight at once. Default 32. */
  concurrency?: number;
  /** Per-attempt timeout, ms. Default 5000. */
  timeoutMs?: number;
  /** Retries on 429 / 5xx / connections refused: answers that prove nothing was delivered. Default 2. */
  retries?: number;
  /**
   * Also retry a post that timed out. Default false: the post may have reached AWS and been
   * delivered, so a retry could deliver the frame twice (at-most-once delivery). Turn on for
   * messages that are idempotent on the client.
   */
  retryTimeouts?: boolean;
}

/**
 * Options of `bootstrap(controllers, options)`. All are optional.
 *
 * @example
 * export const handler = bootstrap([ChatController], {
 *   middleware: [requestTimer],
 *   connections: new DynamoDBConnectionStore({ tableName: process.env.TABLE! }),
 *   metrics: { namespace: 'Chat' },
 * });
 */
export interface BootstrapOptions {
  /** Middleware around every route, before class and method middleware. */
  middleware?: Middleware[];
  /**
   * Where `$default` messages carry their action: a dotted path or API Gateway's
   * `$request.body.<path>` form. Default `action`.
   */
  actionField?: string;
  /**
   * The `@connections` endpoint. Default: env LIFT_WS_MANAGEMENT_ENDPOINT, else
   * `https://{domainName}/{stage}` of each event. Needed with custom domains.
   */
  managementEndpoint?: string;
  /** Replace the `@connections` client factory (e.g. an instrumented one). */
  managementClientFactory?: (endpoint: string) => ManagementApi;
  /** A logger (winston or any with the same methods), or options for the default winston one. */
  logger?: Logger | LoggerOptions;
  /**
   * Also post error envelopes to the caller's connection on message routes (API Gateway only
   * returns the Lambda's body on two-way routes, so without this the client never learns of
   * the error). Default true; turn off when every route is two-way.
   */
  errorFrames?: boolean;
  /**
   * The API's message routes are two-way (they have a route response): a request frame's reply
   * and errors go back as the route's response instead of posted frames, and no error frame
   * is posted. Default: env LIFT_WS_ROUTE_RESPONSES (the local gateway sets it when every
   * route is two-way), else false.
   */
  routeResponses?: boolean;
  /**
   * The contract the controllers implement: bootstrap fails when one of its actions has no
   * route, or a route handles an action it does not define.
   */
  contract?: Contract;
  /** Track connections: save on connect, delete on disconnect and when gone; rooms, users, tenants. */
  connections?: ConnectionStore;
  /**
   * Room history: `{ history: true }` gives every room message a `seq` and keeps it (10 minutes,
   * the last 100) so a client that reconnects resumes where it stopped.
   */
  rooms?: RoomsOptions;
  /** Defaults for broadcast and room fan-out. */
  broadcast?: BroadcastDefaults;
  /** Broadcasts over `fanout.threshold` connections go to SQS fan-out workers (`createFanoutWorker`). */
  fanout?: FanoutOptions;
  /** Largest message accepted and sent, bytes. Default 128 KB, API Gateway's limit. */
  maxMessageBytes?: number;
  /** The built-in `ping` action. Default on; `false` turns it off. */
  heartbeat?: boolean | HeartbeatOptions;
  /** CloudWatch Embedded Metric Format lines on stdout. Off unless given. */
  metrics?: boolean | MetricsOptions;
}
