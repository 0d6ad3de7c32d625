import { createClient, type LiftWsClient } from 'lift-ws/client';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import {
  chat,
  clientFor,
  eventually,
  hsToken,
  startServer,
  stateReached,
  type Chat,
} from './client-kit';

const clients: Array<LiftWsClient<Chat>> = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

describe('heartbeat', () => {
  test('pings keep a connection open past the idle timeout', async () => {
    // The gateway closes after 300 ms of silence (AWS: 10 min); the client pings after 100 ms.
    const server = await startServer({ limits: { idleTimeoutMs: 300 } });
    try {
      const client = clientFor(
        server.gateway.wsUrl,
        { token: hsToken(), heartbeatMs: 100 },
        clients,
      );
      await stateReached(client, 'open');
      // Three idle periods' worth of pings, answered by the built-in ping route.
      await eventually(() => server.log.bodies('ping').length >= 9, 5000);
      expect(server.log.bodies('ping')[0]).toEqual({ action: 'ping' });
      expect(server.log.connects()).toHaveLength(1);
      expect(server.log.disconnects()).toHaveLength(0);
      expect(client.state).toBe('open');
    } finally {
      await server.close();
    }
  });

  test('no answer to a ping: the connection is taken as dead and replaced', async () => {
    // A server that accepts and then stays silent, like a half-open TCP connection.
    const silent = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => silent.once('listening', resolve));
    const received: string[] = [];
    let connections = 0;
    silent.on('connection', (socket) => {
      connections += 1;
      socket.on('message', (data: Buffer) => received.push(data.toString('utf8')));
    });
    try {
      const { port } = silent.address() as AddressInfo;
      const client = clientFor(
        `ws://127.0.0.1:${port}`,
        { heartbeatMs: 100, pongTimeoutMs: 100, reconnect: { baseDelayMs: 10, maxDelayMs: 20 } },
        clients,
      );
      const states: string[] = [];
      client.onState((state) => states.push(state));
      await eventually(() => connections >= 2, 5000);
      expect(received[0]).toBe('{"action":"ping"}');
      expect(states.slice(0, 2)).toEqual(['open', 'reconnecting']);
    } finally {
      for (const client of clients.splice(0)) client.close();
      for (const socket of silent.clients) socket.terminate();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('options are checked at createClient', () => {
  const base = { url: 'ws://127.0.0.1:1/local', WebSocket: WebSocket as never };

  test('a heartbeat at or over the 10-minute idle limit is refused', () => {
    expect(() => createClient(chat, { ...base, heartbeatMs: 600_000 })).toThrow(
      'createClient: heartbeatMs must be below 600000 ms',
    );
  });

  test('a rotation at or over the 2-hour limit is refused', () => {
    expect(() => createClient(chat, { ...base, rotateAfterMs: 7_200_000 })).toThrow(
      'createClient: rotateAfterMs must be below 7200000 ms',
    );
  });

  test('bad numbers, urls, tokens and contracts are named', () => {
    expect(() => createClient(chat, { ...base, queueLimit: 0 })).toThrow('queueLimit');
    expect(() => createClient(chat, { ...base, url: 'http://x' })).toThrow('ws:// or wss://');
    expect(() => createClient(chat, { ...base, token: 1 as never })).toThrow('token must be');
    expect(() => createClient({} as never, base)).toThrow('defineContract');
  });
});
