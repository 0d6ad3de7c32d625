import { bootstrap, OnMessage, WebSocketController, type WebSocketContext } from 'lift-ws';
import { lambdaContext, messageEvent } from 'lift-ws/testing';
import { destroyManagementClients, getManagementClient } from '../../src/management/client-cache';
import { ConnectionsRecorder } from '../../src/testing';
import { captureLogger } from '../support/capture-logger';

describe('getManagementClient', () => {
  let recorder: ConnectionsRecorder;
  let endpoint: string;

  beforeAll(async () => {
    recorder = new ConnectionsRecorder();
    ({ endpoint } = await recorder.start('local'));
  });

  afterEach(() => destroyManagementClients());

  afterAll(async () => {
    await recorder.close();
  });

  it('keeps one client per endpoint and options, sharing the SDK client of the endpoint', () => {
    const a = getManagementClient(endpoint, {}, {});
    expect(getManagementClient(endpoint, {}, {})).toBe(a);
    // Other options get their own client (item 18) over the same pool.
    const b = getManagementClient(endpoint, { timeoutMs: 1 }, {});
    expect(b).not.toBe(a);
    expect(b.sdk).toBe(a.sdk);
    expect(getManagementClient(`${endpoint}2`, {}, {})).not.toBe(a);
    destroyManagementClients();
    expect(getManagementClient(endpoint, {}, {})).not.toBe(a);
  });

  it('a second bootstrap with maxMessageBytes: 1000 refuses 2,000 bytes though a first with the default created the endpoint client', async () => {
    // What each bootstrap passes for the same endpoint: its own options, logger included.
    const first = getManagementClient(
      endpoint,
      { concurrency: 32, timeoutMs: 5000, retries: 2 },
      {},
    );
    await first.post('big1=', 'x'.repeat(2000));
    const second = getManagementClient(
      endpoint,
      { concurrency: 32, timeoutMs: 5000, retries: 2, maxMessageBytes: 1000 },
      {},
    );
    await expect(second.post('big2=', 'x'.repeat(2000))).rejects.toMatchObject({
      statusCode: 413,
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(recorder.postsTo('big1=')).toHaveLength(1);
    expect(recorder.postsTo('big2=')).toHaveLength(0);
    // The first keeps its own limit, and both share the endpoint's connection pool.
    await first.post('big3=', 'x'.repeat(2000));
    expect(recorder.postsTo('big3=')).toHaveLength(1);
    expect(second.sdk).toBe(first.sdk);
  });

  it('through bootstrap: the second handler refuses 2,000 bytes with its own maxMessageBytes: 1000', async () => {
    @WebSocketController()
    class Big {
      @OnMessage('big') async big(ctx: WebSocketContext) {
        await ctx.sendTo(ctx.body<{ to: string }>().to, 'x'.repeat(2000));
      }
    }
    const logger = captureLogger().logger;
    const roomy = bootstrap([Big], { managementEndpoint: endpoint, logger });
    const strict = bootstrap([Big], {
      managementEndpoint: endpoint,
      logger,
      maxMessageBytes: 1000,
    });
    const first = await roomy(
      messageEvent({ body: { action: 'big', to: 'r1=' } }),
      lambdaContext(),
    );
    const second = await strict(
      messageEvent({ body: { action: 'big', to: 'r2=' } }),
      lambdaContext(),
    );
    expect(first).toMatchObject({ statusCode: 200 });
    expect(second).toMatchObject({ statusCode: 413 });
    expect(recorder.postsTo('r1=')).toHaveLength(1);
    expect(recorder.postsTo('r2=')).toHaveLength(0);
  });

  it('per-call timeouts and retries win over the ones of the client that created the pool', async () => {
    const patient = getManagementClient(endpoint, { timeoutMs: 5000, retries: 0 }, {});
    recorder.script('slowish=', { status: 200, delayMs: 300 });
    await patient.post('slowish=', 'x');
    const hasty = getManagementClient(endpoint, { timeoutMs: 50, retries: 0 }, {});
    recorder.script('slowish2=', { status: 200, delayMs: 300 });
    await expect(hasty.post('slowish2=', 'x')).rejects.toMatchObject({
      code: 'MANAGEMENT_API_TIMEOUT',
    });
  });

  it('signs calls to a local endpoint with dummy credentials when the machine has none', async () => {
    const client = getManagementClient(endpoint, {}, {});
    await client.post('local=', 'hello');
    expect(recorder.postsTo('local=')[0].text).toBe('hello');
    expect(recorder.requests[0].headers.authorization).toContain('Credential=local/');
    // The region falls back to us-east-1 for a local endpoint.
    expect(recorder.requests[0].headers.authorization).toContain('/us-east-1/execute-api/');
  });

  it('uses explicit credentials and region when given', async () => {
    const client = getManagementClient(
      endpoint,
      { credentials: { accessKeyId: 'AKIDEXPLICIT', secretAccessKey: 's' }, region: 'eu-west-1' },
      {},
    );
    await client.post('explicit=', 'x');
    const authorization = recorder.requests.at(-1)?.headers.authorization;
    expect(authorization).toContain('Credential=AKIDEXPLICIT/');
    expect(authorization).toContain('/eu-west-1/execute-api/');
  });

  it("keeps the environment's credentials when there are some", async () => {
    const client = getManagementClient(
      endpoint,
      {},
      { AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'secret' },
    );
    // The SDK's default chain reads process.env itself, so this only checks no dummy was forced.
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = 'AKIDENV';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    try {
      await client.post('env=', 'x');
    } finally {
      restore('AWS_ACCESS_KEY_ID', saved.id);
      restore('AWS_SECRET_ACCESS_KEY', saved.secret);
    }
    expect(recorder.requests.at(-1)?.headers.authorization).toContain('Credential=AKIDENV/');
  });
});

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
