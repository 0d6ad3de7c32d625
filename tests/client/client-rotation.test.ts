import type { ClientState, LiftWsClient } from 'lift-ws/client';
import {
  clientFor,
  eventually,
  hsToken,
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

describe('rotation before the 2-hour limit', () => {
  test('a message every 10 ms across a rotation: none lost, none duplicated', async () => {
    const client = clientFor(
      server.gateway.wsUrl,
      // Triggered early by the option; the drain keeps the old connection for broadcasts in flight.
      { token: () => hsToken(), rotateAfterMs: 400, rotationDrainMs: 150 },
      clients,
    );
    const states: ClientState[] = [];
    client.onState((state) => states.push(state));
    const received: number[] = [];
    client.on('said', (event) => received.push(event.n));
    client.join('stream');
    await stateReached(client, 'open');
    const first = server.log.connects()[0].requestContext.connectionId;
    // The room lists the connection once its join is processed: the first say comes back then.
    await eventually(() => server.log.bodies('join').length === 1);
    await client.request('echo', { text: 'after join' });

    let sent = 0;
    const ticker = setInterval(() => client.send('say', { room: 'stream', n: ++sent }), 10);
    try {
      // Rotated: a second connection opened, re-joined, and the client closed the first.
      await eventually(
        () =>
          server.log.disconnects().some((event) => event.requestContext.connectionId === first) &&
          server.log.connects().length >= 2,
        5000,
      );
      const atSwitch = sent;
      await eventually(() => sent >= atSwitch + 20, 5000);
    } finally {
      clearInterval(ticker);
    }
    await eventually(() => received.length >= sent, 5000);

    const expected = Array.from({ length: sent }, (_, index) => index + 1);
    // Each say reached the server exactly once...
    const atServer = server.log.bodies('say').map((body) => body.n as number);
    expect([...atServer].sort((a, b) => a - b)).toEqual(expected);
    // ...and each broadcast reached the client exactly once, though both connections were in
    // the room during the overlap.
    expect([...received].sort((a, b) => a - b)).toEqual(expected);
    expect(received).toHaveLength(sent);
    // The switch was invisible to the UI, and the old connection was closed by the client.
    expect(states).toEqual(['open']);
    const firstClose = server.log
      .disconnects()
      .find((event) => event.requestContext.connectionId === first);
    expect(firstClose?.requestContext.disconnectStatusCode).toBe(1000);
    // The new connection re-joined the room.
    const second = server.log.connects()[1].requestContext.connectionId;
    expect(
      server.log.events.some(
        (event) =>
          event.requestContext.connectionId === second &&
          (JSON.parse(event.body ?? '{}') as { action?: string }).action === 'join',
      ),
    ).toBe(true);
  });

  test('a request sent just before the switch gets its reply on the old connection', async () => {
    const client = clientFor(
      server.gateway.wsUrl,
      { token: hsToken(), rotateAfterMs: 300, rotationDrainMs: 50 },
      clients,
    );
    await stateReached(client, 'open');
    const first = server.log.connects()[0].requestContext.connectionId;
    const replies: Array<{ connectionId: string }> = [];
    // Requests go out until one is answered by the second connection.
    await eventually(async () => {
      replies.push(await client.request('echo', { text: 'x' }));
      return replies.some((reply) => reply.connectionId !== first);
    }, 5000);
    expect(replies.filter((reply) => reply.connectionId === first).length).toBeGreaterThan(0);
  });
});
