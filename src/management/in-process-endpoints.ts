import type { ConnectionsAnswer } from '../events/connections-wire';
import type { AttemptFacts } from './call-failure';
import { ConnectionsApiError } from './connections-api-error';

/**
 * A `@connections` API answered by this very process (the local gateway's): its PostToConnection
 * as a function, with the answer the HTTP API would give for the same post.
 * @internal
 */
export interface InProcessConnections {
  post(connectionId: string, data: Uint8Array): ConnectionsAnswer;
}

// Keyed by the endpoint exactly as the gateway publishes it (`http://host:port/{stage}`); an
// endpoint spelled another way (`localhost`, a proxy) simply goes over HTTP.
const served = new Map<string, InProcessConnections>();

const withoutTrailingSlash = (endpoint: string): string => endpoint.replace(/\/+$/, '');

/**
 * Where the lean PostToConnection path finds an endpoint served in this process. A handler
 * running inside the local gateway's process posts every frame of a fan-out to that gateway:
 * over HTTP each one costs a SigV4 signature, an HTTP request and its parsing on both ends, all
 * on the one event loop that also runs the gateway and the handler (about 0.4 ms of CPU per
 * frame, measured by bench/gateway.bench.ts). Handed over in-process, the post gets the same
 * answer (200, 410, 413, 429) from the same code that answers the HTTP API. GetConnection,
 * DeleteConnection, the SDK client itself and every other process still use HTTP.
 * @internal
 */
export const inProcessEndpoints = {
  /** Serves `endpoint` in-process until the returned function is called. */
  serve(endpoint: string, connections: InProcessConnections): () => void {
    const key = withoutTrailingSlash(endpoint);
    served.set(key, connections);
    return () => {
      if (served.get(key) === connections) served.delete(key);
    };
  },

  find(endpoint: string): InProcessConnections | undefined {
    // Most processes serve nothing: no string work on the path of a real Lambda.
    return served.size === 0 ? undefined : served.get(withoutTrailingSlash(endpoint));
  },
};

/**
 * One PostToConnection attempt handed to an in-process endpoint, failing like the HTTP path
 * (same error names and statuses, so the same classifier, retries and budget apply).
 * @internal
 */
export function postInProcess(
  connections: InProcessConnections,
  connectionId: string,
  data: Uint8Array,
  deadlineMs: number | undefined,
  facts: AttemptFacts,
): Promise<void> {
  if (deadlineMs !== undefined && Date.now() >= deadlineMs) {
    facts.deadline = true;
    facts.written = false;
    return Promise.reject(
      new ConnectionsApiError('AbortError', 'the deadline passed before the request was sent'),
    );
  }
  facts.written = true;
  const answer = connections.post(connectionId, data);
  if (answer.status >= 200 && answer.status < 300) return Promise.resolve();
  return Promise.reject(
    new ConnectionsApiError(answer.errorType ?? 'Unknown', answer.message ?? '', {
      statusCode: answer.status,
    }),
  );
}
