/**
 * Cold start: importing lift-ws must not load the DynamoDB or SQS SDK (~120 KB of client code a
 * handler on the memory store, or without fan-out, never runs). They load when something needs
 * them: a DynamoDBConnectionStore being built, bootstrap's `fanout` option.
 */
describe('SDK clients an event may never use', () => {
  const sdkPackages = ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/client-sqs'];

  function withRecordedLoads(
    body: (lift: typeof import('../../src/index'), loaded: string[]) => void,
  ): void {
    const loaded: string[] = [];
    jest.isolateModules(() => {
      for (const name of sdkPackages) {
        jest.doMock(name, () => {
          loaded.push(name);
          return jest.requireActual<object>(name);
        });
      }
      body(jest.requireActual<typeof import('../../src/index')>('../../src/index'), loaded);
    });
  }

  afterEach(() => {
    for (const name of sdkPackages) jest.dontMock(name);
  });

  it('loads none of them on import, nor for a handler on the memory store', () => {
    withRecordedLoads((lift, loaded) => {
      class Chat {}
      lift.WebSocketController()(Chat);
      lift.bootstrap([Chat], { connections: new lift.MemoryConnectionStore() });
      expect(loaded).toEqual([]);
    });
  });

  it('loads the DynamoDB packages when a DynamoDBConnectionStore is built', () => {
    withRecordedLoads((lift, loaded) => {
      const store = new lift.DynamoDBConnectionStore({ tableName: 'connections' });
      expect(store.tableName).toBe('connections');
      expect([...loaded].sort()).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb']);
    });
  });

  it('loads the SQS client when bootstrap is given the fanout option', () => {
    withRecordedLoads((lift, loaded) => {
      class Chat {}
      lift.WebSocketController()(Chat);
      lift.bootstrap([Chat], {
        fanout: { queueUrl: 'http://127.0.0.1:9/000000000000/fanout' },
      });
      expect(loaded).toEqual(['@aws-sdk/client-sqs']);
    });
  });
});
