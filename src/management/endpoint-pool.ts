import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import {
  ApiGatewayManagementApiClient,
  type ApiGatewayManagementApiClientConfig,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { Sha256 } from '@smithy/core/checksum';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import { RetryBudget } from './retry-budget';
import { resolveRegion } from './resolve-endpoint';
import type { PostTarget } from './signed-post';
import { SocketSlots } from './socket-slots';

/** @internal */
export interface EndpointPoolOptions {
  endpoint: string;
  region?: string;
  credentials?: ApiGatewayManagementApiClientConfig['credentials'];
  /** A ready SDK client: its endpoint, credentials and HTTP handler are then used for every
   * call, PostToConnection included (the lean path would bypass its handler). */
  client?: ApiGatewayManagementApiClient;
  /** Sockets to start with; grows with the concurrency calls ask for. */
  sockets: number;
}

// Retries at most 10% of first attempts, plus 20 for a cold start or a short burst.
const RETRY_RATIO = 0.1;
const RETRY_FLOOR = 20;

// Idle keep-alive sockets are closed before API Gateway (or a NAT) silently drops them; a
// request written to a dropped socket fails after it may have been read, and is not retried.
const IDLE_SOCKET_MS = 30_000;

/**
 * What every ManagementClient of one endpoint shares: the keep-alive agent and the slots that
 * guard it, the SDK client (GetConnection, DeleteConnection, and its credential chain), the
 * signer of the lean PostToConnection path, and the retry budget. Per-call options (timeouts,
 * retries, sizes, logger) live on the clients, never here.
 * @internal
 */
export class EndpointPool {
  readonly endpoint: string;
  readonly sdk: ApiGatewayManagementApiClient;
  readonly slots: SocketSlots;
  readonly budget = new RetryBudget({ ratio: RETRY_RATIO, floor: RETRY_FLOOR });
  /** Undefined when a ready SDK client was given: then every call goes through it. */
  readonly target: PostTarget | undefined;
  readonly #agent: HttpAgent | undefined;
  readonly #ownsSdk: boolean;

  constructor(options: EndpointPoolOptions) {
    this.endpoint = options.endpoint;
    this.#ownsSdk = options.client === undefined;
    if (options.client) {
      this.sdk = options.client;
      this.target = undefined;
      // Its own handler decides how many sockets it has; slots still bound what we send at once.
      this.slots = new SocketSlots(options.sockets, () => undefined);
      return;
    }
    const url = new URL(options.endpoint);
    const https = url.protocol !== 'http:';
    const agentOptions = { keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' as const };
    const agent = https ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.#agent = agent;
    this.slots = new SocketSlots(options.sockets, (capacity) => {
      agent.maxSockets = capacity;
      agent.maxFreeSockets = capacity;
    });
    const region = options.region ?? resolveRegion(options.endpoint);
    this.sdk = new ApiGatewayManagementApiClient({
      endpoint: options.endpoint,
      region,
      credentials: options.credentials,
      // Retries are ours (bounded by the deadline and the budget); the SDK's would multiply them.
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ httpAgent: agent, httpsAgent: agent }),
    });
    const port = url.port === '' ? undefined : Number(url.port);
    this.target = {
      protocol: https ? 'https:' : 'http:',
      hostname: url.hostname,
      port,
      host: port === undefined ? url.hostname : `${url.hostname}:${port}`,
      basePath: url.pathname.replace(/\/+$/, ''),
      agent,
      request: https ? httpsRequest : httpRequest,
      signer: new SignatureV4({
        service: 'execute-api',
        region,
        // The provider the SDK client resolved (its default chain, or the credentials given):
        // memoised and refreshed by the SDK, so both paths sign with the same keys.
        credentials: this.sdk.config.credentials,
        sha256: Sha256,
      }),
    };
  }

  /** Closes the keep-alive sockets (of an SDK client this pool created). */
  destroy(): void {
    if (this.#ownsSdk) this.sdk.destroy();
    this.#agent?.destroy();
  }
}

// Pools lent by the client cache to the one client constructed with a given options object:
// the sharing stays out of ManagementClient's public constructor.
const lent = new WeakMap<object, EndpointPool>();

/** Makes the client constructed with exactly `options` use `pool` (and not own it). @internal */
export function lendPool(options: object, pool: EndpointPool): void {
  lent.set(options, pool);
}

/** The pool lent for `options`, if any. @internal */
export function lentPool(options: object): EndpointPool | undefined {
  return lent.get(options);
}
