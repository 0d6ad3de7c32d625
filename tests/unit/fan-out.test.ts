import { fanOut, type SendOutcome } from '../../src/management/fan-out';

const sent = (): Promise<SendOutcome> => Promise.resolve({ kind: 'sent' });

describe('fanOut', () => {
  it('sends each distinct id once, leaving out excluded and empty ids', async () => {
    const calls: string[] = [];
    const result = await fanOut(
      ['a', 'b', 'a', '', 'c', 'b', 'me'],
      (id) => {
        calls.push(id);
        return sent();
      },
      { concurrency: 2, exclude: new Set(['me']) },
    );
    expect(calls.sort()).toEqual(['a', 'b', 'c']);
    expect(result).toEqual({ sent: 3, gone: [], failed: [] });
  });

  it('sorts outcomes into sent, gone and failed; a throwing send counts as failed', async () => {
    const gone: string[] = [];
    const result = await fanOut(
      ['ok', 'gone', 'bad', 'boom'],
      (id) => {
        if (id === 'gone') return Promise.resolve({ kind: 'gone' });
        if (id === 'bad')
          return Promise.resolve({ kind: 'failed', error: 'nope', statusCode: 403 });
        if (id === 'boom') return Promise.reject(new Error('bug'));
        return sent();
      },
      { concurrency: 4, onGone: (id) => gone.push(id) },
    );
    expect(result.sent).toBe(1);
    expect(result.gone).toEqual(['gone']);
    expect(gone).toEqual(['gone']);
    expect(result.failed).toEqual([
      { connectionId: 'bad', error: 'nope', statusCode: 403 },
      { connectionId: 'boom', error: 'bug', statusCode: undefined },
    ]);
  });

  it('never has more than `concurrency` sends running', async () => {
    let running = 0;
    let most = 0;
    const ids = Array.from({ length: 50 }, (_, i) => `id${i}`);
    await fanOut(
      ids,
      async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setImmediate(resolve));
        running -= 1;
        return { kind: 'sent' };
      },
      { concurrency: 7 },
    );
    expect(most).toBe(7);
  });

  it('after the deadline, reads a synchronous source to its end into skipped', async () => {
    let now = 0;
    const ids = new Set(['a', 'b', 'c', 'd', 'e']);
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      const result = await fanOut(
        ids,
        () => {
          now += 10;
          return sent();
        },
        { concurrency: 1, deadline: 20, exclude: ['d'] },
      );
      expect(result).toEqual({
        sent: 2,
        gone: [],
        failed: [],
        skipped: ['c', 'e'],
        truncated: true,
      });
    } finally {
      clock.mockRestore();
    }
  });

  it('reads an async source one next() at a time', async () => {
    let reading = false;
    let overlapped = false;
    const iterable: AsyncIterable<string> = {
      [Symbol.asyncIterator]() {
        let i = 0;
        return {
          async next(): Promise<IteratorResult<string>> {
            if (reading) overlapped = true;
            reading = true;
            await new Promise((resolve) => setImmediate(resolve));
            reading = false;
            i += 1;
            return i <= 20 ? { done: false, value: `id${i}` } : { done: true, value: undefined };
          },
        };
      },
    };
    const result = await fanOut(iterable, sent, { concurrency: 8 });
    expect(result.sent).toBe(20);
    expect(overlapped).toBe(false);
  });
});
