/**
 * With `connectionsTransport: 'in-process'`, a ManagementClient in the local gateway's own
 * process hands its posts to the gateway without HTTP, and gets the answers the HTTP API gives
 * (the SDK client and other processes keep HTTP). By default every post goes over HTTP.
 */
import { PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { WsError } from '../../src/errors/ws-error';
import { ManagementClient } from '../../src/management/management-client';
import {
  gatewaysClosedAfterEach,
  recordingHandler,
  recordingLogger,
  type LoggedLine,
  type TestClient,
} from './local-gateway-kit';
import { failureOf } from '../support/failure-of';

const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** The gateway's own debug line for each `@connections` request it answered over HTTP. */
const httpRequests = (lines: LoggedLine[]): string[] =>
  lines.map((line) => line.message).filter((message) => message.includes('@connections/'));

describe('local gateway: posts from its own process', () => {
  const { start, connect } = gatewaysClosedAfterEach();
  const clients: ManagementClient[] = [];
  const managementClient = (endpoint: string, retries = 0): ManagementClient => {
    const client = new ManagementClient({
      endpoint,
      region: 'us-east-1',
      credentials: CREDENTIALS,
      retries,
    });
    clients.push(client);
    return client;
  };
  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy();
  });

  async function gatewayWithClient(
    limits?: { maxBufferedBytes?: number; maxMessageBytes?: number },
    connectionsTransport: 'http' | 'in-process' = 'in-process',
  ) {
    const logger = recordingLogger();
    const recorded = recordingHandler();
    const gateway = await start({
      handler: recorded.handler,
      logger,
      limits,
      connectionsTransport,
    });
    const client = await connect(gateway.wsUrl);
    const connectionId = (await recorded.waitFor('$connect')).requestContext.connectionId;
    return { gateway, client, connectionId, logger };
  }

  /** One post and a broadcast to it and a gone id, through lift-ws's own client. */
  async function postAndBroadcast(
    endpoint: string,
    client: TestClient,
    connectionId: string,
  ): Promise<ManagementClient> {
    const management = managementClient(endpoint);
    await management.post(connectionId, 'one');
    const result = await management.broadcast([connectionId, 'gone-id='], 'two');
    expect(await client.next()).toBe('one');
    expect(await client.next()).toBe('two');
    expect(result).toEqual({ sent: 1, gone: ['gone-id='], failed: [] });
    return management;
  }

  it('by default posts go over HTTP, signed, as they do in AWS', async () => {
    const { gateway, client, connectionId, logger } = await gatewayWithClient(undefined, 'http');
    await postAndBroadcast(gateway.managementEndpoint, client, connectionId);
    expect(httpRequests(logger.lines)).toEqual([
      expect.stringMatching(/^POST @connections\/.+ 200 /),
      expect.stringMatching(/^POST @connections\/.+ 200 /),
      expect.stringMatching(/^POST @connections\/gone-id(=|%3D) 410 /),
    ]);
  });

  it('refuses a connectionsTransport it does not know', async () => {
    await expect(
      start({ handler: recordingHandler().handler, connectionsTransport: 'pigeon' as 'http' }),
    ).rejects.toThrow("connectionsTransport must be 'http' or 'in-process'");
  });

  it('in-process: delivers posts and broadcasts without any HTTP request; the SDK client still uses HTTP', async () => {
    const { gateway, client, connectionId, logger } = await gatewayWithClient();
    const management = await postAndBroadcast(gateway.managementEndpoint, client, connectionId);
    expect(httpRequests(logger.lines)).toEqual([]);

    await management.sdk.send(
      new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'three' }),
    );
    expect(await client.next()).toBe('three');
    expect(httpRequests(logger.lines)).toEqual([
      expect.stringMatching(/^POST @connections\/.+ 200 /),
    ]);
  });

  it('answers as the HTTP API does: 410 for an unknown id, 413 over the gateway limit, 429 for a client that does not read', async () => {
    const { gateway, client, connectionId } = await gatewayWithClient({
      maxMessageBytes: 40 * 1024,
      maxBufferedBytes: 64 * 1024,
    });
    const management = managementClient(gateway.managementEndpoint);

    const gone = await failureOf(management.post('unknown=', 'x'));
    expect(gone.statusCode).toBe(410);
    // The client's own limit is API Gateway's 128 KB: this one is refused by the gateway's.
    const large = await failureOf(management.post(connectionId, 'x'.repeat(41 * 1024)));
    expect(large.statusCode).toBe(413);

    client.socket.pause();
    const pad = 'x'.repeat(32 * 1024);
    let accepted = 0;
    let limited: WsError | undefined;
    while (limited === undefined && accepted < 5000) {
      try {
        await management.post(connectionId, JSON.stringify({ seq: accepted, pad }));
        accepted += 1;
      } catch (error) {
        limited = error as WsError;
      }
    }
    expect(limited?.statusCode).toBe(429);
    expect(limited?.code).toBe('TOO_MANY_REQUESTS');
    client.socket.resume();
    for (let seq = 0; seq < accepted; seq += 1) {
      expect((JSON.parse(await client.next()) as { seq: number }).seq).toBe(seq);
    }
  });

  it('once the gateway has closed, its endpoint is reached over HTTP again (and refuses)', async () => {
    const { gateway, connectionId } = await gatewayWithClient();
    const management = managementClient(gateway.managementEndpoint);
    await gateway.close();
    const failure = await failureOf(management.post(connectionId, 'late'));
    expect(failure.statusCode).toBe(502);
    expect(failure.message).toMatch(/ECONNREFUSED/);
  });
});
