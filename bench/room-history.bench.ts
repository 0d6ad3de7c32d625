import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  bootstrap,
  DynamoDBConnectionStore,
  MemoryConnectionStore,
  OnMessage,
  WebSocketController,
  type ConnectionStore,
  type WebSocketContext,
} from 'lift-ws';
import { lambdaContext, messageEvent } from 'lift-ws/testing';
import { createConnectionsTable } from '../src/connections/create-connections-table';
import { inProcessEndpoints } from '../src/management/in-process-endpoints';
import { destroyManagementClients } from '../src/management/client-cache';
import { startDynaliteChild } from './dynalite-child';
import { startStandIn } from './fanout.bench';
import { compare, round2, row, type CandidateResult } from './measure';

/**
 * What `bootstrap({ rooms: { history: true } })` costs (issue 12), always beside the same work
 * without it in the same run:
 * 1. A `ctx.broadcastToRoom` to a room of ROOM_SIZE through the whole handler, on a
 *    MemoryConnectionStore with the posts handed to an in-process `@connections` stand-in:
 *    CPU time per message with and without history (what history's seq, frame and kept copy
 *    add to the handler itself).
 * 2. The same on a DynamoDBConnectionStore against dynalite in a child process, the posts to
 *    the `@connections` stand-in in another (answering at once, so the store's round trips are
 *    what the figure shows): wall time per message, and the DynamoDB requests and capacity
 *    units per message (ReturnConsumedCapacity on every request).
 * 3. A join that resumes with `resume.afterSeq` and replays N = 10 and 100 kept messages, beside
 *    a join without history and a fresh join with history (no resume: one `room-sync`), on both
 *    stores.
 */
const ROOM_SIZE = 10;
const RESUMES = [10, 100] as const;
const COUNTED_CALLS = 20;
const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const CONTEXT = lambdaContext({ timeoutMs: 15 * 60_000 });

@WebSocketController()
class RoomController {
  @OnMessage('say') async say(ctx: WebSocketContext): Promise<void> {
    const { room, text } = ctx.body<{ room: string; text: string }>();
    await ctx.broadcastToRoom(room, { type: 'message', text });
  }

  @OnMessage('join') async join(ctx: WebSocketContext): Promise<void> {
    await ctx.join(ctx.body<{ room: string }>().room);
  }
}

/** A room's members and the connection that joins and resumes, for both stores. */
interface Setup {
  store: ConnectionStore;
  endpoint: string;
  /** Posts the endpoint took since the last call, and the last one's data. */
  posts(): Promise<{ count: number; last?: string }>;
}

function handler(setup: Setup, history: boolean) {
  return bootstrap([RoomController], {
    connections: setup.store,
    managementEndpoint: setup.endpoint,
    logger: { level: 'warn' },
    broadcast: { concurrency: ROOM_SIZE },
    ...(history ? { rooms: { history: true } } : {}),
  });
}

const memberId = (room: string, i: number): string => `${room}-member-${i}=`;
const joinerId = (room: string): string => `${room}-joiner=`;

async function fillRoom(store: ConnectionStore, room: string): Promise<void> {
  for (let i = 0; i < ROOM_SIZE; i++) {
    await store.save({ connectionId: memberId(room, i), rooms: [room] });
  }
  await store.save({ connectionId: joinerId(room) });
}

const sayEvent = (room: string) =>
  messageEvent({
    connectionId: memberId(room, 0),
    body: { action: 'say', room, text: 'hello everyone in the room' },
  });

const joinEvent = (room: string, afterSeq?: number) =>
  messageEvent({
    connectionId: joinerId(room),
    body: { action: 'join', room, ...(afterSeq === undefined ? {} : { resume: { afterSeq } }) },
  });

type Handler = ReturnType<typeof handler>;

async function invoke(run: Handler, event: ReturnType<typeof messageEvent>): Promise<void> {
  const result = await run(event, CONTEXT);
  if (result.statusCode !== 200) {
    throw new Error(`the bench handler answered ${result.statusCode}: ${result.body ?? ''}`);
  }
}

/** Runs one of each candidate and checks what it posted, so no figure times a failing path. */
async function checkPosts(
  setup: Setup,
  what: string,
  run: () => Promise<void>,
  expected: number,
  frames?: number,
): Promise<void> {
  await setup.posts();
  await run();
  const { count, last } = await setup.posts();
  if (count !== expected) throw new Error(`${what}: ${count} posts, not ${expected}`);
  if (frames === undefined || last === undefined) return;
  const replay = JSON.parse(last) as { type?: string; frames?: unknown[] };
  // The kept messages and the room-sync, in one room-replay post.
  if (replay.frames?.length !== frames + 1) {
    throw new Error(`${what}: replayed ${replay.frames?.length ?? 0} frames, not ${frames + 1}`);
  }
}

interface Scenario {
  broadcast: CandidateResult[];
  resume: CandidateResult[];
  requests?: RequestFigures[];
}

const RETENTION = { ttlSeconds: 600, maxMessages: 100 };

/** The joins to measure, resuming from `latest - N` so each replays exactly N kept messages. */
async function joinsNow(setup: Setup): Promise<Record<string, ReturnType<typeof messageEvent>>> {
  const { latestSeq } = await setup.store.roomHistory!('kept', undefined, RETENTION);
  const joins: Record<string, ReturnType<typeof messageEvent>> = {
    plain: joinEvent('plain'),
    fresh: joinEvent('kept'),
  };
  for (const n of RESUMES) {
    const { messages } = await setup.store.roomHistory!('kept', latestSeq - n, RETENTION);
    if (messages.length !== n) throw new Error(`resume ${n}: ${messages.length} kept messages`);
    joins[n] = joinEvent('kept', latestSeq - n);
  }
  return joins;
}

/** The candidates of one store: broadcasts with and without history, then joins. */
async function measureStore(
  setup: Setup,
  label: string,
  options: { iterations: number; rounds: number; warmup: number },
  counter?: DynamoDBCounter,
): Promise<Scenario> {
  const plain = handler(setup, false);
  const kept = handler(setup, true);
  await fillRoom(setup.store, 'plain');
  await fillRoom(setup.store, 'kept');
  const sayPlain = sayEvent('plain');
  const sayKept = sayEvent('kept');
  // More than the largest resume, so every resume has N kept messages to replay.
  for (let i = 0; i < Math.max(...RESUMES); i++) await invoke(kept, sayKept);
  await checkPosts(setup, 'broadcast', () => invoke(plain, sayPlain), ROOM_SIZE);
  await checkPosts(setup, 'broadcast with history', () => invoke(kept, sayKept), ROOM_SIZE);

  const broadcast = await compare(
    `room history, ${label}: one broadcastToRoom to ${ROOM_SIZE} members through the handler`,
    [
      { name: 'broadcastToRoom, no history', run: () => invoke(plain, sayPlain) },
      { name: 'broadcastToRoom, rooms.history: true', run: () => invoke(kept, sayKept) },
    ],
    options,
  );
  const [without, withHistory] = broadcast;
  console.log(
    row(
      'history adds per message: wall, CPU (µs)',
      ((withHistory.nsPerOp - without.nsPerOp) / 1000).toFixed(1),
      ((withHistory.cpuNsPerOp - without.cpuNsPerOp) / 1000).toFixed(1),
    ),
  );
  const requests = counter && [
    await counter.per('broadcast, no history', () => invoke(plain, sayPlain)),
    await counter.per('broadcast, history', () => invoke(kept, sayKept)),
  ];
  // No broadcast from here on: the room's latest seq stays where the resumes count from.
  const joins = await joinsNow(setup);
  await checkPosts(setup, 'join', () => invoke(plain, joins.plain), 0);
  await checkPosts(setup, 'fresh join', () => invoke(kept, joins.fresh), 1);
  for (const n of RESUMES) {
    await checkPosts(setup, `resume ${n}`, () => invoke(kept, joins[n]), 1, n);
  }
  const resume = await compare(
    `room history, ${label}: one join (the joiner is already a member; its posts: the replay)`,
    [
      { name: 'join, no history', run: () => invoke(plain, joins.plain) },
      { name: 'fresh join, history (room-sync only)', run: () => invoke(kept, joins.fresh) },
      ...RESUMES.map((n) => ({
        name: `join resuming ${n} messages`,
        run: () => invoke(kept, joins[n]),
      })),
    ],
    options,
  );
  if (requests && counter) {
    requests.push(await counter.per('join, no history', () => invoke(plain, joins.plain)));
    requests.push(await counter.per('fresh join, history', () => invoke(kept, joins.fresh)));
    for (const n of RESUMES) {
      requests.push(await counter.per(`join resuming ${n}`, () => invoke(kept, joins[n])));
    }
  }
  return { broadcast, resume, requests };
}

export async function runRoomHistoryBench(): Promise<Record<string, number>> {
  const summary: Record<string, number> = {};
  Object.assign(summary, await inMemory());
  Object.assign(summary, await onDynamoDB());
  return summary;
}

const micros = (ns: number): number => round2(ns / 1000);

async function inMemory(): Promise<Record<string, number>> {
  const endpoint = 'http://127.0.0.1:9/bench-history';
  let count = 0;
  let last: Uint8Array | undefined;
  const stop = inProcessEndpoints.serve(endpoint, {
    post: (_connectionId, data) => {
      count += 1;
      last = data;
      return { status: 200 };
    },
  });
  const setup: Setup = {
    store: new MemoryConnectionStore(),
    endpoint,
    posts: () => {
      const answer = { count, last: last && Buffer.from(last).toString('utf8') };
      count = 0;
      last = undefined;
      return Promise.resolve(answer);
    },
  };
  try {
    const { broadcast, resume } = await measureStore(
      setup,
      'MemoryConnectionStore, in-process posts',
      { iterations: 2000, rounds: 7, warmup: 2000 },
    );
    const [without, withHistory] = broadcast;
    return {
      'history.memory.broadcast_cpu_ratio': round2(withHistory.cpuRatio),
      'history.memory.broadcast_extra_cpu_us': round2(
        micros(withHistory.cpuNsPerOp) - micros(without.cpuNsPerOp),
      ),
      ...Object.fromEntries(
        RESUMES.map((n, i) => [
          `history.memory.resume${n}_cpu_us`,
          micros(resume[i + 2].cpuNsPerOp),
        ]),
      ),
      'history.memory.join_cpu_us': micros(resume[0].cpuNsPerOp),
    };
  } finally {
    stop();
    destroyManagementClients();
  }
}

interface RequestFigures {
  name: string;
  requests: number;
  rcu: number;
  wcu: number;
}

/** Counts DynamoDB requests and their consumed capacity, per command kind. */
class DynamoDBCounter {
  #requests = 0;
  #rcu = 0;
  #wcu = 0;
  static readonly #writes = new Set([
    'PutItemCommand',
    'UpdateItemCommand',
    'DeleteItemCommand',
    'BatchWriteItemCommand',
    'TransactWriteItemsCommand',
  ]);

  constructor(client: DynamoDBClient) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { ReturnConsumedCapacity?: string };
        input.ReturnConsumedCapacity = 'TOTAL';
        const result = await next(args);
        const consumed = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
        const units = (Array.isArray(consumed) ? consumed : [consumed]).reduce(
          (sum: number, entry) => sum + ((entry as { CapacityUnits?: number })?.CapacityUnits ?? 0),
          0,
        );
        this.#requests += 1;
        if (DynamoDBCounter.#writes.has(context.commandName ?? '')) this.#wcu += units;
        else this.#rcu += units;
        return result;
      },
      { step: 'initialize', name: 'countRequests' },
    );
  }

  /** Requests and capacity units per call of `run`, the mean of COUNTED_CALLS calls. */
  async per(name: string, run: () => Promise<void>): Promise<RequestFigures> {
    const calls = COUNTED_CALLS;
    this.#requests = 0;
    this.#rcu = 0;
    this.#wcu = 0;
    for (let i = 0; i < calls; i++) await run();
    return {
      name,
      requests: this.#requests / calls,
      rcu: this.#rcu / calls,
      wcu: this.#wcu / calls,
    };
  }
}

async function onDynamoDB(): Promise<Record<string, number>> {
  const dynalite = await startDynaliteChild();
  const standIn = await startStandIn(0);
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${dynalite.port}`,
    region: 'us-east-1',
    credentials: CREDENTIALS,
  });
  const counter = new DynamoDBCounter(client);
  try {
    const tableName = 'bench-history';
    await createConnectionsTable(client, tableName, { pollIntervalMs: 10 });
    // The stand-in counts posts but keeps no data: the replay's frames are checked in memory.
    const setup: Setup = {
      store: new DynamoDBConnectionStore({ tableName, client, requestTimeoutMs: 30_000 }),
      endpoint: `http://127.0.0.1:${standIn.port}/prod`,
      posts: async () => ({ count: (await standIn.count()).posts }),
    };
    const { broadcast, resume, requests } = await measureStore(
      setup,
      'DynamoDBConnectionStore on dynalite (child process), posts to a stand-in answering at once',
      { iterations: 20, rounds: 5, warmup: 20 },
      counter,
    );
    const figures = requests ?? [];
    console.log(`\nDynamoDB requests per call (ReturnConsumedCapacity: TOTAL, dynalite)`);
    console.log(row('call', 'requests', 'RCU', 'WCU'));
    for (const entry of figures) {
      console.log(
        row(entry.name, entry.requests.toFixed(1), entry.rcu.toFixed(1), entry.wcu.toFixed(1)),
      );
    }
    const [without, withHistory] = broadcast;
    const extraMs = (withHistory.nsPerOp - without.nsPerOp) / 1e6;
    const [plainRequests, keptRequests] = figures;
    return {
      'history.dynamodb.broadcast_wall_ratio': round2(withHistory.ratio),
      'history.dynamodb.broadcast_extra_ms': round2(extraMs),
      'history.dynamodb.broadcast_extra_requests': round2(
        keptRequests.requests - plainRequests.requests,
      ),
      'history.dynamodb.broadcast_extra_wcu': round2(keptRequests.wcu - plainRequests.wcu),
      ...Object.fromEntries(
        RESUMES.map((n, i) => [
          `history.dynamodb.resume${n}_ms`,
          round2(resume[i + 2].nsPerOp / 1e6),
        ]),
      ),
      'history.dynamodb.join_ms': round2(resume[0].nsPerOp / 1e6),
    };
  } finally {
    client.destroy();
    destroyManagementClients();
    await standIn.stop();
    await dynalite.stop();
  }
}
