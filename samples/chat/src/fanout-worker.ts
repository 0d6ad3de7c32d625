import { createFanoutWorker } from 'lift-ws';
import { connectionStoreFromEnv } from './connection-store-from-env';

/**
 * The fan-out worker of template.yaml (`fanout-worker.handler`), triggered by the fan-out queue:
 * it posts each shard the chat function enqueued (broadcasts over `fanout.threshold`) to
 * LIFT_WS_MANAGEMENT_ENDPOINT, and removes gone connections from the same table.
 */
export const handler = createFanoutWorker({ store: connectionStoreFromEnv() });
