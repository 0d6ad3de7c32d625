import { MemoryConnectionStore } from '../../src/connections/memory-connection-store';
import { describeConnectionStoreContract } from '../contract/connection-store.contract';

describeConnectionStoreContract(
  'MemoryConnectionStore',
  ({ now, ttlSeconds, goneGraceMs, roomShards }) =>
    new MemoryConnectionStore({ now, ttlSeconds, goneGraceMs, roomShards }),
);

describe('MemoryConnectionStore', () => {
  it('runs on the real clock by default', async () => {
    const store = new MemoryConnectionStore();
    const before = Math.floor(Date.now() / 1000);
    const saved = await store.save({ connectionId: 'c1' });
    expect(saved.expiresAt).toBeGreaterThanOrEqual(before + 7200);
    expect(await store.get('c1')).toEqual(saved);
  });

  it('refuses a ttlSeconds that is not a positive integer', () => {
    expect(() => new MemoryConnectionStore({ ttlSeconds: 0 })).toThrow(RangeError);
    expect(() => new MemoryConnectionStore({ ttlSeconds: 1.5 })).toThrow(RangeError);
  });

  it('drops expired connections from memory when counting', async () => {
    let time = Date.UTC(2030, 0, 1);
    const store = new MemoryConnectionStore({ now: () => time, ttlSeconds: 10 });
    await store.save({ connectionId: 'c1', userId: 'u1' });
    await store.join('c1', 'lobby');
    time += 10_000;
    expect(await store.count()).toBe(0);
    // Gone for good: moving the clock back does not bring it back.
    time -= 10_000;
    expect(await store.get('c1')).toBeUndefined();
    expect(await store.roomsOf('c1')).toEqual([]);
  });

  it('gives every read its own mutable copy, nested values and a "__proto__" claim included', async () => {
    const store = new MemoryConnectionStore();
    const claims = JSON.parse('{"sub":"u1","__proto__":{"admin":true},"roles":["a"]}') as Record<
      string,
      unknown
    >;
    await store.save({ connectionId: 'c1', claims, metadata: { seen: [{ at: 1 }] } });
    const read = (await store.get('c1'))!;
    read.lastSeenAt = 'changed';
    (read.claims!.roles as string[]).push('b');
    (read.metadata!.seen as Array<{ at: number }>)[0].at = 2;
    const again = (await store.get('c1'))!;
    expect(again.lastSeenAt).not.toBe('changed');
    expect(again.metadata).toEqual({ seen: [{ at: 1 }] });
    expect(again.claims!.roles).toEqual(['a']);
    // Still an own property holding the value, not the record's prototype.
    expect(Object.getPrototypeOf(again.claims)).toBe(Object.prototype);
    expect(Object.keys(again.claims!)).toEqual(['sub', '__proto__', 'roles']);
    expect(Object.getOwnPropertyDescriptor(again.claims, '__proto__')?.value).toEqual({
      admin: true,
    });
  });
});

describe('MemoryConnectionStore listings read synchronously', () => {
  it('give the same snapshot of live members as the asynchronous read', async () => {
    const store = new MemoryConnectionStore();
    for (const id of ['c1', 'c2', 'c3']) {
      await store.save({ connectionId: id });
      await store.join(id, 'lobby');
    }
    const listing = store.roomMembers('lobby') as AsyncIterable<string> & Iterable<string>;
    const iterator = listing[Symbol.iterator]();
    // A member leaving after the read started is still in this read, as with `for await`.
    const first = iterator.next();
    await store.leave('c3', 'lobby');
    expect([first.value, ...{ [Symbol.iterator]: () => iterator }]).toEqual(['c1', 'c2', 'c3']);
    const read: string[] = [];
    for await (const id of store.roomMembers('lobby')) read.push(id);
    expect([...(store.roomMembers('lobby') as AsyncIterable<string> & Iterable<string>)]).toEqual(
      read,
    );
    expect(read).toEqual(['c1', 'c2']);
  });

  it('are refused on the first read once the caller signal has fired', async () => {
    const store = new MemoryConnectionStore();
    await store.save({ connectionId: 'c1' });
    await store.join('c1', 'lobby');
    const signal = AbortSignal.abort(new Error('deadline'));
    const listing = store.roomMembers('lobby', { signal }) as AsyncIterable<string> &
      Iterable<string>;
    expect(() => [...listing]).toThrow(/roomMembers on MemoryConnectionStore aborted/);
  });
});
