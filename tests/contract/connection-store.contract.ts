import { forEachLimited } from '../../src/concurrency/for-each-limited';
import type { ConnectionStore, NewConnection } from '../../src/connections/connection-store';
import { collect } from '../support/collect';

/** What a contract run asks of the store under test. */
export interface ContractStoreOptions {
  /** The fake clock the store must read (epoch ms). */
  now: () => number;
  ttlSeconds?: number;
  /** A small page size, where the store has one, so pagination is really exercised. */
  pageSize?: number;
  /** How young a connection `removeGone` keeps (the stores' default is 5000). */
  goneGraceMs?: number;
  /** Partitions per room (the stores' `roomShards`). */
  roomShards?: (room: string) => number;
}

/** Builds a fresh, empty store per call; the test file owns whatever the stores share. */
export type ConnectionStoreFactory = (
  options: ContractStoreOptions,
) => ConnectionStore | Promise<ConnectionStore>;

const START = Date.UTC(2030, 0, 1, 12, 0, 0);
const START_SECONDS = START / 1000;
const TWO_HOURS_MS = 2 * 60 * 60 * 1000;

/** Runs `work` over `items`, `limit` at a time (a real store would be flooded otherwise). */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<unknown>,
): Promise<void> {
  await forEachLimited(items, limit, async (item) => {
    await work(item);
  });
}

/** Reads a listing until `stopAfter` ids were seen, then aborts and reads on. */
async function readAbortingAfter(
  listing: (signal: AbortSignal) => AsyncIterable<string>,
  stopAfter: number,
): Promise<{ seen: string[]; error: unknown }> {
  const controller = new AbortController();
  const seen: string[] = [];
  try {
    for await (const id of listing(controller.signal)) {
      seen.push(id);
      if (seen.length === stopAfter) controller.abort(new Error('the event deadline passed'));
    }
  } catch (error) {
    return { seen, error };
  }
  return { seen, error: undefined };
}

function ids(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}${String(index).padStart(5, '0')}`);
}

/**
 * The behaviour every `ConnectionStore` must have. Each implementation's test file calls this
 * with a factory; the suite drives time through the injected clock.
 */
export function describeConnectionStoreContract(
  name: string,
  factory: ConnectionStoreFactory,
): void {
  describe(`${name} (ConnectionStore contract)`, () => {
    let time = START;
    const now = (): number => time;
    const advance = (ms: number): void => {
      time += ms;
    };
    const createStore = async (
      options: Omit<ContractStoreOptions, 'now'> = {},
    ): Promise<ConnectionStore> => factory({ now, ...options });

    let store: ConnectionStore;
    beforeEach(async () => {
      time = START;
      store = await createStore();
    });

    describe('save, get, delete', () => {
      it('fills in the timestamps and an expiry of connect + 2 h', async () => {
        const saved = await store.save({
          connectionId: 'c1',
          userId: 'u1',
          tenantId: 't1',
          claims: { sub: 'u1', roles: ['admin'], iat: 1893499200, empty: '' },
          metadata: { userAgent: 'jest', nested: { depth: 2 } },
        });
        expect(saved).toEqual({
          connectionId: 'c1',
          userId: 'u1',
          tenantId: 't1',
          claims: { sub: 'u1', roles: ['admin'], iat: 1893499200, empty: '' },
          metadata: { userAgent: 'jest', nested: { depth: 2 } },
          connectedAt: '2030-01-01T12:00:00.000Z',
          lastSeenAt: '2030-01-01T12:00:00.000Z',
          expiresAt: START_SECONDS + 7200,
        });
        expect(await store.get('c1')).toEqual(saved);
      });

      it('keeps the timestamps it is given and counts the expiry from connectedAt', async () => {
        const connectedAt = new Date(START - 60_000).toISOString();
        const saved = await store.save({ connectionId: 'c1', connectedAt });
        expect(saved.connectedAt).toBe(connectedAt);
        expect(saved.lastSeenAt).toBe(connectedAt);
        expect(saved.expiresAt).toBe(START_SECONDS - 60 + 7200);

        const explicit: NewConnection = {
          connectionId: 'c2',
          connectedAt,
          lastSeenAt: new Date(START).toISOString(),
          expiresAt: START_SECONDS + 30,
        };
        expect(await store.save(explicit)).toEqual(explicit);
        expect(await store.get('c2')).toEqual(explicit);
      });

      it('honours ttlSeconds', async () => {
        const shortLived = await createStore({ ttlSeconds: 60 });
        const saved = await shortLived.save({ connectionId: 'c1' });
        expect(saved.expiresAt).toBe(START_SECONDS + 60);
        advance(59_999);
        expect(await shortLived.get('c1')).toBeDefined();
        advance(1);
        expect(await shortLived.get('c1')).toBeUndefined();
      });

      it('answers undefined for an unknown connection', async () => {
        expect(await store.get('nobody')).toBeUndefined();
      });

      it('deletes, and deleting an unknown connection is not an error', async () => {
        await store.save({ connectionId: 'c1' });
        await store.delete('c1');
        expect(await store.get('c1')).toBeUndefined();
        await expect(store.delete('c1')).resolves.toBeUndefined();
        await expect(store.delete('never-there')).resolves.toBeUndefined();
      });

      it('replaces a connection saved again', async () => {
        await store.save({ connectionId: 'c1', userId: 'u1', metadata: { v: 1 } });
        await store.save({ connectionId: 'c1', userId: 'u2', metadata: { v: 2 } });
        expect((await store.get('c1'))?.metadata).toEqual({ v: 2 });
        expect(await collect(store.connectionsOfUser('u1'))).toEqual([]);
        expect(await collect(store.connectionsOfUser('u2'))).toEqual(['c1']);
      });

      it('keeps its own copies of claims and metadata', async () => {
        const claims: Record<string, unknown> = { sub: 'u1' };
        const saved = await store.save({ connectionId: 'c1', claims });
        claims.sub = 'mutated';
        (saved.claims as Record<string, unknown>).sub = 'mutated too';
        const read = await store.get('c1');
        (read?.claims as Record<string, unknown>).sub = 'and again';
        expect((await store.get('c1'))?.claims).toEqual({ sub: 'u1' });
      });

      it('refuses a connection without an id', async () => {
        await expect(store.save({ connectionId: '' })).rejects.toThrow(TypeError);
        expect(await store.count()).toBe(0);
      });
    });

    describe('expiry', () => {
      it('hides an expired connection from every read, even before it is deleted', async () => {
        await store.save({ connectionId: 'c1', userId: 'u1', tenantId: 't1' });
        await store.join('c1', 'lobby');
        advance(TWO_HOURS_MS - 1000);
        expect(await store.get('c1')).toBeDefined();
        expect(await store.count()).toBe(1);

        advance(1000);
        expect(await store.get('c1')).toBeUndefined();
        expect(await store.touch('c1')).toBe(false);
        expect(await collect(store.roomMembers('lobby'))).toEqual([]);
        expect(await store.roomsOf('c1')).toEqual([]);
        expect(await collect(store.connectionsOfUser('u1'))).toEqual([]);
        expect(await collect(store.connectionsOfTenant('t1'))).toEqual([]);
        expect(await store.count()).toBe(0);
        await expect(store.join('c1', 'other')).rejects.toMatchObject({ statusCode: 410 });
      });

      it('expires each connection on its own schedule', async () => {
        await store.save({ connectionId: 'old', userId: 'u1' });
        await store.join('old', 'lobby');
        advance(TWO_HOURS_MS / 2);
        await store.save({ connectionId: 'new', userId: 'u1' });
        await store.join('new', 'lobby');
        advance(TWO_HOURS_MS / 2);

        expect(await store.get('old')).toBeUndefined();
        expect(await store.get('new')).toBeDefined();
        expect(await collect(store.roomMembers('lobby'))).toEqual(['new']);
        expect(await collect(store.connectionsOfUser('u1'))).toEqual(['new']);
        expect(await store.count()).toBe(1);
      });
    });

    describe('touch', () => {
      it('moves lastSeenAt to now and nothing else', async () => {
        const saved = await store.save({ connectionId: 'c1', userId: 'u1' });
        advance(90_000);
        expect(await store.touch('c1')).toBe(true);
        expect(await store.get('c1')).toEqual({
          ...saved,
          lastSeenAt: new Date(START + 90_000).toISOString(),
        });
      });

      it('answers false for an unknown connection and creates nothing', async () => {
        expect(await store.touch('nobody')).toBe(false);
        expect(await store.get('nobody')).toBeUndefined();
        expect(await store.count()).toBe(0);
      });

      it('answers false after a delete', async () => {
        await store.save({ connectionId: 'c1' });
        await store.delete('c1');
        expect(await store.touch('c1')).toBe(false);
        expect(await store.get('c1')).toBeUndefined();
      });
    });

    describe('rooms', () => {
      beforeEach(async () => {
        for (const connectionId of ['a', 'b', 'c']) await store.save({ connectionId });
      });

      it('lists the members of a room and the rooms of a connection', async () => {
        await store.join('a', 'lobby');
        await store.join('b', 'lobby');
        await store.join('a', 'games');
        expect(await collect(store.roomMembers('lobby'))).toEqual(['a', 'b']);
        expect(await collect(store.roomMembers('games'))).toEqual(['a']);
        expect(await collect(store.roomMembers('empty'))).toEqual([]);
        expect((await store.roomsOf('a')).sort()).toEqual(['games', 'lobby']);
        expect(await store.roomsOf('c')).toEqual([]);
      });

      it('joins once however often it is asked', async () => {
        await store.join('a', 'lobby');
        await store.join('a', 'lobby');
        expect(await collect(store.roomMembers('lobby'))).toEqual(['a']);
        expect(await store.roomsOf('a')).toEqual(['lobby']);
      });

      it('leaves, and leaving a room never joined is not an error', async () => {
        await store.join('a', 'lobby');
        await store.join('b', 'lobby');
        await store.leave('a', 'lobby');
        await store.leave('a', 'lobby');
        await store.leave('c', 'never-joined');
        expect(await collect(store.roomMembers('lobby'))).toEqual(['b']);
        expect(await store.roomsOf('a')).toEqual([]);
      });

      it('refuses to join a connection it does not track', async () => {
        await expect(store.join('nobody', 'lobby')).rejects.toMatchObject({ statusCode: 410 });
        expect(await collect(store.roomMembers('lobby'))).toEqual([]);
      });

      it('keeps room names apart from ids and other rooms', async () => {
        await store.join('a', 'team#1');
        await store.join('b', 'team#10');
        await store.join('c', 'Team#1');
        expect(await collect(store.roomMembers('team#1'))).toEqual(['a']);
        expect(await collect(store.roomMembers('team#10'))).toEqual(['b']);
        expect(await collect(store.roomMembers('Team#1'))).toEqual(['c']);
      });

      it('removes the memberships of a deleted connection, also when its id comes back', async () => {
        await store.join('a', 'lobby');
        await store.join('a', 'games');
        await store.join('b', 'lobby');
        await store.delete('a');
        expect(await collect(store.roomMembers('lobby'))).toEqual(['b']);
        expect(await collect(store.roomMembers('games'))).toEqual([]);
        expect(await store.roomsOf('a')).toEqual([]);

        await store.save({ connectionId: 'a' });
        expect(await store.roomsOf('a')).toEqual([]);
        expect(await collect(store.roomMembers('lobby'))).toEqual(['b']);
      });

      it('can iterate the same listing twice', async () => {
        await store.join('a', 'lobby');
        const members = store.roomMembers('lobby');
        expect(await collect(members)).toEqual(['a']);
        expect(await collect(members)).toEqual(['a']);
      });
    });

    describe('users and tenants', () => {
      it('lists the connections of a user and of a tenant', async () => {
        await store.save({ connectionId: 'a', userId: 'u1', tenantId: 't1' });
        await store.save({ connectionId: 'b', userId: 'u1', tenantId: 't2' });
        await store.save({ connectionId: 'c', userId: 'u2', tenantId: 't1' });
        expect(await collect(store.connectionsOfUser('u1'))).toEqual(['a', 'b']);
        expect(await collect(store.connectionsOfUser('u2'))).toEqual(['c']);
        expect(await collect(store.connectionsOfTenant('t1'))).toEqual(['a', 'c']);
        expect(await collect(store.connectionsOfTenant('t2'))).toEqual(['b']);
        expect(await collect(store.connectionsOfUser('nobody'))).toEqual([]);
      });

      it('saves connections without a user or tenant, and with empty ones', async () => {
        await store.save({ connectionId: 'anonymous' });
        await store.save({ connectionId: 'empty', userId: '', tenantId: '' });
        await store.save({ connectionId: 'user-only', userId: 'u1' });
        await store.save({ connectionId: 'tenant-only', tenantId: 't1' });

        const empty = await store.get('empty');
        expect(empty?.userId).toBeUndefined();
        expect(empty?.tenantId).toBeUndefined();
        expect(await store.get('anonymous')).toBeDefined();
        expect(await collect(store.connectionsOfUser(''))).toEqual([]);
        expect(await collect(store.connectionsOfTenant(''))).toEqual([]);
        expect(await collect(store.connectionsOfUser('u1'))).toEqual(['user-only']);
        expect(await collect(store.connectionsOfTenant('t1'))).toEqual(['tenant-only']);
        expect(await store.count()).toBe(4);
      });

      it('forgets the user and tenant of a deleted connection', async () => {
        await store.save({ connectionId: 'a', userId: 'u1', tenantId: 't1' });
        await store.delete('a');
        expect(await collect(store.connectionsOfUser('u1'))).toEqual([]);
        expect(await collect(store.connectionsOfTenant('t1'))).toEqual([]);
      });
    });

    describe('pagination', () => {
      it('reads all 1,200 members of a room, each once', async () => {
        const paged = await createStore({ pageSize: 100 });
        const members = ids('m', 1200);
        await eachLimited(members, 25, async (connectionId) => {
          await paged.save({ connectionId });
          await paged.join(connectionId, 'big');
        });
        const read = await collect(paged.roomMembers('big'));
        expect(read).toHaveLength(1200);
        expect(read).toEqual(members);
      }, 120_000);

      it('reads every connection of a user and a tenant across pages', async () => {
        const paged = await createStore({ pageSize: 7 });
        const mine = ids('u', 40);
        await eachLimited(mine, 20, (connectionId) =>
          paged.save({ connectionId, userId: 'u1', tenantId: 't1' }),
        );
        await eachLimited(ids('x', 20), 20, (connectionId) =>
          paged.save({ connectionId, userId: 'u2', tenantId: 't2' }),
        );
        expect(await collect(paged.connectionsOfUser('u1'))).toEqual(mine);
        expect(await collect(paged.connectionsOfTenant('t1'))).toEqual(mine);
        expect(await paged.count()).toBe(60);
      });

      it('reads every room of a connection across pages', async () => {
        const paged = await createStore({ pageSize: 3 });
        await paged.save({ connectionId: 'c1' });
        const rooms = ids('room-', 10);
        for (const room of rooms) await paged.join('c1', room);
        expect((await paged.roomsOf('c1')).sort()).toEqual(rooms);
      });
    });

    describe('sharded rooms (K > 1)', () => {
      const shardsOf = (room: string): number => (room.startsWith('large-') ? 8 : 1);

      it('spreads a large room over 8 shards, each member on exactly one, all listed once', async () => {
        const sharded = await createStore({ roomShards: shardsOf, pageSize: 50 });
        const members = ids('s', 400);
        await eachLimited(members, 25, async (connectionId) => {
          await sharded.save({ connectionId, rooms: ['large-hall'] });
        });
        expect(sharded.roomShardCount?.('large-hall')).toBe(8);
        expect(sharded.roomShardCount?.('small')).toBe(1);
        const perShard = await Promise.all(
          Array.from({ length: 8 }, (_, shard) =>
            collect(sharded.roomShardMembers!('large-hall', shard)),
          ),
        );
        for (const shard of perShard) expect(shard.length).toBeGreaterThan(20);
        expect(perShard.flat().sort()).toEqual(members);
        expect((await collect(sharded.roomMembers('large-hall'))).sort()).toEqual(members);
      }, 60_000);

      it('leave, delete and removeGone take members off their shard', async () => {
        const sharded = await createStore({ roomShards: shardsOf });
        const members = ids('g', 24);
        for (const connectionId of members) {
          await sharded.save({ connectionId });
          await sharded.join(connectionId, 'large-room');
        }
        advance(10_000);
        await sharded.leave('g00000', 'large-room');
        await sharded.delete('g00001');
        await sharded.removeGone(['g00002', 'g00003']);
        expect((await collect(sharded.roomMembers('large-room'))).sort()).toEqual(members.slice(4));
        expect(await sharded.roomsOf('g00004')).toEqual(['large-room']);
      });

      it('keeps room "a#1" apart from shard 1 of room "a"', async () => {
        const sharded = await createStore({ roomShards: (room) => (room === 'a' ? 4 : 1) });
        const members = ids('h', 16);
        for (const connectionId of members) await sharded.save({ connectionId, rooms: ['a'] });
        await sharded.save({ connectionId: 'other', rooms: ['a#1', 'a#2', 'a#3'] });
        expect((await collect(sharded.roomMembers('a'))).sort()).toEqual(members);
        expect(await collect(sharded.roomMembers('a#1'))).toEqual(['other']);
      });

      it('still lists members that joined before the room was marked large', async () => {
        let large = false;
        const growing = await createStore({ roomShards: () => (large ? 8 : 1) });
        const before = ids('b', 10);
        const after = ids('n', 10);
        for (const connectionId of before) await growing.save({ connectionId, rooms: ['hall'] });
        large = true;
        for (const connectionId of after) await growing.save({ connectionId, rooms: ['hall'] });
        expect((await collect(growing.roomMembers('hall'))).sort()).toEqual([...before, ...after]);
        advance(10_000);
        await growing.leave('b00000', 'hall');
        await growing.delete('n00000');
        const left = (await collect(growing.roomMembers('hall'))).sort();
        expect(left).toEqual([...before.slice(1), ...after.slice(1)]);
      });
    });

    describe('deleteMany', () => {
      it('deletes more than 25 connections and all their memberships', async () => {
        const doomed = ids('d', 60);
        await eachLimited(doomed, 20, async (connectionId) => {
          await store.save({ connectionId, userId: 'u1' });
          await store.join(connectionId, 'lobby');
          await store.join(connectionId, 'games');
        });
        await store.save({ connectionId: 'survivor', userId: 'u1' });
        await store.join('survivor', 'lobby');

        await store.deleteMany([...doomed, ...doomed.slice(0, 5), 'unknown-id']);

        expect(await collect(store.roomMembers('lobby'))).toEqual(['survivor']);
        expect(await collect(store.roomMembers('games'))).toEqual([]);
        expect(await collect(store.connectionsOfUser('u1'))).toEqual(['survivor']);
        expect(await store.get(doomed[0])).toBeUndefined();
        expect(await store.roomsOf(doomed[59])).toEqual([]);
        expect(await store.count()).toBe(1);
      });

      it('accepts an empty list', async () => {
        await expect(store.deleteMany([])).resolves.toBeUndefined();
      });
    });

    describe('removeGone (a post answered 410)', () => {
      it('a 410 for a connection younger than the grace period does not delete it', async () => {
        // $connect has saved B with its claims and rooms; the handshake is not complete yet, so
        // a broadcast to the room gets 410 for B.
        await store.save({
          connectionId: 'b',
          userId: 'u1',
          claims: { sub: 'u1' },
          rooms: ['lobby'],
        });
        advance(4999);
        await store.removeGone(['b']);

        expect(await store.get('b')).toMatchObject({ userId: 'u1', claims: { sub: 'u1' } });
        expect(await collect(store.roomMembers('lobby'))).toEqual(['b']);
        expect(await store.roomsOf('b')).toEqual(['lobby']);
        expect(await collect(store.connectionsOfUser('u1'))).toEqual(['b']);
      });

      it('a 410 for an old connection removes it and its memberships', async () => {
        await store.save({ connectionId: 'old', userId: 'u1', rooms: ['lobby', 'games'] });
        advance(5000);
        await store.save({ connectionId: 'opening', userId: 'u1', rooms: ['lobby'] });
        await store.removeGone(['old', 'opening', 'never-there', 'old']);

        expect(await store.get('old')).toBeUndefined();
        expect(await store.roomsOf('old')).toEqual([]);
        expect(await collect(store.roomMembers('lobby'))).toEqual(['opening']);
        expect(await collect(store.roomMembers('games'))).toEqual([]);
        expect(await collect(store.connectionsOfUser('u1'))).toEqual(['opening']);
        await expect(store.removeGone([])).resolves.toBeUndefined();
      });

      it('honours goneGraceMs, and removes an expired connection whatever its age', async () => {
        const strict = await createStore({ goneGraceMs: 0 });
        await strict.save({ connectionId: 'c1', rooms: ['lobby'] });
        await strict.removeGone(['c1']);
        expect(await strict.get('c1')).toBeUndefined();
        expect(await collect(strict.roomMembers('lobby'))).toEqual([]);

        // A connectedAt ahead of the clock (skew) counts as young; an expired one goes anyway.
        const ahead = new Date(START + 60_000).toISOString();
        await store.save({ connectionId: 'ahead', connectedAt: ahead, rooms: ['lobby'] });
        await store.save({ connectionId: 'expired', expiresAt: START_SECONDS - 1 });
        await store.removeGone(['ahead', 'expired']);
        expect(await store.get('ahead')).toBeDefined();
        expect(await collect(store.roomMembers('lobby'))).toEqual(['ahead']);
        expect(await store.count()).toBe(1);
        advance(65_000);
        await store.removeGone(['ahead']);
        expect(await store.count()).toBe(0);
      });

      it('keeps delete unconditional ($disconnect)', async () => {
        await store.save({ connectionId: 'c1', rooms: ['lobby'] });
        await store.delete('c1');
        expect(await store.get('c1')).toBeUndefined();
        expect(await collect(store.roomMembers('lobby'))).toEqual([]);
      });
    });

    describe('save with rooms (all-or-nothing)', () => {
      it('saves the connection and its rooms in one call', async () => {
        const saved = await store.save({
          connectionId: 'c1',
          userId: 'u1',
          rooms: ['lobby', 'games', 'lobby'],
        });
        expect(saved).not.toHaveProperty('rooms');
        expect(await store.get('c1')).toEqual(saved);
        expect((await store.roomsOf('c1')).sort()).toEqual(['games', 'lobby']);
        expect(await collect(store.roomMembers('lobby'))).toEqual(['c1']);
        expect(await collect(store.roomMembers('games'))).toEqual(['c1']);
      });

      it('a save whose room write fails leaves no connection and no membership', async () => {
        // A room name DynamoDB cannot store (its sort key holds 1024 bytes): the write of the
        // memberships fails, so the connection must not stay either.
        const tooLong = 'r'.repeat(1020);
        const refused = store.save({ connectionId: 'c1', userId: 'u1', rooms: ['lobby', tooLong] });
        await expect(refused).rejects.toMatchObject({ statusCode: 400 });
        await expect(refused).rejects.toThrow(/room name/);
        await expect(
          store.save({ connectionId: 'c2', rooms: ['lobby', 42 as unknown as string] }),
        ).rejects.toThrow(TypeError);
        await expect(
          store.save({ connectionId: 'c3', rooms: 'lobby' as unknown as string[] }),
        ).rejects.toThrow(TypeError);

        for (const connectionId of ['c1', 'c2', 'c3']) {
          expect(await store.get(connectionId)).toBeUndefined();
          expect(await store.roomsOf(connectionId)).toEqual([]);
        }
        expect(await collect(store.roomMembers('lobby'))).toEqual([]);
        expect(await collect(store.connectionsOfUser('u1'))).toEqual([]);
        expect(await store.count()).toBe(0);
      });

      it('saves a connection with more rooms than one transaction holds', async () => {
        const rooms = ids('room-', 60);
        await store.save({ connectionId: 'c1', rooms });
        expect((await store.roomsOf('c1')).sort()).toEqual(rooms);
        expect(await collect(store.roomMembers(rooms[59]))).toEqual(['c1']);
        await store.delete('c1');
        expect(await collect(store.roomMembers(rooms[0]))).toEqual([]);
      });

      it('refuses a room name it could not store on join too, as a bad request', async () => {
        await store.save({ connectionId: 'c1' });
        // Often a client's input: a 400, like any bad request, not a 500.
        await expect(store.join('c1', '')).rejects.toMatchObject({ statusCode: 400 });
        await expect(store.join('c1', 'r'.repeat(1020))).rejects.toMatchObject({
          statusCode: 400,
        });
        await expect(store.join('c1', 7 as unknown as string)).rejects.toThrow(TypeError);
        expect(await store.roomsOf('c1')).toEqual([]);
      });
    });

    describe('signals', () => {
      it('an aborted signal stops a room listing between pages', async () => {
        const paged = await createStore({ pageSize: 10 });
        const members = ids('m', 30);
        await paged.save({ connectionId: 'seed' });
        await eachLimited(members, 10, (connectionId) =>
          paged.save({ connectionId, rooms: ['big'] }),
        );

        const { seen, error } = await readAbortingAfter(
          (signal) => paged.roomMembers('big', { signal }),
          1,
        );
        expect(error).toMatchObject({ name: 'StoreCallError', failure: 'aborted' });
        expect((error as Error).message).toMatch(/roomMembers/);
        expect((error as Error).message).toMatch(/the event deadline passed/);
        // At most the page already fetched, never the pages after it.
        expect(seen.length).toBeGreaterThanOrEqual(1);
        expect(seen.length).toBeLessThanOrEqual(10);

        const user = await readAbortingAfter(
          (signal) => paged.connectionsOfUser('nobody', { signal }),
          1,
        );
        expect(user).toEqual({ seen: [], error: undefined });
      });

      it('refuses every call whose signal has already fired, and writes nothing', async () => {
        await store.save({ connectionId: 'kept', rooms: ['lobby'] });
        const controller = new AbortController();
        controller.abort(new Error('deadline'));
        const options = { signal: controller.signal };
        const aborted = { name: 'StoreCallError', failure: 'aborted' };

        await expect(
          store.save({ connectionId: 'c1', rooms: ['lobby'] }, options),
        ).rejects.toMatchObject(aborted);
        await expect(store.get('kept', options)).rejects.toMatchObject(aborted);
        await expect(store.delete('kept', options)).rejects.toMatchObject(aborted);
        await expect(store.deleteMany(['kept'], options)).rejects.toMatchObject(aborted);
        await expect(store.removeGone(['kept'], options)).rejects.toMatchObject(aborted);
        await expect(store.touch('kept', options)).rejects.toMatchObject(aborted);
        await expect(store.join('kept', 'games', options)).rejects.toMatchObject(aborted);
        await expect(store.leave('kept', 'lobby', options)).rejects.toMatchObject(aborted);
        await expect(store.roomsOf('kept', options)).rejects.toMatchObject(aborted);
        await expect(collect(store.roomMembers('lobby', options))).rejects.toMatchObject(aborted);
        await expect(collect(store.connectionsOfUser('u1', options))).rejects.toMatchObject(
          aborted,
        );
        await expect(collect(store.connectionsOfTenant('t1', options))).rejects.toMatchObject(
          aborted,
        );
        await expect(store.count(options)).rejects.toMatchObject(aborted);
        await expect(
          store.takeToken('k', { capacity: 1, refillPerSecond: 1 }, 1, options),
        ).rejects.toMatchObject(aborted);

        expect(await store.get('c1')).toBeUndefined();
        expect(await store.get('kept')).toBeDefined();
        expect(await store.roomsOf('kept')).toEqual(['lobby']);
        expect(await store.takeToken('k', { capacity: 1, refillPerSecond: 1 })).toMatchObject({
          allowed: true,
        });
      });

      it('runs normally under a signal that has not fired', async () => {
        const { signal } = new AbortController();
        await store.save({ connectionId: 'c1', userId: 'u1', rooms: ['lobby'] }, { signal });
        await store.join('c1', 'games', { signal });
        expect(await collect(store.roomMembers('lobby', { signal }))).toEqual(['c1']);
        expect(await collect(store.connectionsOfUser('u1', { signal }))).toEqual(['c1']);
        expect(await store.touch('c1', { signal })).toBe(true);
        await store.removeGone(['c1'], { signal });
        expect(await store.get('c1', { signal })).toBeDefined();
      });
    });

    describe('count', () => {
      it('counts live connections only, not rooms or buckets', async () => {
        expect(await store.count()).toBe(0);
        await store.save({ connectionId: 'a' });
        await store.save({ connectionId: 'b' });
        await store.save({ connectionId: 'c', expiresAt: START_SECONDS - 1 });
        await store.join('a', 'lobby');
        await store.takeToken('conn:a', { capacity: 5, refillPerSecond: 1 });
        expect(await store.count()).toBe(2);
        await store.delete('a');
        expect(await store.count()).toBe(1);
      });
    });

    describe('room history (seq allocation, kept messages, resume reads)', () => {
      const retention = { ttlSeconds: 600, maxMessages: 100 };
      const frame = (room: string, seq: number): string =>
        JSON.stringify({ type: 'said', room, seq });
      /** Allocates and keeps `count` messages in `room`, in order. */
      const send = async (
        target: ConnectionStore,
        room: string,
        count: number,
        kept = retention,
      ): Promise<void> => {
        for (let sent = 0; sent < count; sent++) {
          const seq = await target.nextRoomSeq!(room);
          await target.putRoomMessage!(room, { seq, frame: frame(room, seq) }, kept);
        }
      };

      it('allocates 1, 2, 3... per room, rooms independent ("a" and "a#1" too)', async () => {
        expect([await store.nextRoomSeq!('a'), await store.nextRoomSeq!('a')]).toEqual([1, 2]);
        expect(await store.nextRoomSeq!('a#1')).toBe(1);
        expect(await store.nextRoomSeq!('b')).toBe(1);
        expect(await store.nextRoomSeq!('a')).toBe(3);
      });

      it('never hands out a seq twice to concurrent senders', async () => {
        const seqs = await Promise.all(Array.from({ length: 40 }, () => store.nextRoomSeq!('hot')));
        expect([...seqs].sort((x, y) => x - y)).toEqual(
          Array.from({ length: 40 }, (_, index) => index + 1),
        );
      });

      it('reads the latest seq alone, and the kept messages after a point in order', async () => {
        expect(await store.roomHistory!('lobby', undefined, retention)).toEqual({
          latestSeq: 0,
          messages: [],
        });
        await send(store, 'lobby', 5);
        expect(await store.roomHistory!('lobby', undefined, retention)).toEqual({
          latestSeq: 5,
          messages: [],
        });
        expect(await store.roomHistory!('lobby', 2, retention)).toEqual({
          latestSeq: 5,
          messages: [3, 4, 5].map((seq) => ({ seq, frame: frame('lobby', seq) })),
        });
        expect(await store.roomHistory!('lobby', 5, retention)).toEqual({
          latestSeq: 5,
          messages: [],
        });
        expect(await store.roomHistory!('other', 0, retention)).toEqual({
          latestSeq: 0,
          messages: [],
        });
      });

      it('returns messages in seq order whatever order they were written in', async () => {
        const seqs = [await store.nextRoomSeq!('r'), await store.nextRoomSeq!('r')];
        const third = await store.nextRoomSeq!('r');
        await store.putRoomMessage!('r', { seq: third, frame: frame('r', third) }, retention);
        await store.putRoomMessage!('r', { seq: seqs[1], frame: frame('r', seqs[1]) }, retention);
        await store.putRoomMessage!('r', { seq: seqs[0], frame: frame('r', seqs[0]) }, retention);
        const { messages } = await store.roomHistory!('r', 0, retention);
        expect(messages.map((message) => message.seq)).toEqual([1, 2, 3]);
      });

      it('leaves a hole where a seq was allocated but its message never kept', async () => {
        await send(store, 'r', 2);
        await store.nextRoomSeq!('r'); // the sender died between the two writes
        await send(store, 'r', 1);
        const history = await store.roomHistory!('r', 0, retention);
        expect(history.latestSeq).toBe(4);
        expect(history.messages.map((message) => message.seq)).toEqual([1, 2, 4]);
      });

      it('keeps only the last maxMessages', async () => {
        const small = { ttlSeconds: 600, maxMessages: 3 };
        await send(store, 'r', 7, small);
        const { latestSeq, messages } = await store.roomHistory!('r', 0, small);
        expect(latestSeq).toBe(7);
        expect(messages.map((message) => message.seq)).toEqual([5, 6, 7]);
      });

      it('forgets messages older than ttlSeconds; the counter goes on', async () => {
        const shortLived = { ttlSeconds: 300, maxMessages: 100 };
        await send(store, 'r', 2, shortLived);
        advance(200_000);
        await send(store, 'r', 1, shortLived);
        expect((await store.roomHistory!('r', 0, shortLived)).messages).toHaveLength(3);
        advance(100_000);
        const history = await store.roomHistory!('r', 0, shortLived);
        expect(history.latestSeq).toBe(3);
        expect(history.messages.map((message) => message.seq)).toEqual([3]);
        expect(await store.nextRoomSeq!('r')).toBe(4);
      });

      it('reads a long history across pages', async () => {
        const paged = await createStore({ pageSize: 4 });
        await send(paged, 'r', 30);
        const { messages } = await paged.roomHistory!('r', 3, retention);
        expect(messages.map((message) => message.seq)).toEqual(
          Array.from({ length: 27 }, (_, index) => index + 4),
        );
      });

      it('refuses a bad seq, afterSeq or room before writing anything', async () => {
        await expect(store.putRoomMessage!('r', { seq: 0, frame: 'x' }, retention)).rejects.toThrow(
          TypeError,
        );
        await expect(
          store.putRoomMessage!('r', { seq: 1.5, frame: 'x' }, retention),
        ).rejects.toThrow(TypeError);
        await expect(store.roomHistory!('r', -1, retention)).rejects.toThrow(TypeError);
        await expect(store.nextRoomSeq!('')).rejects.toMatchObject({ statusCode: 400 });
        expect(await store.roomHistory!('r', 0, retention)).toEqual({
          latestSeq: 0,
          messages: [],
        });
      });
    });

    describe('token buckets', () => {
      const spec = { capacity: 5, refillPerSecond: 1 };

      it('allows a burst up to the capacity, then refuses with retryAfterMs', async () => {
        const remaining: number[] = [];
        for (let take = 0; take < 5; take++) {
          const decision = await store.takeToken('k', spec);
          expect(decision.allowed).toBe(true);
          expect(decision.retryAfterMs).toBe(0);
          remaining.push(decision.remaining);
        }
        expect(remaining).toEqual([4, 3, 2, 1, 0]);
        expect(await store.takeToken('k', spec)).toEqual({
          allowed: false,
          remaining: 0,
          retryAfterMs: 1000,
        });
      });

      it('refills with the clock, never above the capacity', async () => {
        for (let take = 0; take < 5; take++) await store.takeToken('k', spec);
        advance(400);
        expect(await store.takeToken('k', spec)).toMatchObject({
          allowed: false,
          retryAfterMs: 600,
        });
        advance(600);
        expect(await store.takeToken('k', spec)).toEqual({
          allowed: true,
          remaining: 0,
          retryAfterMs: 0,
        });
        advance(2500);
        expect(await store.takeToken('k', spec)).toMatchObject({ allowed: true, remaining: 1 });
        advance(60_000);
        expect(await store.takeToken('k', spec)).toMatchObject({ allowed: true, remaining: 4 });
      });

      it('keeps one bucket per key', async () => {
        for (let take = 0; take < 5; take++) await store.takeToken('k1', spec);
        expect((await store.takeToken('k1', spec)).allowed).toBe(false);
        expect(await store.takeToken('k2', spec)).toMatchObject({ allowed: true, remaining: 4 });
      });

      it('takes several tokens at once', async () => {
        expect(await store.takeToken('k', spec, 3)).toMatchObject({ allowed: true, remaining: 2 });
        expect(await store.takeToken('k', spec, 3)).toEqual({
          allowed: false,
          remaining: 2,
          retryAfterMs: 1000,
        });
        expect(await store.takeToken('k', spec, 2)).toMatchObject({ allowed: true, remaining: 0 });
      });

      it('handles slow refill rates (100 per minute)', async () => {
        const perMinute = { capacity: 100, refillPerSecond: 100 / 60 };
        for (let take = 0; take < 100; take++) {
          expect((await store.takeToken('k', perMinute)).allowed).toBe(true);
        }
        expect(await store.takeToken('k', perMinute)).toMatchObject({
          allowed: false,
          retryAfterMs: 600,
        });
        advance(600);
        expect((await store.takeToken('k', perMinute)).allowed).toBe(true);
      });

      it('rejects impossible requests', async () => {
        await expect(store.takeToken('k', spec, 6)).rejects.toThrow(RangeError);
        await expect(store.takeToken('k', { capacity: 0, refillPerSecond: 1 })).rejects.toThrow(
          RangeError,
        );
        await expect(store.takeToken('k', { capacity: 1, refillPerSecond: 0 })).rejects.toThrow(
          RangeError,
        );
      });

      it('never allows more than the capacity to concurrent takes', async () => {
        const decisions = await Promise.all(
          Array.from({ length: 50 }, () =>
            store.takeToken('hot', { capacity: 10, refillPerSecond: 1 }),
          ),
        );
        const allowed = decisions.filter((decision) => decision.allowed);
        expect(allowed).toHaveLength(10);
        expect(allowed.map((decision) => decision.remaining).sort((x, y) => x - y)).toEqual([
          0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
        ]);
        for (const refused of decisions.filter((decision) => !decision.allowed)) {
          expect(refused).toEqual({ allowed: false, remaining: 0, retryAfterMs: 1000 });
        }
      });
    });
  });
}
