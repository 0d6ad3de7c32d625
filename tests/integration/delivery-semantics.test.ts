import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  ManagementClient,
  type ManagementClientOptions,
} from '../../src/management/management-client';
import { ConnectionsRecorder } from '../../src/testing';
import { failureOf } from '../support/failure-of';

// At-most-once by default: a post that may have reached AWS is not sent again.
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const clients: ManagementClient[] = [];

function client(options: ManagementClientOptions): ManagementClient {
  const created = new ManagementClient({
    region: 'us-east-1',
    credentials: CREDENTIALS,
    retryBaseDelayMs: 1,
    retryMaxDelayMs: 5,
    ...options,
  });
  clients.push(created);
  return created;
}

afterEach(() => {
  for (const created of clients.splice(0)) created.destroy();
});

describe('retries and delivery', () => {
  let recorder: ConnectionsRecorder;

  beforeEach(async () => {
    recorder = new ConnectionsRecorder();
    await recorder.start();
  });

  afterEach(() => recorder.close());

  it('a timed-out PostToConnection is not retried by default: it may have been delivered', async () => {
    // AWS got the post and delivers it, but answers after the client gave up.
    recorder.script('slow=', [{ status: 200, delayMs: 400 }, 'ok']);
    const error = await failureOf(
      client({ endpoint: recorder.endpoint, timeoutMs: 100 }).post('slow=', 'once'),
    );
    expect(error).toMatchObject({ statusCode: 504, code: 'MANAGEMENT_API_TIMEOUT' });
    expect(recorder.requests).toHaveLength(1);
    // It was delivered all the same: the reason not to send it again.
    await recorder.waitForPosts(1);
    expect(recorder.postsTo('slow=')).toHaveLength(1);
  });

  it('retryTimeouts: true opts in to retrying a timed-out post (at-least-once)', async () => {
    recorder.script('slow2=', [{ status: 200, delayMs: 400 }, 'ok']);
    await client({ endpoint: recorder.endpoint, timeoutMs: 100, retryTimeouts: true }).post(
      'slow2=',
      'twice',
    );
    expect(recorder.requests).toHaveLength(2);
  });

  it('a broadcast does not retry its timed-out posts either', async () => {
    recorder.script('bt=', [{ status: 200, delayMs: 400 }, 'ok']);
    const result = await client({ endpoint: recorder.endpoint, timeoutMs: 100 }).broadcast(
      ['bt=', 'ok='],
      'x',
    );
    expect(result.sent).toBe(1);
    expect(result.failed).toMatchObject([{ connectionId: 'bt=', statusCode: undefined }]);
    expect(recorder.requests.filter((r) => r.connectionId === 'bt=')).toHaveLength(1);
  });

  it('a throttled endpoint never receives ~3x the requests: retries draw on the endpoint budget', async () => {
    const ids = Array.from({ length: 300 }, (_, i) => `thr${i}=`);
    for (const id of ids) recorder.script(id, 'limit-exceeded');
    const result = await client({ endpoint: recorder.endpoint, retries: 2 }).broadcast(ids, 'x');
    expect(result.failed).toHaveLength(300);
    expect(result.failed.every((f) => f.statusCode === 429)).toBe(true);
    // Without a budget: 300 x 3 = 900. With it: 300 first attempts, 10% of them plus 20 retries.
    expect(recorder.requests.length).toBeLessThanOrEqual(300 + 30 + 20);
    expect(recorder.requests.length).toBeGreaterThan(300);
  });
});

describe('answers that never complete', () => {
  let server: Server;
  let endpoint: string;
  let requests = 0;
  const sockets = new Set<Socket>();
  const open = new Set<ServerResponse>();
  let behaviour: 'headers-then-silence' | 'reset' = 'headers-then-silence';

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests += 1;
      req.resume();
      req.once('end', () => {
        if (behaviour === 'reset') {
          req.socket.destroy();
          return;
        }
        // The status line and headers go out at once; the body never comes.
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.flushHeaders();
        open.add(res);
      });
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod`;
  });

  beforeEach(() => {
    requests = 0;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('headers sent, then silence is reported as a timeout, with no statusCode 200', async () => {
    behaviour = 'headers-then-silence';
    const result = await client({ endpoint, timeoutMs: 200 }).broadcast(['quiet='], 'x');
    expect(result.sent).toBe(0);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0].statusCode).toBeUndefined();
    expect(result.failed[0].error).toContain('no answer within 200 ms');

    const error = await failureOf(client({ endpoint, timeoutMs: 200 }).post('quiet2=', 'x'));
    expect(error).toMatchObject({ statusCode: 504, code: 'MANAGEMENT_API_TIMEOUT' });
  });

  it('a socket reset after the post was written is not retried by default: it may have arrived', async () => {
    behaviour = 'reset';
    const error = await failureOf(client({ endpoint, retries: 2 }).post('reset=', 'x'));
    expect(error.code).toBe('MANAGEMENT_API_ERROR');
    expect(requests).toBe(1);
  });

  it('with retryTimeouts: true, a reset post is sent again', async () => {
    behaviour = 'reset';
    await failureOf(client({ endpoint, retries: 2, retryTimeouts: true }).post('reset2=', 'x'));
    expect(requests).toBe(3);
  });
});
