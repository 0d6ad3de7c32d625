import type { ApiGatewayManagementApiClientConfig } from '@aws-sdk/client-apigatewaymanagementapi';
import type { Logger } from '../logging/logger';
import { EndpointPool, lendPool } from './endpoint-pool';
import { ManagementClient, type ManagementClientOptions } from './management-client';
import { isLocalEndpoint } from './resolve-endpoint';

/**
 * One connection pool per endpoint for the life of the Lambda container: the keep-alive
 * sockets, the SDK client and the retry budget. Module scope on purpose: a warm container
 * serves many invocations, and building an SDK client (credential chain, TLS sessions) per
 * event would cost more than most handlers. Options are not shared: each distinct set of
 * options (one per bootstrap, in practice) gets its own ManagementClient over the pool, so a
 * second handler's `maxMessageBytes` or timeouts are its own.
 */
const pools = new Map<string, { pool: EndpointPool; clients: Map<string, ManagementClient> }>();

const MAX_CLIENTS_PER_POOL = 64;

// Objects in the options (logger, credentials) are told apart by identity.
const identities = new WeakMap<object, number>();
let nextIdentity = 0;

/**
 * A ManagementClient for `endpoint` (already resolved, no trailing slash) with `options`,
 * sharing the endpoint's pool with every other client of it. The same options get the same
 * client, so calling this per event allocates nothing after the first.
 * @internal
 */
export function getManagementClient(
  endpoint: string,
  options: Omit<ManagementClientOptions, 'endpoint' | 'client'> = {},
  env: NodeJS.ProcessEnv = process.env,
): ManagementClient {
  // Only a new pool or client needs them: parsing the endpoint per event is not free.
  const credentials = (): ManagementClientOptions['credentials'] =>
    options.credentials ?? localCredentials(endpoint, env);
  // Region and credentials belong to the pool (they are the SDK client's and the signer's).
  const poolKey = `${endpoint}\n${options.region ?? ''}\n${identityOf(options.credentials)}`;
  let entry = pools.get(poolKey);
  if (!entry) {
    entry = {
      pool: new EndpointPool({
        endpoint,
        region: options.region,
        credentials: credentials(),
        // Each client grows the pool to its own concurrency.
        sockets: 1,
      }),
      clients: new Map(),
    };
    pools.set(poolKey, entry);
  }
  const clientKey = optionsKey(options);
  let client = entry.clients.get(clientKey);
  if (!client) {
    // A caller passing fresh options per event (a per-event logger) must not grow this forever.
    if (entry.clients.size >= MAX_CLIENTS_PER_POOL) {
      entry.clients.delete(entry.clients.keys().next().value as string);
    }
    const clientOptions: ManagementClientOptions = {
      ...options,
      endpoint,
      credentials: credentials(),
    };
    lendPool(clientOptions, entry.pool);
    client = new ManagementClient(clientOptions);
    entry.clients.set(clientKey, client);
  }
  return client;
}

/**
 * Forgets every cached client and closes their sockets. For tests (and a process that must
 * exit promptly); Lambda never needs it.
 */
export function destroyManagementClients(): void {
  for (const { pool } of pools.values()) pool.destroy();
  pools.clear();
}

function optionsKey(options: Omit<ManagementClientOptions, 'endpoint' | 'client'>): string {
  return [
    options.timeoutMs,
    options.retries,
    options.retryTimeouts,
    options.retryBaseDelayMs,
    options.retryMaxDelayMs,
    options.concurrency,
    options.maxMessageBytes,
    identityOf(options.logger),
  ].join('|');
}

function identityOf(value: Logger | ApiGatewayManagementApiClientConfig['credentials']): number {
  if (value === undefined || (typeof value !== 'object' && typeof value !== 'function')) return 0;
  let id = identities.get(value);
  if (id === undefined) {
    nextIdentity += 1;
    id = nextIdentity;
    identities.set(value, id);
  }
  return id;
}

function localCredentials(
  endpoint: string,
  env: NodeJS.ProcessEnv,
): ManagementClientOptions['credentials'] {
  if (!isLocalEndpoint(endpoint)) return undefined;
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return undefined;
  // The SDK signs every call, even to a local endpoint; the local gateway and the test recorder
  // ignore signatures, so any static key will do when the machine has none. A fresh object each
  // time: the SDK writes bookkeeping fields onto the credentials it is given.
  return { accessKeyId: 'local', secretAccessKey: 'local' };
}
