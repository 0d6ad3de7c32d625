import { forEachLimited } from '../../src/concurrency/for-each-limited';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('forEachLimited', () => {
  it('runs an array with at most `limit` in flight, passing indexes', async () => {
    let running = 0;
    let most = 0;
    const seen: Array<[string, number]> = [];
    await forEachLimited(['a', 'b', 'c', 'd', 'e'], 2, async (item, index) => {
      running += 1;
      most = Math.max(most, running);
      seen.push([item, index]);
      await tick();
      running -= 1;
    });
    expect(most).toBe(2);
    expect(seen).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2],
      ['d', 3],
      ['e', 4],
    ]);
  });

  it('throws the first failure once started work has settled, starting nothing more', async () => {
    const started: number[] = [];
    let settled = 0;
    const run = forEachLimited([1, 2, 3, 4, 5, 6], 2, async (n) => {
      started.push(n);
      await tick();
      settled += 1;
      if (n === 2) throw new Error('two');
    });
    await expect(run).rejects.toThrow('two');
    expect(settled).toBe(started.length);
    expect(started.length).toBeLessThan(6);
  });

  it('reads an async iterable one next() at a time and only when a worker is free', async () => {
    let reading = false;
    let overlapped = false;
    let read = 0;
    let finished = 0;
    let maxAhead = 0;
    const source: AsyncIterable<number> = {
      [Symbol.asyncIterator]() {
        return {
          async next(): Promise<IteratorResult<number>> {
            if (reading) overlapped = true;
            reading = true;
            await tick();
            reading = false;
            read += 1;
            maxAhead = Math.max(maxAhead, read - finished);
            return read <= 30 ? { done: false, value: read } : { done: true, value: undefined };
          },
        };
      },
    };
    const items: number[] = [];
    await forEachLimited(source, 4, async (n) => {
      items.push(n);
      await tick();
      finished += 1;
    });
    expect(items.sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(overlapped).toBe(false);
    expect(maxAhead).toBeLessThanOrEqual(4 + 1);
  });

  it('stops reading when the signal aborts and closes the source', async () => {
    let closed = false;
    async function* endless(): AsyncGenerator<number> {
      try {
        for (let n = 0; ; n += 1) yield await Promise.resolve(n);
      } finally {
        closed = true;
      }
    }
    const stop = new AbortController();
    const items: number[] = [];
    await forEachLimited(
      endless(),
      3,
      async (n) => {
        items.push(n);
        if (n === 10) stop.abort();
        await tick();
      },
      { signal: stop.signal },
    );
    expect(closed).toBe(true);
    expect(items.length).toBeLessThan(20);
  });

  it('a failing read is thrown after the work in flight settles', async () => {
    let settled = 0;
    async function* broken(): AsyncGenerator<number> {
      yield await Promise.resolve(1);
      yield await Promise.resolve(2);
      throw new Error('page failed');
    }
    await expect(
      forEachLimited(broken(), 2, async () => {
        await tick();
        await tick();
        settled += 1;
      }),
    ).rejects.toThrow('page failed');
    expect(settled).toBe(2);
  });

  it('takes any synchronous iterable (a Set)', async () => {
    const items: string[] = [];
    await forEachLimited(new Set(['x', 'y']), 8, (item) => {
      items.push(item);
      return Promise.resolve();
    });
    expect(items).toEqual(['x', 'y']);
  });
});
