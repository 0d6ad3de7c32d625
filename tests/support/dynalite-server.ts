import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { fork } from 'node:child_process';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createConnectionsTable } from '../../src/connections/create-connections-table';

type DynaliteFactory = (options: {
  createTableMs: number;
  deleteTableMs: number;
  updateTableMs: number;
}) => Server;
// dynalite ships no types; createRequire keeps the import typed at this one line.
const dynalite = createRequire(__filename)('dynalite') as DynaliteFactory;

type Item = Record<string, unknown>;

/** An in-process DynamoDB (dynalite) on 127.0.0.1, port 0, with the real SDK in front. */
export interface DynaliteServer {
  endpoint: string;
  port: number;
  /** A client the server owns; `close` destroys it. */
  client: DynamoDBClient;
  /** A fresh client for `endpoint` (or another one, e.g. a proxy in front of it). */
  newClient(endpoint?: string): DynamoDBClient;
  /** A new, empty connections table. */
  newTable(prefix?: string): Promise<string>;
  /** Every item of a table, through consistent paginated scans. */
  scanAll(tableName: string): Promise<Item[]>;
  close(): Promise<void>;
}

export interface DynaliteStartOptions {
  /**
   * Run dynalite in a child process: for tests that write tens of thousands of items, so that
   * dynalite's work and the test's own (SDK clients, servers) use two cores instead of one.
   */
  childProcess?: boolean;
}

export async function startDynalite(options: DynaliteStartOptions = {}): Promise<DynaliteServer> {
  const { port, stop } = options.childProcess ? await listenInChild() : await listenHere();
  const endpoint = `http://127.0.0.1:${port}`;
  const newClient = (target = endpoint): DynamoDBClient =>
    new DynamoDBClient({
      endpoint: target,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  const client = newClient();
  let tables = 0;
  return {
    endpoint,
    port,
    client,
    newClient,
    async newTable(prefix = 'connections') {
      const tableName = `${prefix}-${++tables}`;
      await createConnectionsTable(client, tableName, { pollIntervalMs: 10 });
      return tableName;
    },
    async scanAll(tableName) {
      const documents = DynamoDBDocumentClient.from(client);
      const items: Item[] = [];
      let startKey: Item | undefined;
      do {
        const page = await documents.send(
          new ScanCommand({
            TableName: tableName,
            ExclusiveStartKey: startKey,
            ConsistentRead: true,
          }),
        );
        items.push(...((page.Items ?? []) as Item[]));
        startKey = page.LastEvaluatedKey as Item | undefined;
      } while (startKey);
      return items;
    },
    async close() {
      // Destroying the client first closes its keep-alive sockets, so the server can close.
      client.destroy();
      await stop();
    },
  };
}

async function listenHere(): Promise<{ port: number; stop: () => Promise<void> }> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      ),
  };
}

async function listenInChild(): Promise<{ port: number; stop: () => Promise<void> }> {
  const child = fork(join(__dirname, 'dynalite-child.js'), [], { stdio: 'inherit' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve(message.port));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`dynalite child exited (${code})`)));
  });
  return {
    port,
    stop: async () => {
      child.send('close');
      await exited;
    },
  };
}
