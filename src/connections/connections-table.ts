import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The layout of the connections table, as data: `DynamoDBConnectionStore` reads and writes it,
 * `createConnectionsTable` creates it, and a SAM / CloudFormation template must declare the same
 * (see docs/dynamodb-table.md for the YAML).
 *
 * @example
 * const input = connectionsTable.createTableInput('my-app-connections');
 * console.log(input.GlobalSecondaryIndexes?.map((index) => index.IndexName)); // ['gsi1', 'gsi2']
 */
export const connectionsTable = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds on every item; enable DynamoDB TTL on it. */
  ttlAttribute: 'expiresAt',
  /** Sparse: only connections with a userId carry `gsi1pk = USER#<userId>`. */
  userIndex: { indexName: 'gsi1', partitionKey: 'gsi1pk' },
  /** Sparse: only connections with a tenantId carry `gsi2pk = TENANT#<tenantId>`. */
  tenantIndex: { indexName: 'gsi2', partitionKey: 'gsi2pk' },
  /**
   * What the indexes copy besides the keys: enough to list live connection ids, so an index
   * query never has to fetch the item from the table.
   */
  indexedAttributes: ['connectionId', 'expiresAt'],

  /** The CreateTable input for a table of this layout (on-demand capacity). */
  createTableInput(tableName: string): CreateTableCommandInput {
    const { partitionKey, sortKey, userIndex, tenantIndex, indexedAttributes } = connectionsTable;
    const index = (indexName: string, key: string) => ({
      IndexName: indexName,
      KeySchema: [{ AttributeName: key, KeyType: 'HASH' as const }],
      Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...indexedAttributes] },
    });
    return {
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        partitionKey,
        sortKey,
        userIndex.partitionKey,
        tenantIndex.partitionKey,
      ].map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
      KeySchema: [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        { AttributeName: sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        index(userIndex.indexName, userIndex.partitionKey),
        index(tenantIndex.indexName, tenantIndex.partitionKey),
      ],
    };
  },
} as const;
