import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { request, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import {
  createConnectionsTable,
  createLogger,
  DynamoDBConnectionStore,
  MemoryConnectionStore,
  type ConnectionStore,
} from 'lift-ws';
import WebSocket from 'ws';
import { startChatDevServer, type ChatDevServer } from '../../samples/chat/src/dev-server';
import { eventually, expectRefused } from './local-gateway-kit';

// The chat sample end to end: real sockets through the local gateway, once with rooms in memory
// (what `npm start` runs) and once in DynamoDB (dynalite in process, the real SDK client), as
// template.yaml deploys it.

// dynalite ships no types; createRequire keeps the import typed at this one line.
const dynalite = createRequire(__filename)('dynalite') as (options: {
  createTableMs: number;
  deleteTableMs: number;
  updateTableMs: number;
}) => Server;

interface StoreFixture {
  store: ConnectionStore;
  close(): Promise<void>;
}

function memoryStore(): Promise<StoreFixture> {
  return Promise.resolve({ store: new MemoryConnectionStore(), close: () => Promise.resolve() });
}

async function dynamoDbStore(): Promise<StoreFixture> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await createConnectionsTable(client, 'chat-connections', { pollIntervalMs: 10 });
  return {
    store: new DynamoDBConnectionStore({ tableName: 'chat-connections', client }),
    async close() {
      // Destroying the client first closes its keep-alive sockets, so the server can close.
      client.destroy();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

type Frame = Record<string, unknown> & {
  type?: string;
  error?: { code: string; message: string };
};

/** A `ws` client that keeps every JSON frame and lets a test wait for the ones it expects. */
class ChatClient {
  readonly frames: Frame[] = [];
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: WebSocket.RawData) => {
      this.frames.push(JSON.parse((data as Buffer).toString('utf8')) as Frame);
      for (const wake of this.waiters) wake();
    });
  }

  static open(url: string): Promise<ChatClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      const client = new ChatClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  send(message: object): void {
    this.socket.send(JSON.stringify(message));
  }

  /** Resolves with the frames matching `match` once there are `count` of them. */
  waitFor(match: (frame: Frame) => boolean, count = 1, timeoutMs = 3000): Promise<Frame[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.frames.filter(match);
        if (found.length < count) return false;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((wake) => wake !== check);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((wake) => wake !== check);
        reject(
          new Error(`timed out waiting for ${count} frame(s); got ${JSON.stringify(this.frames)}`),
        );
      }, timeoutMs);
      if (!check()) this.waiters.push(check);
    });
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close(1000);
    });
  }
}

const isType = (type: string) => (frame: Frame) => frame.type === type;
const isError = (code: string) => (frame: Frame) => frame.error?.code === code;

describe.each([
  ['memory', memoryStore],
  ['DynamoDB on dynalite', dynamoDbStore],
])('chat sample on the local gateway, %s store', (_name, makeStore) => {
  let server: ChatDevServer;
  let fixture: StoreFixture;
  const clients: ChatClient[] = [];

  async function connect(user: string): Promise<ChatClient> {
    const client = await ChatClient.open(
      `${server.wsUrl}?Authorization=${encodeURIComponent(server.devToken(user))}`,
    );
    clients.push(client);
    return client;
  }

  async function joined(client: ChatClient, room: string, user: string): Promise<void> {
    client.send({ action: 'join', room });
    await client.waitFor((frame) => frame.type === 'joined' && frame.user === user);
  }

  beforeAll(async () => {
    fixture = await makeStore();
    server = await startChatDevServer({
      port: 0,
      host: '127.0.0.1',
      logger: createLogger({ level: 'error' }),
      connections: fixture.store,
    });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  afterAll(async () => {
    await server?.close();
    await fixture?.close();
  });

  it('serves the page, and dev tokens to this machine only', async () => {
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<script src="app.js"></script>');

    const granted = await fetch(`${server.url}dev-token?user=alice`);
    expect(granted.status).toBe(200);
    const { token, wsUrl } = (await granted.json()) as { token: string; wsUrl: string };
    expect(wsUrl).toBe(server.wsUrl);
    const client = await ChatClient.open(`${wsUrl}?Authorization=${encodeURIComponent(token)}`);
    clients.push(client);

    expect((await fetch(`${server.url}dev-token?user=${'x'.repeat(33)}`)).status).toBe(400);
    expect((await fetch(`${server.url}dev-token`)).status).toBe(400);
    // A page on another origin that rebinds its DNS name to 127.0.0.1 still sends its own Host.
    const rebound = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${server.url}dev-token?user=mallory`);
      const req = request(url, { headers: { Host: 'evil.example.com' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(rebound).toBe(403);
  });

  it('refuses a handshake without a token, or with a bad one, with 401', async () => {
    expect((await expectRefused(server.wsUrl)).statusCode).toBe(401);
    expect((await expectRefused(`${server.wsUrl}?Authorization=not.a.jwt`)).statusCode).toBe(401);
  });

  it('accepts the token as a subprotocol, as the page sends it, and echoes "bearer"', async () => {
    const socket = new WebSocket(server.wsUrl, ['bearer', server.devToken('carol')]);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    expect(socket.protocol).toBe('bearer');
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.close();
    });
  });

  it('delivers a message to every member of the room, and only to them', async () => {
    const alice = await connect('alice');
    const bob = await connect('bob');
    const carol = await connect('carol');
    const dave = await connect('dave');
    await joined(alice, 'lobby', 'alice');
    await joined(bob, 'lobby', 'bob');
    await joined(carol, 'lobby', 'carol');
    await joined(dave, 'elsewhere', 'dave');
    await alice.waitFor((frame) => frame.type === 'joined' && frame.user === 'carol');

    alice.send({ action: 'sendMessage', room: 'lobby', text: 'hello lobby' });
    bob.send({ action: 'sendMessage', room: 'lobby', text: 'hi alice' });

    for (const member of [alice, bob, carol]) {
      const messages = await member.waitFor(isType('message'), 2);
      expect(messages.map(({ from, text }) => `${String(from)}: ${String(text)}`).sort()).toEqual([
        'alice: hello lobby',
        'bob: hi alice',
      ]);
      expect(messages[0]).toMatchObject({ room: 'lobby', at: expect.any(String) as unknown });
    }
    // dave is in another room; both fan-outs finished, so a whoami round trip is enough.
    dave.send({ action: 'whoami' });
    await dave.waitFor(isType('whoami'));
    expect(dave.frames.filter(isType('message'))).toEqual([]);
  });

  it('tells the room when a member leaves or goes away', async () => {
    const alice = await connect('alice');
    const bob = await connect('bob');
    await joined(alice, 'farewell', 'alice');
    await joined(bob, 'farewell', 'bob');

    bob.send({ action: 'leave', room: 'farewell' });
    await alice.waitFor((frame) => frame.type === 'left' && frame.user === 'bob');
    bob.send({ action: 'sendMessage', room: 'farewell', text: 'still here?' });
    const [refused] = await bob.waitFor(isError('FORBIDDEN'));
    expect(refused.error?.message).toMatch(/not in the room "farewell"/);

    const erin = await connect('erin');
    await joined(erin, 'farewell', 'erin');
    await erin.close();
    await alice.waitFor((frame) => frame.type === 'left' && frame.user === 'erin');
  });

  it('answers whoami with the identity from the token', async () => {
    const alice = await connect('alice');
    alice.send({ action: 'whoami' });
    const [frame] = await alice.waitFor(isType('whoami'));
    expect(frame).toEqual({
      type: 'whoami',
      userId: 'alice',
      tenantId: 'dev',
      connectionId: expect.stringMatching(/=$/) as unknown,
    });
  });

  it('answers an unknown action, a non-JSON message and bad input with error envelopes', async () => {
    const alice = await connect('alice');
    alice.send({ action: 'dance' });
    const [unknown] = await alice.waitFor(isError('NOT_FOUND'));
    expect(unknown.error?.message).toMatch(/unknown action "dance"/);

    alice.socket.send('hello?');
    await alice.waitFor(isError('NOT_FOUND'), 2);

    alice.send({ action: 'join', room: '../etc' });
    alice.send({ action: 'sendMessage', room: 'lobby', text: 'x'.repeat(2001) });
    const badRequests = await alice.waitFor(isError('BAD_REQUEST'), 2);
    expect(badRequests.map((frame) => frame.error?.message).sort()).toEqual([
      expect.stringMatching(/^room must be/),
      expect.stringMatching(/^text is longer than 2000/),
    ]);
  });

  it('keeps the connection, its identity and its rooms in the store until it closes', async () => {
    const alice = await connect('alice');
    await joined(alice, 'tracked', 'alice');
    alice.send({ action: 'whoami' });
    const [{ connectionId }] = await alice.waitFor(isType('whoami'));
    const id = connectionId as string;
    await expect(fixture.store.get(id)).resolves.toMatchObject({
      connectionId: id,
      userId: 'alice',
      tenantId: 'dev',
      claims: expect.objectContaining({ sub: 'alice', iss: 'lift-ws-dev' }) as unknown,
    });
    await expect(fixture.store.roomsOf(id)).resolves.toEqual(['tracked']);

    await alice.close();
    // $disconnect runs after the close, and the store removes the connection item before its
    // memberships (no transactions): wait for the whole removal, not its first write.
    await eventually(
      async () =>
        (await fixture.store.get(id)) === undefined &&
        (await fixture.store.roomsOf(id)).length === 0,
    );
    await expect(fixture.store.get(id)).resolves.toBeUndefined();
    await expect(fixture.store.roomsOf(id)).resolves.toEqual([]);
  });

  it('answers ping with pong', async () => {
    const alice = await connect('alice');
    alice.send({ action: 'ping' });
    await expect(alice.waitFor(isType('pong'))).resolves.toEqual([{ type: 'pong' }]);
  });

  it('refuses messages over 10/s per connection with 429 envelopes, and delivers the rest', async () => {
    const alice = await connect('alice');
    await joined(alice, 'burst', 'alice');
    const burst = 15;
    for (let i = 0; i < burst; i += 1) {
      alice.send({ action: 'sendMessage', room: 'burst', text: `message ${i}` });
    }
    await alice.waitFor(
      (frame) => frame.type === 'message' || frame.error?.code === 'TOO_MANY_REQUESTS',
      burst,
    );
    const delivered = alice.frames.filter(isType('message')).length;
    const refused = alice.frames.filter(isError('TOO_MANY_REQUESTS'));
    expect(delivered).toBeGreaterThanOrEqual(10);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(delivered + refused.length).toBe(burst);
  });
});
