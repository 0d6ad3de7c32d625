/**
 * API Gateway's limits and disconnect behaviour on the local gateway: binary and oversized
 * frames, idle and maximum duration (with short configured values), $disconnect events,
 * dropDisconnect, and close().
 */
import WebSocket from 'ws';
import { startLocalGateway } from '../../src/local';
import {
  AWS_EVENT_KEYS,
  eventually,
  gatewaysClosedAfterEach,
  keysOf,
  recordingHandler,
  recordingLogger,
  TestClient,
} from './local-gateway-kit';

describe('local gateway: limits and disconnects', () => {
  const { start, connect, closeClients } = gatewaysClosedAfterEach();

  it('sends $disconnect shaped like AWS with the client close code and reason', async () => {
    const recorded = recordingHandler();
    const gateway = await start({ handler: recorded.handler });
    const client = await connect(gateway.wsUrl);
    await client.close(4000, 'bye');
    const event = await recorded.waitFor('$disconnect');

    expect(keysOf(event)).toEqual(AWS_EVENT_KEYS.disconnect.top);
    expect(keysOf(event.requestContext)).toEqual(AWS_EVENT_KEYS.disconnect.requestContext);
    expect(event.requestContext).toMatchObject({
      eventType: 'DISCONNECT',
      disconnectStatusCode: 4000,
      disconnectReason: 'bye',
      connectionId: recorded.events[0].requestContext.connectionId,
    });
    expect(event.headers).toEqual({
      Host: `127.0.0.1:${gateway.port}`,
      'x-api-key': '',
      'X-Forwarded-For': '',
      'x-restapi': '',
    });
    expect(event.multiValueHeaders?.Host).toEqual([`127.0.0.1:${gateway.port}`]);
  });

  it('reports 1005 when the client closes without a code, 1006 when the socket just drops', async () => {
    const recorded = recordingHandler();
    const gateway = await start({ handler: recorded.handler });
    await (await connect(gateway.wsUrl)).close();
    const dropped = await connect(gateway.wsUrl);
    dropped.socket.terminate();
    await recorded.waitFor('$disconnect', 2);
    const codes = recorded
      .ofRoute('$disconnect')
      .map((event) => event.requestContext.disconnectStatusCode);
    expect(codes.sort()).toEqual([1005, 1006]);
  });

  it('reports 1006 for a client that leaves while $connect runs, and nothing for one that stays', async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const recorded = recordingHandler(async (event) => {
      if (event.requestContext.eventType === 'CONNECT') await released;
      return { statusCode: 200 };
    });
    const gateway = await start({ handler: recorded.handler });
    const leaving = new WebSocket(gateway.wsUrl);
    leaving.on('error', () => undefined);
    await recorded.waitFor('$connect');
    leaving.terminate();
    // $connect ends only after the client has left.
    await eventually(() => leaving.readyState === WebSocket.CLOSED);
    release();
    const event = await recorded.waitFor('$disconnect');
    expect(event.requestContext.disconnectStatusCode).toBe(1006);

    const stays = await connect(gateway.wsUrl);
    // Its own message is handled after its $connect: by then a spurious $disconnect would show.
    stays.send('still here');
    await recorded.waitFor('$default');
    expect(recorded.ofRoute('$disconnect')).toHaveLength(1);
    expect(gateway.connections).toHaveLength(1);
  });

  it('closes with 1003 on a binary frame', async () => {
    const recorded = recordingHandler();
    const gateway = await start({ handler: recorded.handler });
    const client = await connect(gateway.wsUrl);
    client.send(Buffer.from([1, 2, 3]), { binary: true });
    expect((await client.closed).code).toBe(1003);
    const event = await recorded.waitFor('$disconnect');
    expect(event.requestContext.disconnectStatusCode).toBe(1003);
    expect(recorded.ofRoute('$default')).toHaveLength(0);
  });

  it('closes with 1009 on a message over 128 KB and accepts one of exactly 128 KB', async () => {
    const recorded = recordingHandler();
    const gateway = await start({ handler: recorded.handler });
    const client = await connect(gateway.wsUrl);
    client.send('a'.repeat(128 * 1024));
    const accepted = await recorded.waitFor('$default');
    expect(accepted.body).toHaveLength(128 * 1024);

    client.send('b'.repeat(128 * 1024 + 1));
    expect((await client.closed).code).toBe(1009);
    expect((await recorded.waitFor('$disconnect')).requestContext.disconnectStatusCode).toBe(1009);
    expect(recorded.ofRoute('$default')).toHaveLength(1);
  });

  it('honours a configured message size limit', async () => {
    const gateway = await start({
      handler: recordingHandler().handler,
      limits: { maxMessageBytes: 10 },
    });
    const client = await connect(gateway.wsUrl);
    client.send('0123456789A');
    expect((await client.closed).code).toBe(1009);
  });

  it("closes an idle connection with 1001 'Going away'; messages reset the timer", async () => {
    const recorded = recordingHandler();
    const gateway = await start({ handler: recorded.handler, limits: { idleTimeoutMs: 200 } });
    const client = await connect(gateway.wsUrl);
    const opened = Date.now();
    // Messages, each sent once the handler has seen the last, for well over the idle timeout:
    // without the reset the connection closes at 200 ms.
    for (let sent = 1; Date.now() - opened < 500; sent += 1) {
      client.send(`tick ${sent}`);
      await recorded.waitFor('$default', sent);
    }
    expect(gateway.connections).toHaveLength(1);
    const closed = await client.closed;
    expect(closed).toEqual({ code: 1001, reason: 'Going away' });
    expect(Date.now() - opened).toBeGreaterThanOrEqual(500);
    const event = await recorded.waitFor('$disconnect');
    expect(event.requestContext).toMatchObject({
      disconnectStatusCode: 1001,
      disconnectReason: 'Going away',
    });
  });

  it("closes with 1001 'Going away' at the maximum connection duration, whatever the traffic", async () => {
    const gateway = await start({
      handler: recordingHandler().handler,
      limits: { maxConnectionMs: 300 },
    });
    const client = await connect(gateway.wsUrl);
    const opened = Date.now();
    const timer = setInterval(() => client.send('busy'), 50);
    try {
      expect(await client.closed).toEqual({ code: 1001, reason: 'Going away' });
    } finally {
      clearInterval(timer);
    }
    expect(Date.now() - opened).toBeGreaterThanOrEqual(290);
  });

  it('skips $disconnect with dropDisconnect, for all or for the connections a predicate picks', async () => {
    const recorded = recordingHandler();
    const gateway = await start({ handler: recorded.handler, dropDisconnect: true });
    await (await connect(gateway.wsUrl)).close();
    // Closing the gateway waits for every running invocation.
    await gateway.close();
    expect(recorded.ofRoute('$disconnect')).toHaveLength(0);

    const picked = recordingHandler();
    let dropped = '';
    const selective = await start({
      handler: picked.handler,
      dropDisconnect: (connectionId) => connectionId === dropped,
    });
    const first = await connect(selective.wsUrl);
    dropped = picked.events[0].requestContext.connectionId;
    await connect(selective.wsUrl);
    await first.close();
    await closeClients();
    await eventually(() => picked.ofRoute('$disconnect').length === 1);
    await selective.close();
    expect(
      picked.ofRoute('$disconnect').map((event) => event.requestContext.connectionId),
    ).not.toContain(dropped);
  });

  it('close() closes every socket with 1001, awaits each $disconnect, and refuses nothing twice', async () => {
    // Every $disconnect is still running until all three have started: close() must wait.
    let started = 0;
    let finished = 0;
    let allStarted: () => void = () => undefined;
    const together = new Promise<void>((resolve) => (allStarted = resolve));
    const recorded = recordingHandler(async (event) => {
      if (event.requestContext.eventType === 'DISCONNECT') {
        started += 1;
        if (started === 3) allStarted();
        await together;
        finished += 1;
      }
      return { statusCode: 200 };
    });
    const gateway = await startLocalGateway({
      handler: recorded.handler,
      logger: recordingLogger(),
    });
    const all = await Promise.all([1, 2, 3].map(() => TestClient.open(gateway.wsUrl)));
    await Promise.all([gateway.close(), gateway.close()]);
    expect(recorded.ofRoute('$disconnect')).toHaveLength(3);
    expect(finished).toBe(3);
    for (const client of all) expect((await client.closed).code).toBe(1001);
    await expect(TestClient.open(gateway.wsUrl)).rejects.toThrow();
  });

  it('survives garbage on the socket and bad HTTP without crashing', async () => {
    const gateway = await start({ handler: recordingHandler().handler });
    const net = await import('node:net');
    await new Promise<void>((resolve) => {
      const socket = net.connect(gateway.port, '127.0.0.1', () => {
        socket.write('GET /local HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      });
      socket.on('data', () => socket.destroy());
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
    await new Promise<void>((resolve) => {
      const socket = net.connect(gateway.port, '127.0.0.1', () =>
        socket.write('\x00\x01 not http\r\n\r\n'),
      );
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
      socket.resume();
    });
    const res = await fetch(`${gateway.managementEndpoint}/@connections/%E0%A4%A`, {
      method: 'POST',
    });
    expect(res.status).toBe(400);
    const client = await connect(gateway.wsUrl);
    expect(gateway.connections).toHaveLength(1);
    await client.close();
  });
});
