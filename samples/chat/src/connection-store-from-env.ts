import { DynamoDBConnectionStore, MemoryConnectionStore, type ConnectionStore } from 'lift-ws';

/**
 * The connection store the environment asks for: DynamoDB when `CONNECTIONS_TABLE` names a table
 * (as template.yaml sets it for the chat and the fan-out worker), else process memory (one
 * process: the local gateway, tests).
 */
export function connectionStoreFromEnv(): ConnectionStore {
  const tableName = process.env.CONNECTIONS_TABLE?.trim();
  return tableName ? new DynamoDBConnectionStore({ tableName }) : new MemoryConnectionStore();
}
