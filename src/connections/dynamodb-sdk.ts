import type * as DynamoDbClientModule from '@aws-sdk/client-dynamodb';
import type * as DocumentClientModule from '@aws-sdk/lib-dynamodb';

/** The two DynamoDB packages the store and `createConnectionsTable` use. */
export interface DynamoDbSdk {
  readonly client: typeof DynamoDbClientModule;
  readonly documents: typeof DocumentClientModule;
}

let loaded: DynamoDbSdk | undefined;

/**
 * The DynamoDB SDK, loaded when something first needs it (a `DynamoDBConnectionStore` being
 * built, `createConnectionsTable`), not when lift-ws is imported: a handler on the memory store
 * never pays the ~100 KB of client code at cold start. The specifiers are static, so bundlers
 * (esbuild, webpack) still include both packages; `require` is what the published CommonJS and
 * jest run as well.
 */
export function dynamoDbSdk(): DynamoDbSdk {
  return (loaded ??= {
    /* eslint-disable @typescript-eslint/no-require-imports -- loaded on first use, see above */
    client: require('@aws-sdk/client-dynamodb') as typeof DynamoDbClientModule,
    documents: require('@aws-sdk/lib-dynamodb') as typeof DocumentClientModule,
    /* eslint-enable @typescript-eslint/no-require-imports */
  });
}
