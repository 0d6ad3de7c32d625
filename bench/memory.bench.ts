import {
  bootstrap,
  MemoryConnectionStore,
  OnMessage,
  WebSocketController,
  WebSocketContext,
} from 'lift-ws';
import { lambdaContext, messageEvent } from 'lift-ws/testing';
import { fullGc, round2, row } from './measure';

/**
 * Memory (issue 8, goal 6): the heap after 1,000,000 events against the heap after 10,000 (a
 * leak per event shows as the difference; goal: within 5 MB), and bytes per connection tracked
 * in the memory store (a record with claims, user, tenant and one room). Needs `--expose-gc`
 * (scripts/bench.js runs the bench so); without it the figures are skipped.
 */
@WebSocketController()
class MemoryController {
  @OnMessage('sendMessage') send(ctx: WebSocketContext) {
    return { length: ctx.body<{ text: string }>().text.length };
  }
}

function settledHeap(): number {
  for (let i = 0; i < 3; i++) fullGc!();
  return process.memoryUsage().heapUsed;
}

export async function runMemoryBench(): Promise<Record<string, number>> {
  if (!fullGc) {
    console.log('\nmemory: skipped (run node with --expose-gc)');
    return {};
  }
  const handler = bootstrap([MemoryController], { logger: { level: 'warn' }, errorFrames: false });
  const context = lambdaContext();
  // Distinct events, as a container sees them: a fresh object per event, ids that differ.
  const events = Array.from({ length: 100 }, (_, i) =>
    messageEvent({
      connectionId: `conn-${String(i).padStart(6, '0')}=`,
      body: { action: 'sendMessage', text: `hello ${i}` },
    }),
  );
  const runEvents = async (count: number) => {
    for (let i = 0; i < count; i++) await handler(events[i % events.length], context);
  };
  await runEvents(10_000);
  const after10k = settledHeap();
  await runEvents(990_000);
  const after1m = settledHeap();
  const growthMb = (after1m - after10k) / 1024 / 1024;

  const CONNECTIONS = 10_000;
  const store = new MemoryConnectionStore();
  const empty = settledHeap();
  for (let i = 0; i < CONNECTIONS; i++) {
    const connectionId = `L0SM9cOFvHc${String(i).padStart(6, '0')}=`;
    const userId = `user-${i}`;
    await store.save({
      connectionId,
      userId,
      tenantId: `tenant-${i % 10}`,
      claims: { sub: userId },
    });
    await store.join(connectionId, `room-${Math.floor(i / 10)}`);
  }
  const full = settledHeap();
  if ((await store.count()) !== CONNECTIONS) throw new Error('the memory store lost connections');
  const perConnection = (full - empty) / CONNECTIONS;

  console.log('\nmemory (heap used after gc)');
  console.log(row('figure', 'value', 'goal'));
  console.log(row('heap after 10,000 events (MB)', (after10k / 1024 / 1024).toFixed(1), ''));
  console.log(row('heap after 1,000,000 events (MB)', (after1m / 1024 / 1024).toFixed(1), ''));
  console.log(row('growth from 10,000 to 1,000,000 events (MB)', growthMb.toFixed(2), '< 5'));
  console.log(row('bytes per tracked connection (memory store)', perConnection.toFixed(0), ''));
  return {
    'memory.growth_mb_1m_vs_10k': round2(growthMb),
    'memory.bytes_per_connection': Math.round(perConnection),
  };
}
