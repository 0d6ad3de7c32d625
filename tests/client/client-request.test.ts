import { ClientError, type LiftWsClient } from 'lift-ws/client';
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

beforeAll(async () => {
  server = await startServer();
});
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});
afterAll(() => server.close());

const open = async (options: Parameters<typeof clientFor>[1] = {}) => {
  const client = clientFor(server.gateway.wsUrl, { token: hsToken(), ...options }, clients);
  await stateReached(client, 'open');
  return client;
};

describe('request/reply', () => {
  test('request resolves with the reply the server sent for its id', async () => {
    const client = await open();
    const [a, b] = await Promise.all([
      client.request('echo', { text: 'first' }),
      client.request('echo', { text: 'second' }),
    ]);
    // Typed by the contract's reply schema.
    const text: string = a.text;
    expect(text).toBe('first');
    expect(b.text).toBe('second');
    expect(a.connectionId).toBe(server.gateway.connections[0]);
    // The frames carried the action, the body's fields and a client-assigned id.
    const bodies = server.log.bodies('echo');
    expect(bodies.map((body) => Object.keys(body).sort())).toEqual([
      ['action', 'id', 'text'],
      ['action', 'id', 'text'],
    ]);
    expect(new Set(bodies.map((body) => body.id)).size).toBe(2);
  });

  test('a refused request rejects with the server envelope: code, message, details', async () => {
    const client = await open();
    const refused = await client.request('strict', { n: 'x' as unknown as number }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(ClientError);
    expect(refused).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'the message does not match its schema',
      details: { issues: [{ path: 'n', message: expect.stringContaining('number') as string }] },
      requestId: expect.any(String) as string,
    });
    await expect(client.request('strict', { n: 2 })).resolves.toEqual({ n: 2 });
  });

  test('a request without a reply rejects with TIMEOUT after requestTimeoutMs', async () => {
    const client = await open({ requestTimeoutMs: 300 });
    await expect(client.request('slow', {})).rejects.toMatchObject({ code: 'TIMEOUT' });
    // The server did get it: the timeout is about the reply only.
    expect(server.log.bodies('slow').length).toBeGreaterThan(0);
  });

  test('a per-request timeout overrides the client default', async () => {
    const client = await open({ requestTimeoutMs: 60_000 });
    await expect(client.request('slow', {}, { timeoutMs: 200 })).rejects.toMatchObject({
      code: 'TIMEOUT',
    });
  });

  test('close() rejects pending requests with CLOSED', async () => {
    const client = await open();
    const pending = client.request('slow', {});
    client.close();
    await expect(pending).rejects.toMatchObject({ code: 'CLOSED' });
    expect(client.state).toBe('closed');
    expect(() => client.send('note', { n: 1 })).toThrow(ClientError);
  });

  test('bodies that would break the frame are refused before sending', async () => {
    const client = await open();
    await expect(
      client.request('echo', { text: 'x', id: 'mine' } as unknown as { text: string }),
    ).rejects.toThrow('"action" and "id" are set by the client');
    await expect(client.request('echo', { text: 'x'.repeat(140 * 1024) })).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(server.log.bodies('echo').some((body) => body.id === 'mine')).toBe(false);
  });
});

describe('send and events', () => {
  test('send is fire-and-forget; on() gets the typed events of the contract', async () => {
    const client = await open();
    const said: number[] = [];
    client.on('said', (event) => said.push(event.n));
    client.join('lobby');
    // The room may not list this connection yet when the first say arrives: say again until it does.
    let n = 0;
    await eventually(() => {
      client.send('say', { room: 'lobby', n: ++n });
      return said.length > 0;
    });
    expect(said[0]).toBeGreaterThan(0);
  });

  test("an error frame for a send() reaches onError with the server's code", async () => {
    const client = await open();
    const errors: ClientError[] = [];
    client.onError((error) => errors.push(error));
    client.send('note', { n: -1 });
    const error = await eventually(() => errors[0]);
    expect(error).toMatchObject({ code: 'BAD_REQUEST', message: 'n must not be negative' });
  });
});

describe('inbound frames checked by the contract', () => {
  test("a reply is the reply schema's output (transforms applied), as typed", async () => {
    const client = await open();
    const { at } = await client.request('time', {});
    const typed: Date = at;
    expect(typed).toBeInstanceOf(Date);
    expect(typed.getTime()).toBe(0);
  });

  test('validateInbound: false hands the reply over as sent', async () => {
    const client = await open({ validateInbound: false });
    const { at } = await client.request('time', {});
    expect(at as unknown).toBe(new Date(0).toISOString());
  });

  test('an event that does not match its schema reaches onError, not the handler', async () => {
    const client = await open();
    const said: unknown[] = [];
    const errors: ClientError[] = [];
    client.on('said', (event) => said.push(event));
    client.onError((error) => errors.push(error));
    client.join('checked');
    await eventually(() => {
      client.send('sayWrong', { room: 'checked' });
      return errors.length > 0;
    });
    expect(said).toEqual([]);
    expect(errors[0]).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { issues: [{ path: 'n', message: expect.any(String) as string }] },
    });
  });

  test("an event's payload is the frame without its type", async () => {
    const client = await open();
    const said: unknown[] = [];
    client.on('said', (event) => said.push(event));
    client.join('plain');
    await eventually(() => {
      client.send('say', { room: 'plain', n: 5 });
      return said.length > 0;
    });
    expect(said[0]).toEqual({ room: 'plain', n: 5 });
  });
});
