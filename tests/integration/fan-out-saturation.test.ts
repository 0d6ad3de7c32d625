import { ManagementClient } from '../../src/management/management-client';
import { ConnectionsRecorder } from '../../src/testing';

// Real HTTP to the @connections recorder, through the client's own keep-alive pool.
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

describe('fan-out under saturation', () => {
  let recorder: ConnectionsRecorder;
  let client: ManagementClient | undefined;

  beforeEach(async () => {
    recorder = new ConnectionsRecorder({ latencyMs: 200 });
    await recorder.start();
  });

  afterEach(async () => {
    client?.destroy();
    client = undefined;
    await recorder.close();
  });

  it('40 broadcasts at once against a healthy @connections answering in 200 ms deliver every frame exactly once or report it failed, never both', async () => {
    // The default 32 sockets are shared by 40 broadcasts of 32 in flight each: most requests
    // wait for a socket (800 posts at 32 x 200 ms take 5 s). A 2 s attempt timeout counted from
    // the queue (as before) expires while they wait; counted from the socket it never does
    // against a 200 ms answer.
    client = new ManagementClient({
      endpoint: recorder.endpoint,
      region: 'us-east-1',
      credentials: CREDENTIALS,
      timeoutMs: 2000,
    });
    const broadcasts = 40;
    const perBroadcast = 20;
    const idsOf = (b: number): string[] =>
      Array.from({ length: perBroadcast }, (_, i) => `b${b}-${i}=`);
    const results = await Promise.all(
      Array.from({ length: broadcasts }, (_, b) => client!.broadcast(idsOf(b), `frame ${b}`)),
    );

    const deliveries = new Map<string, number>();
    for (const post of recorder.posts) {
      deliveries.set(post.connectionId, (deliveries.get(post.connectionId) ?? 0) + 1);
    }
    const duplicates = [...deliveries.values()].filter((count) => count > 1).length;
    const failedIds = new Set(results.flatMap((r) => r.failed.map((f) => f.connectionId)));
    const deliveredAndFailed = [...failedIds].filter((id) => deliveries.has(id));
    const sent = results.reduce((sum, r) => sum + r.sent, 0);
    const lost = results
      .flatMap((_, b) => idsOf(b))
      .filter((id) => !deliveries.has(id) && !failedIds.has(id));

    expect({ duplicates, deliveredAndFailed, lost }).toEqual({
      duplicates: 0,
      deliveredAndFailed: [],
      lost: [],
    });
    // A healthy endpoint: nothing needs to fail at all.
    expect(failedIds.size).toBe(0);
    expect(sent).toBe(broadcasts * perBroadcast);
    expect(recorder.posts).toHaveLength(broadcasts * perBroadcast);
    // Back-pressure is explicit: never more requests in flight than the pool has sockets.
    expect(recorder.maxInFlight).toBeLessThanOrEqual(32);
  }, 30_000);

  it('a broadcast with concurrency 200 gets 200 sockets instead of queueing behind the default 32', async () => {
    client = new ManagementClient({
      endpoint: recorder.endpoint,
      region: 'us-east-1',
      credentials: CREDENTIALS,
    });
    const ids = Array.from({ length: 400 }, (_, i) => `wide${i}=`);
    const result = await client.broadcast(ids, 'x', { concurrency: 200 });
    expect(result.sent).toBe(400);
    expect(recorder.maxInFlight).toBeGreaterThan(32);
    expect(recorder.maxInFlight).toBeLessThanOrEqual(200);
  }, 30_000);
});
