import type { DynamoDBClient, TableDescription } from '@aws-sdk/client-dynamodb';
import { sleep } from '../concurrency/sleep';
import { errorMessage } from '../errors/error-message';
import { optionNumber } from '../validation/option-number';
import { awsErrorName } from './aws-error-name';
import { dynamoDbSdk } from './dynamodb-sdk';
import { connectionsTable } from './connections-table';

export interface CreateConnectionsTableOptions {
  /** How long to wait for the table and its indexes to become ACTIVE. Default 300000 (5 min). */
  timeoutMs?: number;
  /** Pause between status checks. Default 1000. */
  pollIntervalMs?: number;
}

/**
 * Creates the connections table (`connectionsTable` layout, on-demand capacity) if it does not
 * exist, waits until it and its indexes are ACTIVE, and enables TTL on `expiresAt`. Safe to call
 * on a table that already exists. For local runs, tests and scripts; deploy with the template.
 *
 * @example
 * const client = new DynamoDBClient({ endpoint: 'http://127.0.0.1:4567', region: 'us-east-1' });
 * await createConnectionsTable(client, 'connections');
 * const store = new DynamoDBConnectionStore({ tableName: 'connections', client });
 */
export async function createConnectionsTable(
  client: DynamoDBClient,
  tableName: string,
  options: CreateConnectionsTableOptions = {},
): Promise<void> {
  const timeoutMs = optionNumber(options.timeoutMs, 300_000, 'createConnectionsTable: timeoutMs');
  const pollIntervalMs = optionNumber(
    options.pollIntervalMs,
    1000,
    'createConnectionsTable: pollIntervalMs',
  );
  try {
    await client.send(
      new (dynamoDbSdk().client.CreateTableCommand)(connectionsTable.createTableInput(tableName)),
    );
  } catch (error) {
    if (awsErrorName(error) !== 'ResourceInUseException') throw error;
  }
  const table = await waitUntilActive(client, tableName, Date.now() + timeoutMs, pollIntervalMs);
  // An existing table of another layout would fail later, on the first listing: say it now.
  const indexes = new Set((table.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  for (const { indexName } of [connectionsTable.userIndex, connectionsTable.tenantIndex]) {
    if (!indexes.has(indexName)) {
      throw new Error(`table ${tableName} exists without the index ${indexName}`);
    }
  }
  try {
    await client.send(
      new (dynamoDbSdk().client.UpdateTimeToLiveCommand)({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: connectionsTable.ttlAttribute, Enabled: true },
      }),
    );
  } catch (error) {
    // dynalite has no UpdateTimeToLive, and AWS refuses to enable TTL twice. Neither matters:
    // the store never relies on TTL deletion, which is only the cleanup.
    const unsupported = awsErrorName(error) === 'UnknownOperationException';
    const alreadyEnabled =
      awsErrorName(error) === 'ValidationException' && /already enabled/i.test(errorMessage(error));
    if (!unsupported && !alreadyEnabled) throw error;
  }
}

async function waitUntilActive(
  client: DynamoDBClient,
  tableName: string,
  deadline: number,
  pollIntervalMs: number,
): Promise<TableDescription> {
  for (;;) {
    const { Table: table } = await client.send(
      new (dynamoDbSdk().client.DescribeTableCommand)({ TableName: tableName }),
    );
    const indexesActive = (table?.GlobalSecondaryIndexes ?? []).every(
      (index) => index.IndexStatus === 'ACTIVE',
    );
    if (table?.TableStatus === 'ACTIVE' && indexesActive) return table;
    if (Date.now() >= deadline) {
      throw new Error(`table ${tableName} is not ACTIVE yet (${table?.TableStatus ?? 'unknown'})`);
    }
    await sleep(pollIntervalMs);
  }
}
