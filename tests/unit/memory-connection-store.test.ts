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
});
