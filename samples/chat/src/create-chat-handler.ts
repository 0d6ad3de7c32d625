import {
  bootstrap,
  DynamoDBConnectionStore,
  MemoryConnectionStore,
  type BootstrapOptions,
  type ConnectionStore,
  type LiftWsHandler,
} from 'lift-ws';
import { chatContract } from './chat-contract';
import { ChatController } from './chat-controller';

/**
 * The connection store the environment asks for: DynamoDB when `CONNECTIONS_TABLE` names a table
 * (as template.yaml sets it), else process memory (one process: the local gateway, tests).
 */
function connectionStoreFromEnv(): ConnectionStore {
  const tableName = process.env.CONNECTIONS_TABLE?.trim();
  return tableName ? new DynamoDBConnectionStore({ tableName }) : new MemoryConnectionStore();
}

/**
 * The chat's Lambda handler. JwtAuth reads its key from the environment (`JWT_SECRET` or
 * `JWT_PUBLIC_KEY`, `JWT_ISSUER`, `JWT_AUDIENCE`) right here, when bootstrap builds the routes:
 * set those first.
 */
export function createChatHandler(options: BootstrapOptions = {}): LiftWsHandler {
  return bootstrap([ChatController], {
    // Routes and contract checked against each other at cold start, both ways.
    contract: chatContract,
    // Room messages carry { room, seq } and are kept 10 minutes: the page's lift-ws/client
    // resumes after a reconnect or a rotation and shows every message once, in order.
    rooms: { history: true },
    ...options,
    connections: options.connections ?? connectionStoreFromEnv(),
  });
}
