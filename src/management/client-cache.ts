import { isLocalEndpoint } from './resolve-endpoint';
import { ManagementClient, type ManagementClientOptions } from './management-client';

/**
 * One ManagementClient per endpoint for the life of the Lambda container. Module scope on
 * purpose: a warm container serves many invocations, and building an SDK client (credential
 * chain, TLS sessions, socket pool) per event would cost more than most handlers. Nothing
 * per-request is kept here.
 */
const clients = new Map<string, ManagementClient>();

/**
 * The cached client for `endpoint` (already resolved, no trailing slash), created on first use
 * with `options`; later calls for the same endpoint get the same client whatever their options.
 * @internal
 */
export function getManagementClient(
  endpoint: string,
  options: Omit<ManagementClientOptions, 'endpoint'> = {},
  env: NodeJS.ProcessEnv = process.env,
): ManagementClient {
  let client = clients.get(endpoint);
  if (!client) {
    client = new ManagementClient({
      ...options,
      endpoint,
      credentials: options.credentials ?? localCredentials(endpoint, env),
    });
    clients.set(endpoint, client);
  }
  return client;
}

/**
 * Forgets every cached client and closes their sockets. For tests (and a process that must
 * exit promptly); Lambda never needs it.
 */
export function destroyManagementClients(): void {
  for (const client of clients.values()) client.destroy();
  clients.clear();
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
