import { createLogger } from 'lift-ws';
import WebSocket from 'ws';
import { startChatDevServer, type ChatDevServer } from '../../samples/chat/src/dev-server';

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
      this.frames.push(JSON.parse(String(data)) as Frame);
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

/** The HTTP status of a refused handshake, as the client sees it. */
function handshakeStatus(url: string, protocols?: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocols);
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      socket.terminate();
    });
    socket.once('open', () => {
      socket.close();
      reject(new Error('the handshake was accepted'));
    });
    socket.once('error', () => undefined);
  });
}

const isType = (type: string) => (frame: Frame) => frame.type === type;
const isError = (code: string) => (frame: Frame) => frame.error?.code === code;

describe('chat sample on the local gateway', () => {
  let server: ChatDevServer;
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
    server = await startChatDevServer({
      port: 0,
      host: '127.0.0.1',
      logger: createLogger({ level: 'error' }),
    });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  afterAll(async () => {
    await server.close();
  });

  it('refuses a handshake without a token, or with a bad one, with 401', async () => {
    await expect(handshakeStatus(server.wsUrl)).resolves.toBe(401);
    await expect(handshakeStatus(`${server.wsUrl}?Authorization=not.a.jwt`)).resolves.toBe(401);
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
      expect(messages[0]).toMatchObject({ room: 'lobby', at: expect.any(String) });
    }
    // dave is elsewhere: his whoami answer arrives after anything sent before it.
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
    expect(refused.error?.message).toMatch(/join the room/);

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
      connectionId: expect.stringMatching(/=$/),
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
