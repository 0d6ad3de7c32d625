import type { ConnectionStore } from '../../src/connections/connection-store';
import { WsError } from '../../src/errors/ws-error';
import {
  ManagementClient,
  type ManagementClientOptions,
} from '../../src/management/management-client';
import { ConnectionsRecorder } from '../../src/testing';
import { eventually } from '../support/eventually';
import { failureOf } from '../support/failure-of';

// Every call goes through the real ApiGatewayManagementApiClient over real HTTP to the recorder.
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

let recorder: ConnectionsRecorder;
let endpoint: string;
const clients: ManagementClient[] = [];

function client(options: Partial<ManagementClientOptions> = {}): ManagementClient {
  const created = new ManagementClient({
    endpoint,
    region: 'us-east-1',
    credentials: CREDENTIALS,
    // Generous: a timed-out post may still have been delivered (at-least-once), and a loaded
    // CI machine must not turn that into a flaky count. Timeout tests set their own.
    timeoutMs: 10_000,
    retries: 2,
    retryBaseDelayMs: 1,
    retryMaxDelayMs: 5,
    ...options,
  });
  clients.push(created);
  return created;
}

function causeOf(error: WsError): { name: string; $metadata?: { httpStatusCode?: number } } {
  return error.cause as { name: string; $metadata?: { httpStatusCode?: number } };
}

beforeAll(async () => {
  recorder = new ConnectionsRecorder();
  ({ endpoint } = await recorder.start('stage'));
});

afterEach(() => recorder.reset());

afterAll(async () => {
  for (const created of clients) created.destroy();
  await recorder.close();
});

describe('post', () => {
  it('delivers the bytes, with ids that need URL-encoding', async () => {
    const id = 'Ab+/cd==';
    await client().post(id, 'héllo');
    await client().post('bytes=', new Uint8Array([0, 1, 255]));
    expect(recorder.posts).toHaveLength(2);
    expect(recorder.postsTo(id)[0]).toMatchObject({
      connectionId: id,
      stage: 'stage',
      text: 'héllo',
    });
    expect([...recorder.postsTo('bytes=')[0].body]).toEqual([0, 1, 255]);
  });

  it('a lone-surrogate or 1-MB connection id is a 400 without any HTTP call', async () => {
    for (const id of ['\ud800abc=', 'x'.repeat(1024 * 1024), '']) {
      await expect(client().post(id, 'x')).rejects.toMatchObject({
        statusCode: 400,
        code: 'BAD_REQUEST',
      });
    }
    await expect(client().getConnection('\udfff')).rejects.toMatchObject({ statusCode: 400 });
    await expect(client().delete('\udfff')).rejects.toMatchObject({ statusCode: 400 });
    const result = await client().broadcast(['ok1=', '\ud800=', 'y'.repeat(100_000)], 'x');
    expect(result.sent).toBe(1);
    expect(result.failed.map((f) => f.connectionId.length)).toEqual([2, 100_000]);
    expect(recorder.requests).toHaveLength(1);
  });

  it('works with an endpoint ending in a slash (the SDK then doubles the slash)', async () => {
    await client({ endpoint: `${endpoint}/` }).post('slash=', 'x');
    expect(recorder.postsTo('slash=')).toHaveLength(1);
  });

  it('410 GoneException becomes GoneError, not retried', async () => {
    recorder.gone('g1=');
    const error = await failureOf(client().post('g1=', 'x'));
    expect(error.statusCode).toBe(410);
    expect(error.code).toBe('GONE');
    expect(causeOf(error).name).toBe('GoneException');
    expect(recorder.requests).toHaveLength(1);
  });

  it('410 without x-amzn-ErrorType (SDK name Unknown) is recognised by its status', async () => {
    recorder.script('g2=', 'gone-without-type');
    const error = await failureOf(client().post('g2=', 'x'));
    expect(error.statusCode).toBe(410);
    expect(causeOf(error).name).toBe('Unknown');
    expect(causeOf(error).$metadata?.httpStatusCode).toBe(410);
    expect(recorder.requests).toHaveLength(1);
  });

  it('refuses a payload over 128 KB before any HTTP call', async () => {
    const error = await failureOf(client().post('big=', 'x'.repeat(128 * 1024 + 1)));
    expect(error.statusCode).toBe(413);
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(recorder.requests).toHaveLength(0);
    // Exactly 128 KB is allowed; multi-byte characters count as bytes.
    await client().post('max=', 'x'.repeat(128 * 1024));
    await expect(client().post('utf8=', 'é'.repeat(64 * 1024 + 1))).rejects.toMatchObject({
      statusCode: 413,
    });
    expect(recorder.requests).toHaveLength(1);
  });

  it("maps API Gateway's own 413 to PayloadTooLargeError, not retried", async () => {
    recorder.script('p=', 'payload-too-large');
    const error = await failureOf(client().post('p=', 'x'));
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(causeOf(error).name).toBe('PayloadTooLargeException');
    expect(recorder.requests).toHaveLength(1);
  });

  it('403 becomes a ForbiddenError hidden from clients, not retried', async () => {
    recorder.script('f=', 'forbidden');
    const error = await failureOf(client().post('f=', 'x'));
    expect(error).toMatchObject({ statusCode: 403, code: 'FORBIDDEN', expose: false });
    expect(recorder.requests).toHaveLength(1);
  });

  it('retries 429 and succeeds', async () => {
    recorder.script('t=', ['limit-exceeded', 'limit-exceeded', 'ok']);
    await client().post('t=', 'x');
    expect(recorder.requests.map((r) => r.status)).toEqual([429, 429, 200]);
    expect(recorder.postsTo('t=')).toHaveLength(1);
  });

  it('429 on every attempt becomes TooManyRequestsError after the retries', async () => {
    recorder.script('t2=', 'limit-exceeded');
    const error = await failureOf(client({ retries: 3 }).post('t2=', 'x'));
    expect(error.code).toBe('TOO_MANY_REQUESTS');
    expect(error.message).toContain('after 4 attempts');
    expect(recorder.requests).toHaveLength(4);
  });

  it('retries 500, then fails with MANAGEMENT_API_ERROR keeping the cause', async () => {
    recorder.script('e=', 'server-error');
    const error = await failureOf(client().post('e=', 'x'));
    expect(error).toMatchObject({ statusCode: 502, code: 'MANAGEMENT_API_ERROR', expose: false });
    expect(causeOf(error).$metadata?.httpStatusCode).toBe(500);
    expect(recorder.requests).toHaveLength(3);

    recorder.script('e2=', ['server-error', 'ok']);
    await client().post('e2=', 'x');
    expect(recorder.postsTo('e2=')).toHaveLength(1);
  });

  it('times out a call that never gets an answer, retries it, then gives up', async () => {
    recorder.script('h=', 'hang');
    const started = Date.now();
    // Retrying a post that timed out is opt-in: it may have been delivered.
    const error = await failureOf(
      client({ timeoutMs: 100, retries: 1, retryTimeouts: true }).post('h=', 'x'),
    );
    const elapsed = Date.now() - started;
    expect(error).toMatchObject({ statusCode: 504, code: 'MANAGEMENT_API_TIMEOUT' });
    expect(causeOf(error).name).toBe('AbortError');
    expect(recorder.requests).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(3000);
    // The aborted requests closed their sockets: nothing is left in flight at the recorder.
    await eventually(() => recorder.inFlight === 0);
  });

  it('a hang then an answer: the retry succeeds', async () => {
    recorder.script('h2=', ['hang', 'ok']);
    await client({ timeoutMs: 100, retryTimeouts: true }).post('h2=', 'x');
    expect(recorder.postsTo('h2=')).toHaveLength(1);
  });

  it('retries network errors (nothing listening), then fails', async () => {
    const down = new ConnectionsRecorder();
    const { endpoint: deadEndpoint } = await down.start();
    await down.close();
    const error = await failureOf(client({ endpoint: deadEndpoint }).post('n=', 'x'));
    expect(error.code).toBe('MANAGEMENT_API_ERROR');
    expect(error.message).toContain('after 3 attempts');
    // Node's error, or (under jest's vm realm) the SDK's wrapper around it.
    expect(String((error.cause as Error).message)).toContain('ECONNREFUSED');
  });
});

describe('getConnection and delete', () => {
  it('returns the connection info with Dates', async () => {
    await client().post('info=', 'x');
    const info = await client().getConnection('info=');
    expect(info.connectedAt).toBeInstanceOf(Date);
    expect(info.lastActiveAt).toBeInstanceOf(Date);
    expect(info.connectedAt?.getTime()).toBe(recorder.postsTo('info=')[0].at.getTime());
    expect(info.identity).toEqual({ sourceIp: '203.0.113.10', userAgent: 'Mozilla/5.0' });
  });

  it('getConnection of a gone connection throws GoneError', async () => {
    recorder.gone('ig=');
    await expect(client().getConnection('ig=')).rejects.toMatchObject({ statusCode: 410 });
  });

  it('deletes a connection (later posts are gone), and deleting again is done, not an error', async () => {
    await client().delete('d=');
    expect(recorder.requests[0]).toMatchObject({
      method: 'DELETE',
      connectionId: 'd=',
      status: 204,
    });
    await expect(client().post('d=', 'x')).rejects.toMatchObject({ statusCode: 410 });
    await expect(client().delete('d=')).resolves.toBeUndefined();
    recorder.script('d2=', 'gone-without-type');
    await expect(client().delete('d2=')).resolves.toBeUndefined();
  });

  it('delete still fails on other errors', async () => {
    recorder.script('d3=', 'forbidden');
    await expect(client().delete('d3=')).rejects.toMatchObject({ statusCode: 403 });
  });
});

describe('broadcast', () => {
  const ids = (n: number, prefix = 'c'): string[] =>
    Array.from({ length: n }, (_, i) => `${prefix}${i}=`);

  it('fans out to 300 ids with exact counts of sent, gone and failed', async () => {
    const all = ids(300);
    const goneWithType = all.slice(0, 10);
    const goneWithoutType = all.slice(10, 20);
    const forbidden = all.slice(20, 25);
    const broken = all.slice(25, 30);
    const throttledOnce = all.slice(30, 40);
    const excluded = all.slice(40, 43);
    recorder.gone(...goneWithType);
    for (const id of goneWithoutType) recorder.script(id, 'gone-without-type');
    for (const id of forbidden) recorder.script(id, 'forbidden');
    for (const id of broken) recorder.script(id, 'server-error');
    for (const id of throttledOnce) recorder.script(id, ['limit-exceeded', 'ok']);

    // Duplicates are sent once.
    const result = await client().broadcast([...all, ...all.slice(100, 150)], '{"type":"news"}', {
      exclude: excluded,
    });

    expect(result.sent).toBe(300 - 20 - 5 - 5 - 3);
    expect(result.gone.sort()).toEqual([...goneWithType, ...goneWithoutType].sort());
    expect(result.failed).toHaveLength(10);
    expect(
      result.failed
        .filter((f) => f.statusCode === 403)
        .map((f) => f.connectionId)
        .sort(),
    ).toEqual([...forbidden].sort());
    expect(
      result.failed
        .filter((f) => f.statusCode === 500)
        .map((f) => f.connectionId)
        .sort(),
    ).toEqual([...broken].sort());
    expect(result.failed.every((f) => f.error.length > 0)).toBe(true);
    expect(result.truncated).toBeUndefined();
    expect(recorder.posts).toHaveLength(result.sent);
    expect(new Set(recorder.posts.map((p) => p.connectionId)).size).toBe(result.sent);
    for (const id of excluded) expect(recorder.postsTo(id)).toHaveLength(0);
    expect(recorder.posts.every((p) => p.text === '{"type":"news"}')).toBe(true);
    // 403 and 410 are final; 500 was tried 3 times; 429 once more.
    expect(recorder.requests).toHaveLength(300 - 3 + 5 * 2 + 10);
  });

  it('keeps at most `concurrency` sends in flight', async () => {
    await withSlowRecorder(40, async (slow, slowClient) => {
      const result = await slowClient.broadcast(ids(60), 'x', { concurrency: 5 });
      expect(result.sent).toBe(60);
      // Exactly 5 on an idle machine; never more.
      expect(slow.maxInFlight).toBeLessThanOrEqual(5);
      expect(slow.maxInFlight).toBeGreaterThanOrEqual(2);
    });
  });

  it('uses 32 in flight by default', async () => {
    await withSlowRecorder(40, async (slow, slowClient) => {
      await slowClient.broadcast(ids(100), 'x');
      expect(slow.maxInFlight).toBeLessThanOrEqual(32);
      expect(slow.maxInFlight).toBeGreaterThan(5);
    });
  });

  it('stops starting sends after the deadline and lists the rest as skipped', async () => {
    await withSlowRecorder(25, async (slow, slowClient) => {
      const all = ids(100);
      const result = await slowClient.broadcast(all, 'x', {
        concurrency: 2,
        deadline: Date.now() + 200,
      });
      expect(result.truncated).toBe(true);
      expect(result.sent).toBeGreaterThan(0);
      expect(result.sent).toBeLessThan(40);
      expect(result.sent + (result.skipped?.length ?? 0)).toBe(100);
      expect(
        new Set([...slow.posts.map((p) => p.connectionId), ...(result.skipped ?? [])]),
      ).toEqual(new Set(all));
    });
  });

  it('a deadline already past sends nothing', async () => {
    const result = await client().broadcast(['a=', 'b=', 'a='], 'x', { deadline: Date.now() - 1 });
    expect(result).toEqual({
      sent: 0,
      gone: [],
      failed: [],
      skipped: ['a=', 'b='],
      truncated: true,
    });
    expect(recorder.requests).toHaveLength(0);
  });

  it('streams an async iterable, reading ids only as sends free up', async () => {
    let read = 0;
    let maxAhead = 0;
    let closed = false;
    const done = (): number => recorder.posts.length;
    async function* pages(): AsyncGenerator<string> {
      try {
        for (let page = 0; page < 10; page += 1) {
          await new Promise((resolve) => setImmediate(resolve));
          for (let i = 0; i < 20; i += 1) {
            read += 1;
            maxAhead = Math.max(maxAhead, read - done());
            yield `p${page}-${i}=`;
          }
        }
      } finally {
        closed = true;
      }
    }
    const result = await client().broadcast(pages(), 'x', { concurrency: 4 });
    expect(result.sent).toBe(200);
    expect(maxAhead).toBeLessThanOrEqual(4 + 1);
    expect(closed).toBe(true);
  });

  it('closes an async source at the deadline instead of reading it to the end', async () => {
    let read = 0;
    let returned = false;
    async function* endless(): AsyncGenerator<string> {
      try {
        for (;;) {
          read += 1;
          yield await Promise.resolve(`e${read}=`);
        }
      } finally {
        returned = true;
      }
    }
    await withSlowRecorder(20, async (_slow, slowClient) => {
      const result = await slowClient.broadcast(endless(), 'x', {
        concurrency: 3,
        deadline: Date.now() + 80,
      });
      expect(result.truncated).toBe(true);
      expect(returned).toBe(true);
      expect(result.sent + (result.skipped?.length ?? 0)).toBe(read);
      expect(read).toBeLessThan(50);
    });
  });

  it('treats a lone string as one id', async () => {
    const result = await client().broadcast('solo=', 'x');
    expect(result.sent).toBe(1);
    expect(recorder.postsTo('solo=')).toHaveLength(1);
  });

  it('refuses a payload over the limit without sending anything', async () => {
    await expect(client().broadcast(ids(3), new Uint8Array(128 * 1024 + 1))).rejects.toMatchObject({
      statusCode: 413,
    });
    expect(recorder.requests).toHaveLength(0);
  });

  it('removes gone connections from the store in batches of 25', async () => {
    const all = ids(120, 's');
    recorder.gone(...all.slice(0, 60));
    const batches: string[][] = [];
    const store = {
      removeGone: (batch: readonly string[]) => {
        batches.push([...batch]);
        return Promise.resolve();
      },
    } as unknown as ConnectionStore;
    const result = await client().broadcast(all, 'x', { store });
    expect(result.gone).toHaveLength(60);
    expect(batches.map((b) => b.length)).toEqual([25, 25, 10]);
    expect(batches.flat().sort()).toEqual([...result.gone].sort());
  });

  it('a failing store does not fail the broadcast', async () => {
    recorder.gone('x1=');
    const store = {
      removeGone: () => Promise.reject(new Error('table missing')),
    } as unknown as ConnectionStore;
    const warnings: string[] = [];
    const logger = {
      warn: (message: string) => warnings.push(message),
      error: () => undefined,
      info: () => undefined,
      debug: () => undefined,
      child() {
        return logger;
      },
    };
    const result = await client({ logger }).broadcast(['x1=', 'x2='], 'x', { store });
    expect(result).toMatchObject({ sent: 1, gone: ['x1='] });
    expect(warnings).toHaveLength(1);
  });

  it('reports a failing id source with the partial result', async () => {
    async function* broken(): AsyncGenerator<string> {
      yield await Promise.resolve('ok1=');
      throw new Error('query failed');
    }
    const error = await failureOf(client().broadcast(broken(), 'x', { concurrency: 1 }));
    expect(error.code).toBe('BROADCAST_SOURCE_FAILED');
    expect((error.cause as Error).message).toBe('query failed');
    expect(error.details).toMatchObject({ result: { sent: 1 } });
  });
});

/** Runs `test` against a second recorder that answers after `latencyMs`, then closes it. */
async function withSlowRecorder(
  latencyMs: number,
  test: (slow: ConnectionsRecorder, slowClient: ManagementClient) => Promise<void>,
): Promise<void> {
  const slow = new ConnectionsRecorder({ latencyMs });
  const { endpoint: slowEndpoint } = await slow.start();
  try {
    await test(slow, client({ endpoint: slowEndpoint }));
  } finally {
    await slow.close();
  }
}
