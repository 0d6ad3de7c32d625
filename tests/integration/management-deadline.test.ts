import { ManagementClient } from '../../src/management/management-client';
import { ConnectionsRecorder } from '../../src/testing';
import { eventually } from '../support/eventually';
import { failureOf } from '../support/failure-of';

// Real HTTP to the @connections recorder; `hang` never answers, like a stuck call.
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

describe('the deadline bounds every @connections call, attempts in flight included', () => {
  let recorder: ConnectionsRecorder;
  const clients: ManagementClient[] = [];

  const client = (options: { timeoutMs?: number; retryBaseDelayMs?: number } = {}) => {
    const created = new ManagementClient({
      endpoint: recorder.endpoint,
      region: 'us-east-1',
      credentials: CREDENTIALS,
      ...options,
    });
    clients.push(created);
    return created;
  };

  beforeEach(async () => {
    recorder = new ConnectionsRecorder();
    await recorder.start();
  });

  afterEach(async () => {
    for (const created of clients.splice(0)) created.destroy();
    await recorder.close();
  });

  it('a broadcast of 2,000 (some hanging) with 3 s left returns by its deadline', async () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `m${i}=`);
    const hanging = ids.filter((_, i) => i % 20 === 0);
    for (const id of hanging) recorder.script(id, 'hang');
    // The attempt timeout (20 s) is far beyond the deadline: only the deadline can end this.
    const deadline = Date.now() + 3000;
    const result = await client({ timeoutMs: 20_000 }).broadcast(ids, 'x', { deadline });
    const returnedAt = Date.now();

    expect(returnedAt).toBeLessThan(deadline + 1000);
    // Every id is accounted for exactly once.
    const failed = result.failed.map((f) => f.connectionId);
    const skipped = result.skipped ?? [];
    expect(result.sent + failed.length + skipped.length + result.gone.length).toBe(2000);
    // The hanging posts still in flight at the deadline were cut off: failed, with no status.
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((id) => hanging.includes(id))).toBe(true);
    expect(result.failed.every((f) => f.statusCode === undefined)).toBe(true);
    expect(result.failed[0].error).toContain('deadline');
    // Nothing is left on the wire once it returns.
    await eventually(() => recorder.inFlight === 0);
  }, 30_000);

  it('a single post hanging is cut off at its deadline, not at its attempt timeout', async () => {
    recorder.script('h=', 'hang');
    const deadline = Date.now() + 300;
    const error = await failureOf(client({ timeoutMs: 20_000 }).post('h=', 'x', { deadline }));
    expect(Date.now()).toBeLessThan(deadline + 1000);
    expect(error).toMatchObject({ statusCode: 504, code: 'MANAGEMENT_API_TIMEOUT' });
    expect(error.message).toContain('deadline');
    expect(recorder.requests).toHaveLength(1);
  });

  it('a backoff sleep before a retry ends at the deadline', async () => {
    recorder.script('t=', 'limit-exceeded');
    // Backoff ceilings of 10 s: the first sleep alone would outlive the deadline.
    const throttled = client({ retryBaseDelayMs: 10_000 });
    const deadline = Date.now() + 300;
    const error = await failureOf(throttled.post('t=', 'x', { deadline, retries: 5 }));
    expect(Date.now()).toBeLessThan(deadline + 1000);
    expect(error.code).toBe('TOO_MANY_REQUESTS');
  });

  it('a send waiting for a socket at the deadline is skipped, not failed: it was never sent', async () => {
    for (let i = 0; i < 4; i += 1) recorder.script(`busy${i}=`, 'hang');
    const narrow = new ManagementClient({
      endpoint: recorder.endpoint,
      region: 'us-east-1',
      credentials: CREDENTIALS,
      concurrency: 4,
      timeoutMs: 20_000,
    });
    clients.push(narrow);
    // Four hanging posts hold every socket of the pool.
    const holders = Array.from({ length: 4 }, (_, i) =>
      narrow.post(`busy${i}=`, 'x', { deadline: Date.now() + 3000 }).catch((e: unknown) => e),
    );
    await eventually(() => recorder.inFlight === 4);
    const result = await narrow.broadcast(['w1=', 'w2='], 'x', {
      concurrency: 2,
      deadline: Date.now() + 300,
    });
    expect(result).toMatchObject({ sent: 0, failed: [], truncated: true });
    expect([...(result.skipped ?? [])].sort()).toEqual(['w1=', 'w2=']);
    expect(recorder.requests.filter((r) => r.connectionId.startsWith('w'))).toHaveLength(0);
    await Promise.all(holders);
  });
});
