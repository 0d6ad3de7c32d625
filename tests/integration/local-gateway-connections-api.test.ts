/**
 * The local gateway's `@connections` API through the real AWS SDK client, as a handler in AWS
 * would call it, plus the raw HTTP details the SDK hides.
 */
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { Agent, request } from 'node:http';
import { sleep } from '../../src/concurrency/sleep';
import {
  MANAGEMENT_ENDPOINT_VARIABLE,
  startLocalGateway,
  type LocalGateway,
} from '../../src/local';
import { eventually, recordingHandler, recordingLogger, TestClient } from './local-gateway-kit';

interface SdkError {
  name: string;
  $metadata?: { httpStatusCode?: number };
}

function sdkClient(endpoint: string): ApiGatewayManagementApiClient {
  return new ApiGatewayManagementApiClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
}

async function sdkFailure(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    return error as SdkError;
  }
  throw new Error('expected the SDK call to fail');
}

describe('local gateway: @connections API', () => {
  let gateway: LocalGateway;
  let sdk: ApiGatewayManagementApiClient;
  const clients: TestClient[] = [];
  const recorded = recordingHandler();

  beforeEach(async () => {
    recorded.events.length = 0;
    gateway = await startLocalGateway({ handler: recorded.handler, logger: recordingLogger() });
    sdk = sdkClient(gateway.managementEndpoint);
  });

  afterEach(async () => {
    sdk.destroy();
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await gateway.close();
  });

  async function connect(): Promise<{ client: TestClient; connectionId: string }> {
    const client = await TestClient.open(gateway.wsUrl, undefined, {
      headers: { 'User-Agent': 'jest-client' },
    });
    clients.push(client);
    const connectionId = recorded.ofRoute('$connect').at(-1)?.requestContext.connectionId ?? '';
    return { client, connectionId };
  }

  it('PostToConnection delivers the data as a text frame', async () => {
    const { client, connectionId } = await connect();
    await sdk.send(
      new PostToConnectionCommand({ ConnectionId: connectionId, Data: '{"type":"hello"}' }),
    );
    expect(await client.next()).toBe('{"type":"hello"}');
    await sdk.send(
      new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from('bytes') }),
    );
    expect(await client.next()).toBe('bytes');
  });

  it('GetConnection answers dates and identity', async () => {
    const before = Date.now();
    const { client, connectionId } = await connect();
    client.send('traffic');
    await recorded.waitFor('$default');
    const info = await sdk.send(new GetConnectionCommand({ ConnectionId: connectionId }));
    expect(info.ConnectedAt).toBeInstanceOf(Date);
    expect(info.LastActiveAt).toBeInstanceOf(Date);
    expect(info.ConnectedAt?.getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(info.LastActiveAt?.getTime()).toBeGreaterThanOrEqual(
      info.ConnectedAt?.getTime() ?? Infinity,
    );
    expect(info.Identity).toEqual({ SourceIp: '127.0.0.1', UserAgent: 'jest-client' });
  });

  it('GET answers ISO-8601 strings on the wire', async () => {
    const { connectionId } = await connect();
    const res = await fetch(
      `${gateway.managementEndpoint}/@connections/${encodeURIComponent(connectionId)}`,
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['connectedAt', 'identity', 'lastActiveAt']);
    expect(body.connectedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('DeleteConnection closes the socket with 1000 and answers 204; $disconnect follows', async () => {
    const { client, connectionId } = await connect();
    const res = await fetch(
      `${gateway.managementEndpoint}/@connections/${encodeURIComponent(connectionId)}`,
      {
        method: 'DELETE',
      },
    );
    expect(res.status).toBe(204);
    expect((await client.closed).code).toBe(1000);
    const disconnect = await recorded.waitFor('$disconnect');
    expect(disconnect.requestContext.disconnectStatusCode).toBe(1000);
    expect(gateway.connections).toEqual([]);

    // And through the SDK.
    const second = await connect();
    await sdk.send(new DeleteConnectionCommand({ ConnectionId: second.connectionId }));
    expect((await second.client.closed).code).toBe(1000);
  });

  it('answers 410 GoneException for a closed or unknown connection', async () => {
    const { client, connectionId } = await connect();
    await client.close(1000);
    await recorded.waitFor('$disconnect');

    const gone = await sdkFailure(
      sdk.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'x' })),
    );
    expect(gone.name).toBe('GoneException');
    expect(gone.$metadata?.httpStatusCode).toBe(410);
    expect(
      (await sdkFailure(sdk.send(new GetConnectionCommand({ ConnectionId: 'bm9wZW5vcGVub3A=' }))))
        .name,
    ).toBe('GoneException');

    const res = await fetch(`${gateway.managementEndpoint}/@connections/nope`, {
      method: 'POST',
      body: 'x',
    });
    expect(res.status).toBe(410);
    expect(res.headers.get('x-amzn-ErrorType')).toBe('GoneException');
    expect(((await res.json()) as { message: string }).message).toContain('nope');
  });

  it('answers 413 PayloadTooLargeException over 128 KB, and accepts exactly 128 KB', async () => {
    const { client, connectionId } = await connect();
    const tooLarge = await sdkFailure(
      sdk.send(
        new PostToConnectionCommand({
          ConnectionId: connectionId,
          Data: 'x'.repeat(128 * 1024 + 1),
        }),
      ),
    );
    expect(tooLarge.name).toBe('PayloadTooLargeException');
    expect(tooLarge.$metadata?.httpStatusCode).toBe(413);
    await sdk.send(
      new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'y'.repeat(128 * 1024) }),
    );
    expect((await client.next()).length).toBe(128 * 1024);
  });

  it('tolerates the double slash an endpoint ending in "/" produces, and refuses another stage', async () => {
    const { client, connectionId } = await connect();
    const slashed = sdkClient(`${gateway.managementEndpoint}/`);
    try {
      await slashed.send(
        new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'slash' }),
      );
      expect(await client.next()).toBe('slash');
    } finally {
      slashed.destroy();
    }
    const raw = await fetch(
      `${gateway.managementEndpoint}//@connections/${encodeURIComponent(connectionId)}`,
      {
        method: 'POST',
        body: 'raw double slash',
      },
    );
    expect(raw.status).toBe(200);
    expect(await client.next()).toBe('raw double slash');
    const res = await fetch(`${gateway.url}/prod/@connections/${encodeURIComponent(connectionId)}`);
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('ForbiddenException');
  });

  it('answers 410 to a post during $connect: the connection is not open yet', async () => {
    const statuses: number[] = [];
    const local = await startLocalGateway({
      logger: recordingLogger(),
      handler: async (event) => {
        if (event.requestContext.eventType === 'CONNECT') {
          const id = encodeURIComponent(event.requestContext.connectionId);
          const res = await fetch(
            `${process.env[MANAGEMENT_ENDPOINT_VARIABLE] ?? ''}/@connections/${id}`,
            {
              method: 'POST',
              body: 'too early',
            },
          );
          statuses.push(res.status);
        }
        return { statusCode: 200 };
      },
    });
    try {
      const client = await TestClient.open(local.wsUrl);
      clients.push(client);
      expect(statuses).toEqual([410]);
    } finally {
      await Promise.all(clients.splice(0).map((client) => client.close()));
      await local.close();
    }
  });

  it('points the handler environment at the gateway so an SDK client with no config posts to it', async () => {
    const seen: Array<string | undefined> = [];
    const previous = process.env[MANAGEMENT_ENDPOINT_VARIABLE];
    const local = await startLocalGateway({
      logger: recordingLogger(),
      handler: async (event) => {
        if (event.requestContext.eventType !== 'MESSAGE') return { statusCode: 200 };
        seen.push(process.env[MANAGEMENT_ENDPOINT_VARIABLE], process.env.AWS_REGION);
        // What a handler in AWS does, minus region and credentials: the environment has them.
        const client = new ApiGatewayManagementApiClient({
          endpoint: process.env[MANAGEMENT_ENDPOINT_VARIABLE],
        });
        try {
          await client.send(
            new PostToConnectionCommand({
              ConnectionId: event.requestContext.connectionId,
              Data: `re:${event.body}`,
            }),
          );
        } finally {
          client.destroy();
        }
        return { statusCode: 200 };
      },
    });
    try {
      const client = await TestClient.open(local.wsUrl);
      clients.push(client);
      client.send('ping');
      expect(await client.next()).toBe('re:ping');
      expect(seen[0]).toBe(local.managementEndpoint);
      expect(seen[1]).toBeTruthy();
    } finally {
      await Promise.all(clients.splice(0).map((client) => client.close()));
      await local.close();
    }
    expect(process.env[MANAGEMENT_ENDPOINT_VARIABLE]).toBe(previous);
  });

  it('keeps a management endpoint the user set, and changes nothing with env: false', async () => {
    await gateway.close();
    const saved = process.env[MANAGEMENT_ENDPOINT_VARIABLE];
    process.env[MANAGEMENT_ENDPOINT_VARIABLE] = 'http://proxy.example:9999/local';
    try {
      gateway = await startLocalGateway({ handler: recorded.handler, logger: recordingLogger() });
      expect(process.env[MANAGEMENT_ENDPOINT_VARIABLE]).toBe('http://proxy.example:9999/local');
      await gateway.close();
      delete process.env[MANAGEMENT_ENDPOINT_VARIABLE];
      gateway = await startLocalGateway({
        handler: recorded.handler,
        logger: recordingLogger(),
        env: false,
      });
      expect(process.env[MANAGEMENT_ENDPOINT_VARIABLE]).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env[MANAGEMENT_ENDPOINT_VARIABLE];
      else process.env[MANAGEMENT_ENDPOINT_VARIABLE] = saved;
    }
  });

  it('serves extra routes through the http hook and answers 404 otherwise', async () => {
    const local = await startLocalGateway({
      handler: recorded.handler,
      logger: recordingLogger(),
      http: (req, res) => {
        if (req.url !== '/dev-token?user=ann') return false;
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"token":"t"}');
        return true;
      },
    });
    try {
      expect(await (await fetch(`${local.url}/dev-token?user=ann`)).json()).toEqual({ token: 't' });
      expect((await fetch(`${local.url}/missing`)).status).toBe(404);
      expect((await fetch(local.wsUrl.replace('ws:', 'http:'))).status).toBe(426);
    } finally {
      await local.close();
    }
  });

  it('a post to a client whose buffer is full answers 429 LimitExceededException and drops no accepted frame', async () => {
    await gateway.close();
    gateway = await startLocalGateway({
      handler: recorded.handler,
      logger: recordingLogger(),
      limits: { maxBufferedBytes: 64 * 1024 },
    });
    sdk.destroy();
    sdk = sdkClient(gateway.managementEndpoint);
    const { client, connectionId } = await connect();
    const url = `${gateway.managementEndpoint}/@connections/${encodeURIComponent(connectionId)}`;
    // The client stops reading: the kernel's buffers fill, then the gateway's send buffer.
    client.socket.pause();
    const pad = 'x'.repeat(32 * 1024);
    const accepted: number[] = [];
    let refused = 0;
    for (let seq = 0; seq < 5000 && refused < 3; seq += 1) {
      const res = await fetch(url, { method: 'POST', body: JSON.stringify({ seq, pad }) });
      if (res.status === 200) {
        accepted.push(seq);
        continue;
      }
      expect(res.status).toBe(429);
      expect(res.headers.get('x-amzn-errortype')).toBe('LimitExceededException');
      refused += 1;
    }
    expect(refused).toBe(3);
    const limited = await sdkFailure(
      sdk.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'refused' })),
    );
    expect(limited.name).toBe('LimitExceededException');
    expect(limited.$metadata?.httpStatusCode).toBe(429);

    client.socket.resume();
    const delivered: number[] = [];
    while (delivered.length < accepted.length) {
      delivered.push((JSON.parse(await client.next()) as { seq: number }).seq);
    }
    expect(delivered).toEqual(accepted);
    // A client that reads again is posted to again, and the next frame on the socket is that
    // one: nothing refused was delivered after all.
    await sdk.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'again' }));
    expect(await client.next()).toBe('again');
  });

  it('under saturation answers every @connections request once and delivers each accepted frame exactly once', async () => {
    const logger = recordingLogger();
    await gateway.close();
    gateway = await startLocalGateway({ handler: recorded.handler, logger });
    const peers = await Promise.all(Array.from({ length: 20 }, () => connect()));
    const received = peers.map(() => [] as number[]);
    peers.forEach(({ client }, index) =>
      client.socket.on('message', (data: Buffer) => {
        received[index].push((JSON.parse(data.toString('utf8')) as { seq: number }).seq);
      }),
    );
    // Keep-alive sockets shared by many requests, as the SDK's handler uses them.
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    const posts = 2000;
    try {
      const answers = await Promise.all(
        Array.from({ length: posts }, (_, seq) => {
          const peer = seq % peers.length;
          const path = `/local/@connections/${encodeURIComponent(peers[peer].connectionId)}`;
          return new Promise<{ peer: number; seq: number; status: number }>((resolve, reject) => {
            const req = request(
              { host: '127.0.0.1', port: gateway.port, path, method: 'POST', agent },
              (res) => {
                res.resume();
                res.on('end', () => resolve({ peer, seq, status: res.statusCode ?? 0 }));
              },
            );
            req.on('error', reject);
            req.end(JSON.stringify({ seq }));
          });
        }),
      );
      expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
      const expected = peers.map(() => [] as number[]);
      for (const answer of answers) expected[answer.peer].push(answer.seq);
      await eventually(
        () => received.every((seqs, index) => seqs.length >= expected[index].length),
        10_000,
      );
      // Nothing more arrives later (a wait only to show that nothing happens).
      await sleep(100);
      expect(received.map((seqs) => [...seqs].sort((a, b) => a - b))).toEqual(expected);
      // One answer per request on the server side too: one log line each, none twice.
      const handled = logger.lines.filter((line) => line.message.startsWith('POST @connections/'));
      expect(handled).toHaveLength(posts);
    } finally {
      agent.destroy();
    }
  });

  it('a post already answered stays answered when logging it throws afterwards', async () => {
    const logger = recordingLogger();
    await gateway.close();
    gateway = await startLocalGateway({
      handler: recorded.handler,
      logger: {
        ...logger,
        debug: () => {
          throw new Error('log sink down');
        },
      },
    });
    const { client, connectionId } = await connect();
    const res = await fetch(
      `${gateway.managementEndpoint}/@connections/${encodeURIComponent(connectionId)}`,
      { method: 'POST', body: 'once' },
    );
    expect(res.status).toBe(200);
    expect(await client.next()).toBe('once');
    expect(logger.lines.some((line) => line.message.includes('log sink down'))).toBe(true);
    // Closing waits for every running task: anything sent twice would be queued by then.
    await gateway.close();
    await client.closed;
    expect(client.unread()).toEqual([]);
  });

  it('posts reset the idle timer', async () => {
    await gateway.close();
    gateway = await startLocalGateway({
      handler: recorded.handler,
      logger: recordingLogger(),
      limits: { idleTimeoutMs: 250 },
    });
    sdk.destroy();
    sdk = sdkClient(gateway.managementEndpoint);
    const { client, connectionId } = await connect();
    const opened = Date.now();
    // Posts, one after the other, for well over the idle timeout: each one resets it (without
    // the reset, the connection is closed at 250 ms and the next post fails with 410).
    for (let i = 0; Date.now() - opened < 600; i += 1) {
      await sdk.send(
        new PostToConnectionCommand({ ConnectionId: connectionId, Data: `keep-alive ${i}` }),
      );
    }
    expect(gateway.connections).toEqual([connectionId]);
    expect((await client.closed).code).toBe(1001);
    await eventually(() => recorded.ofRoute('$disconnect').length === 1);
  });
});
