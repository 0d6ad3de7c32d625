import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { WebSocketServer } from 'ws';
import type { ClientError, ClientState, LiftWsClient } from 'lift-ws/client';
import { OTHER_SECRET, SECRET } from '../support/jwt-fixtures';
import {
  clientFor,
  eventually,
  hsToken,
  ManualClock,
  startServer,
  stateReached,
  type Chat,
  type Server,
} from './client-kit';

let server: Server;
const clients: Array<LiftWsClient<Chat>> = [];

beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server.close();
});

const fastRetry = { baseDelayMs: 20, maxDelayMs: 100 };
const connectionIds = () => server.log.connects().map((event) => event.requestContext.connectionId);
const joinsOf = (connectionId: string) =>
  server.log.events
    .filter((event) => event.requestContext.connectionId === connectionId)
    .map((event) => JSON.parse(event.body ?? '{}') as { action?: string; room?: string })
    .filter((body) => body.action === 'join')
    .map((body) => body.room)
    .sort();

describe('reconnect', () => {
  test('re-joins its rooms after a server-side disconnect', async () => {
    const client = clientFor(
      server.gateway.wsUrl,
      { token: hsToken(), reconnect: fastRetry },
      clients,
    );
    const states: ClientState[] = [];
    client.onState((state) => states.push(state));
    client.join('alpha');
    client.join('beta');
    await stateReached(client, 'open');
    const [first] = connectionIds();
    await eventually(() => joinsOf(first).length === 2);

    await server.disconnect(first);
    await eventually(() => connectionIds().length === 2 && client.state === 'open');
    const second = connectionIds()[1];
    expect(second).not.toBe(first);
    await eventually(() => joinsOf(second).length === 2);
    expect(joinsOf(second)).toEqual(['alpha', 'beta']);
    expect(states).toEqual(['open', 'reconnecting', 'open']);

    // The rooms are really joined on the new connection: a broadcast reaches it.
    const said: number[] = [];
    client.on('said', (event) => said.push(event.n));
    client.send('say', { room: 'beta', n: 7 });
    await eventually(() => said.length === 1);
    expect(said).toEqual([7]);
    expect(client.rooms.sort()).toEqual(['alpha', 'beta']);
  });

  test('a room left is not re-joined', async () => {
    const client = clientFor(
      server.gateway.wsUrl,
      { token: hsToken(), reconnect: fastRetry },
      clients,
    );
    client.join('alpha');
    client.join('beta');
    await stateReached(client, 'open');
    client.leave('alpha');
    await eventually(() => server.log.bodies('leave').length === 1);
    await server.disconnect(connectionIds()[0]);
    await eventually(() => connectionIds().length === 2 && joinsOf(connectionIds()[1]).length > 0);
    expect(joinsOf(connectionIds()[1])).toEqual(['beta']);
  });

  test('calls the token function before every (re)connect and offers its token', async () => {
    const issued: string[] = [];
    const token = async (): Promise<string> => {
      await Promise.resolve();
      const next = hsToken({ jti: `t${issued.length + 1}` });
      issued.push(next);
      return next;
    };
    const client = clientFor(server.gateway.wsUrl, { token, reconnect: fastRetry }, clients);
    await stateReached(client, 'open');
    for (let round = 1; round <= 2; round += 1) {
      await server.disconnect(connectionIds()[round - 1]);
      await eventually(() => connectionIds().length === round + 1 && client.state === 'open');
    }
    expect(issued).toHaveLength(3);
    expect(new Set(issued).size).toBe(3);
    expect(server.log.tokens()).toEqual(issued);
  });

  test('a 401 on the handshake stops retrying, with an UNAUTHORIZED error', async () => {
    const clock = new ManualClock();
    const badToken = jwt.sign({ sub: 'u1' }, OTHER_SECRET, { algorithm: 'HS256', expiresIn: 60 });
    const tokenCalls: number[] = [];
    const client = clientFor(
      server.gateway.wsUrl,
      {
        clock,
        token: () => (tokenCalls.push(1), badToken),
        reconnect: { baseDelayMs: 1, maxDelayMs: 5 },
      },
      clients,
    );
    const errors: ClientError[] = [];
    client.onError((error) => errors.push(error));
    await stateReached(client, 'closed');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'UNAUTHORIZED', statusCode: 401 });
    // Every retry goes through the client's clock: none is scheduled, so none can come.
    expect(clock.pendingDelays()).toEqual([]);
    clock.advance(60_000);
    expect(server.log.connects()).toHaveLength(1);
    expect(tokenCalls).toHaveLength(1);
    expect(client.state).toBe('closed');
  });

  test('a 403 on the handshake stops too (FORBIDDEN)', async () => {
    const wrongStage = server.gateway.wsUrl.replace(/\/[^/]+$/, '/no-such-stage');
    const client = clientFor(wrongStage, { token: hsToken(), reconnect: fastRetry }, clients);
    const errors: ClientError[] = [];
    client.onError((error) => errors.push(error));
    await stateReached(client, 'closed');
    expect(errors.map((error) => [error.code, error.statusCode])).toEqual([['FORBIDDEN', 403]]);
  });

  test('a failing token function is reported as TOKEN_FAILED and retried', async () => {
    let calls = 0;
    const client = clientFor(
      server.gateway.wsUrl,
      {
        token: () => {
          calls += 1;
          if (calls === 1) throw new Error('token service down');
          return jwt.sign({ sub: 'u1' }, SECRET, { algorithm: 'HS256', expiresIn: 60 });
        },
        reconnect: fastRetry,
      },
      clients,
    );
    const errors: ClientError[] = [];
    client.onError((error) => errors.push(error));
    await stateReached(client, 'open');
    expect(errors.map((error) => error.code)).toEqual(['TOKEN_FAILED']);
    expect(calls).toBe(2);
  });

  test('a close with 1008 (policy violation) stops retrying, with POLICY_VIOLATION', async () => {
    // API Gateway and proxies close with 1008 for a policy the client broke: retrying repeats it.
    const clock = new ManualClock();
    const strict = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => strict.once('listening', resolve));
    let connections = 0;
    strict.on('connection', (socket) => {
      connections += 1;
      socket.close(1008, 'policy');
    });
    try {
      const { port } = strict.address() as AddressInfo;
      const client = clientFor(
        `ws://127.0.0.1:${port}`,
        { clock, reconnect: { baseDelayMs: 1, maxDelayMs: 5 } },
        clients,
      );
      const errors: ClientError[] = [];
      client.onError((error) => errors.push(error));
      await stateReached(client, 'closed');
      expect(errors.map((error) => error.code)).toEqual(['POLICY_VIOLATION']);
      // Every retry goes through the client's clock: none is scheduled, so none can come.
      expect(clock.pendingDelays()).toEqual([]);
      clock.advance(60_000);
      expect(connections).toBe(1);
    } finally {
      await new Promise((resolve) => strict.close(resolve));
    }
  });

  test('maxRetries gives up with RETRIES_EXHAUSTED', async () => {
    const port = server.gateway.port;
    await server.close();
    const client = clientFor(
      `ws://127.0.0.1:${port}/local`,
      { token: hsToken(), reconnect: { baseDelayMs: 1, maxDelayMs: 5, maxRetries: 3 } },
      clients,
    );
    const errors: ClientError[] = [];
    client.onError((error) => errors.push(error));
    await stateReached(client, 'closed');
    expect(errors.map((error) => error.code)).toEqual(['RETRIES_EXHAUSTED']);
    server = await startServer();
  });
});
