import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startLocalGateway } from '../../src/local';
import { ConnectionsRecorder, type RecorderAnswer } from '../../src/testing';
import { recordingLogger } from '../support/recording-logger';
import { eventually } from '../support/eventually';

describe('ConnectionsRecorder', () => {
  let recorder: ConnectionsRecorder;
  let endpoint: string;

  beforeEach(async () => {
    recorder = new ConnectionsRecorder();
    ({ endpoint } = await recorder.start('dev'));
  });

  afterEach(async () => {
    await recorder.close();
  });

  const url = (id: string): string => `${endpoint}/@connections/${encodeURIComponent(id)}`;
  const post = (id: string, body: string | Uint8Array = 'x'): Promise<Response> =>
    fetch(url(id), { method: 'POST', body });

  it('listens on 127.0.0.1 with the stage in the endpoint', () => {
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/dev$/);
    expect(recorder.endpoint).toBe(endpoint);
  });

  it('records posts (bytes, text, time, stage) and answers 200', async () => {
    const before = Date.now();
    const response = await post('a/b+c=', 'héllo');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    expect(recorder.posts).toHaveLength(1);
    const [recorded] = recorder.posts;
    expect(recorded).toMatchObject({ connectionId: 'a/b+c=', stage: 'dev', text: 'héllo' });
    expect(recorded.body.equals(Buffer.from('héllo'))).toBe(true);
    expect(recorded.at.getTime()).toBeGreaterThanOrEqual(before);
    expect(recorder.postsTo('a/b+c=')).toEqual([recorded]);
    expect(recorder.postsTo('other=')).toEqual([]);
  });

  it('tolerates a doubled slash and a missing stage', async () => {
    const base = endpoint.replace(/\/dev$/, '');
    expect(
      (await fetch(`${endpoint}//@connections/d1=`, { method: 'POST', body: 'x' })).status,
    ).toBe(200);
    expect((await fetch(`${base}/@connections/d2=`, { method: 'POST', body: 'x' })).status).toBe(
      200,
    );
    expect(recorder.posts.map((p) => [p.connectionId, p.stage])).toEqual([
      ['d1=', 'dev'],
      ['d2=', ''],
    ]);
  });

  it('answers GET with the connection info as ISO strings', async () => {
    await post('g=');
    const response = await fetch(url('g='));
    expect(response.status).toBe(200);
    const info = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(info)).toEqual(['connectedAt', 'identity', 'lastActiveAt']);
    expect(info.identity).toEqual({ sourceIp: '203.0.113.10', userAgent: 'Mozilla/5.0' });
    expect(new Date(info.connectedAt as string).toISOString()).toBe(info.connectedAt);
    expect(info.lastActiveAt).toBe(recorder.posts[0].at.toISOString());
  });

  it('answers DELETE 204, after which the connection is gone', async () => {
    expect((await fetch(url('del='), { method: 'DELETE' })).status).toBe(204);
    const response = await post('del=');
    expect(response.status).toBe(410);
    expect(response.headers.get('x-amzn-errortype')).toBe('GoneException');
    expect(await response.json()).toEqual({ message: 'Connection is gone' });
    expect(recorder.posts).toHaveLength(0);
    expect(recorder.requests.map((r) => [r.method, r.status])).toEqual([
      ['DELETE', 204],
      ['POST', 410],
    ]);
  });

  it.each<[RecorderAnswer, number, string | null]>([
    ['gone', 410, 'GoneException'],
    ['gone-without-type', 410, null],
    ['forbidden', 403, 'ForbiddenException'],
    ['payload-too-large', 413, 'PayloadTooLargeException'],
    ['limit-exceeded', 429, 'LimitExceededException'],
    ['server-error', 500, null],
    [
      { status: 418, errorType: 'TeapotException', message: 'short and stout' },
      418,
      'TeapotException',
    ],
  ])('answers %j with %i and error type %s', async (answer, status, errorType) => {
    recorder.script('s=', answer);
    for (const method of ['POST', 'GET', 'DELETE']) {
      const response = await fetch(url('s='), {
        method,
        body: method === 'POST' ? 'x' : undefined,
      });
      expect(response.status).toBe(status);
      expect(response.headers.get('x-amzn-errortype')).toBe(errorType);
      expect(typeof ((await response.json()) as { message: unknown }).message).toBe('string');
    }
    expect(recorder.posts).toHaveLength(0);
  });

  it('plays a sequence, then repeats its last answer', async () => {
    recorder.script('q=', ['limit-exceeded', 'server-error', 'ok']);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await post('q=')).status);
    expect(statuses).toEqual([429, 500, 200, 200]);
    expect(recorder.postsTo('q=')).toHaveLength(2);
  });

  it('answers 413 to a post over 128 KB, as AWS does', async () => {
    expect((await post('big=', new Uint8Array(128 * 1024))).status).toBe(200);
    const response = await post('big=', new Uint8Array(128 * 1024 + 1));
    expect(response.status).toBe(413);
    expect(response.headers.get('x-amzn-errortype')).toBe('PayloadTooLargeException');
  });

  it('answers 404 to paths that are not @connections', async () => {
    expect((await fetch(`${endpoint}/nope`)).status).toBe(404);
    expect((await fetch(url('x='), { method: 'PUT', body: 'x' })).status).toBe(404);
    expect(recorder.requests).toHaveLength(0);
  });

  it('delays answers and counts requests in flight', async () => {
    const slow = new ConnectionsRecorder({ latencyMs: 30 });
    const { endpoint: slowEndpoint } = await slow.start();
    try {
      slow.script('late=', { status: 200, delayMs: 20 });
      const started = Date.now();
      const statuses = await Promise.all(
        ['a=', 'b=', 'c=', 'late='].map(async (id) => {
          const response = await fetch(`${slowEndpoint}/@connections/${id}`, {
            method: 'POST',
            body: 'x',
          });
          return response.status;
        }),
      );
      expect(statuses).toEqual([200, 200, 200, 200]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(45);
      expect(slow.maxInFlight).toBe(4);
      expect(slow.inFlight).toBe(0);
    } finally {
      await slow.close();
    }
  });

  it('waits for posts, and times out with a clear message', async () => {
    const waiting = recorder.waitForPosts(2, 1000);
    // Posted after the wait has begun, one after the other.
    void post('w1=').then(() => post('w2='));
    expect((await waiting).map((p) => p.connectionId)).toEqual(['w1=', 'w2=']);
    await expect(recorder.waitForPosts(2)).resolves.toHaveLength(2);
    await expect(recorder.waitForPosts(3, 30)).rejects.toThrow(
      'expected 3 posts within 30 ms, got 2',
    );
  });

  it('a hung request is dropped by close(), which returns promptly', async () => {
    const hanging = new ConnectionsRecorder();
    const { endpoint: hangEndpoint } = await hanging.start();
    hanging.script('h=', 'hang');
    const pending = fetch(`${hangEndpoint}/@connections/h=`, { method: 'POST', body: 'x' }).then(
      () => 'answered',
      () => 'dropped',
    );
    const waiter = hanging.waitForPosts(1, 5000);
    await eventually(() => hanging.inFlight === 1);
    expect(hanging.requests[0]).toMatchObject({ connectionId: 'h=', status: 0 });
    const started = Date.now();
    await hanging.close();
    expect(Date.now() - started).toBeLessThan(500);
    await expect(waiter).rejects.toThrow('closed while waiting');
    expect(await pending).toBe('dropped');
    await hanging.close(); // twice is fine
  });

  it('reset() forgets posts, scripts and gone connections', async () => {
    recorder.gone('r1=').script('r2=', 'forbidden');
    await post('r0=');
    recorder.reset();
    expect(recorder.posts).toEqual([]);
    expect(recorder.requests).toEqual([]);
    expect((await post('r1=')).status).toBe(200);
    expect((await post('r2=')).status).toBe(200);
  });

  it('refuses misuse clearly', async () => {
    const fresh = new ConnectionsRecorder();
    expect(() => fresh.endpoint).toThrow('call start() first');
    await expect(recorder.start()).rejects.toThrow('already started');
    expect(() => recorder.script('x=', [])).toThrow('empty sequence');
    await fresh.close(); // never started: nothing to do
  });
});

describe('ConnectionsRecorder and the local gateway share one @connections wire format', () => {
  it('answers 410, 413 and GetConnection alike: status, x-amzn-ErrorType, JSON shape', async () => {
    const recorder = new ConnectionsRecorder();
    const { endpoint } = await recorder.start('local');
    const gateway = await startLocalGateway({
      handler: () => ({ statusCode: 200 }),
      logger: recordingLogger(),
      env: false,
    });
    const socket = new WebSocket(gateway.wsUrl);
    try {
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      const [open] = gateway.connections;
      recorder.gone('gone=');
      const answer = async (base: string, id: string, init?: RequestInit) => {
        const res = await fetch(`${base}/@connections/${encodeURIComponent(id)}`, init);
        const body = (await res.json()) as Record<string, unknown>;
        return {
          status: res.status,
          errorType: res.headers.get('x-amzn-errortype'),
          contentType: res.headers.get('content-type'),
          hasRequestId: res.headers.has('x-amzn-requestid'),
          keys: Object.keys(body),
          types: Object.values(body).map((value) => typeof value),
        };
      };
      const gone = { method: 'POST', body: 'x' };
      expect(await answer(endpoint, 'gone=', gone)).toEqual(
        await answer(gateway.managementEndpoint, 'gone=', gone),
      );
      const tooLarge = { method: 'POST', body: 'x'.repeat(128 * 1024 + 1) };
      expect(await answer(endpoint, open, tooLarge)).toEqual(
        await answer(gateway.managementEndpoint, open, tooLarge),
      );
      expect(await answer(endpoint, open)).toEqual(await answer(gateway.managementEndpoint, open));
    } finally {
      socket.terminate();
      await gateway.close();
      await recorder.close();
    }
  });

  it('the test kit reaches lift-ws/local only through its public index', () => {
    const folder = join(__dirname, '../../src/testing');
    for (const file of readdirSync(folder).filter((name) => name.endsWith('.ts'))) {
      const source = readFileSync(join(folder, file), 'utf8');
      const imports = [...source.matchAll(/from '(\.\.\/local[^']*)'/g)].map((m) => m[1]);
      expect([file, imports.filter((path) => path !== '../local')]).toEqual([file, []]);
    }
  });
});
