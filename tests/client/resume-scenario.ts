/**
 * The resume scenario of issue 12, shared by the memory-store and DynamoDB-store runs: clients
 * of lift-ws/client in one room, a sender at a steady rate, sockets killed at random (some
 * in the middle of their replay), some clients rotating early, all against the local gateway.
 * Every client must end with exactly seq 1..N, in order, each once.
 */
import type { ConnectionStore } from 'lift-ws';
import type { ClientOptions, LiftWsClient, ResumeGap } from 'lift-ws/client';
import WebSocket from 'ws';
import { seededRandom } from '../support/seeded-random';
import { clientFor, eventually, hsToken, stateReached, type Chat, type Server } from './client-kit';

export interface ResumeScenario {
  clients: number;
  /** Messages per second from the sender. */
  rate: number;
  seconds: number;
  /** Sockets killed per second, across all clients. */
  dropsPerSecond: number;
  /** Clients that rotate every `rotateAfterMs`. */
  rotating: number;
  rotateAfterMs: number;
  seed: number;
  /** The clients' reorder window, when not the default. */
  reorderWindowMs?: number;
}

export interface ResumeOutcome {
  /** The room's last seq, from the store. */
  latestSeq: number;
  /** Seqs each client's handler got, in the order it got them. */
  received: number[][];
  gaps: ResumeGap[][];
  drops: number;
  midReplayDrops: number;
  says: number;
}

const ROOM = 'stream';

/** A `ws` WebSocket that reports every socket it opens, so the test can cut one. */
function trackedWebSocket(track: (socket: WebSocket) => void): ClientOptions['WebSocket'] {
  class Tracked extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      track(this);
    }
  }
  return Tracked as unknown as ClientOptions['WebSocket'];
}

export async function runResumeScenario(
  server: Server,
  store: ConnectionStore,
  scenario: ResumeScenario,
  opened: Array<LiftWsClient<Chat>>,
): Promise<ResumeOutcome> {
  const random = seededRandom(scenario.seed);
  const sockets: Array<WebSocket | undefined> = [];
  const received: number[][] = [];
  const gaps: ResumeGap[][] = [];
  const clients: Array<LiftWsClient<Chat>> = [];
  /** Clients cut again on their second message after a reconnect: inside the replay. */
  const cutMidReplay = new Set<number>();
  let drops = 0;
  let midReplayDrops = 0;
  for (let index = 0; index < scenario.clients; index++) {
    received.push([]);
    gaps.push([]);
    let sinceOpen = -1;
    const client = clientFor(
      server.gateway.wsUrl,
      {
        token: () => hsToken({ sub: `member-${index}` }),
        WebSocket: trackedWebSocket((socket) => {
          sockets[index] = socket;
        }),
        reconnect: { baseDelayMs: 20, maxDelayMs: 200 },
        ...(scenario.reorderWindowMs === undefined
          ? {}
          : { reorderWindowMs: scenario.reorderWindowMs }),
        ...(index < scenario.rotating
          ? { rotateAfterMs: scenario.rotateAfterMs, rotationDrainMs: 150 }
          : {}),
      },
      opened,
    );
    client.on('said', (event) => {
      received[index].push(event.seq ?? -1);
      sinceOpen += 1;
      if (sinceOpen === 1 && cutMidReplay.delete(index)) {
        midReplayDrops += 1;
        sockets[index]?.terminate();
      }
    });
    client.onResumeGap((gap) => gaps[index].push(gap));
    client.onState((state) => {
      if (state === 'open') sinceOpen = -1;
    });
    client.join(ROOM);
    clients.push(client);
  }
  // Everyone is in: each client had its room-sync (a baseline seq of 0, before any message).
  await eventually(
    () => clients.every((client) => client.state === 'open' && client.lastSeq(ROOM) === 0),
    10_000,
  );

  const sender = clientFor(
    server.gateway.wsUrl,
    { token: () => hsToken({ sub: 'sender' }) },
    opened,
  );
  const total = scenario.rate * scenario.seconds;
  let says = 0;
  const failures: unknown[] = [];
  const requests: Array<Promise<unknown>> = [];
  const start = Date.now();
  // Paced by the wall clock: a tick the busy event loop runs late sends what is due by then.
  const sending = setInterval(() => {
    const due = Math.min(total, Math.floor(((Date.now() - start) * scenario.rate) / 1000));
    while (says < due) {
      says += 1;
      requests.push(
        sender
          .request('say', { room: ROOM, n: says })
          .catch((error: unknown) => failures.push(error)),
      );
    }
  }, 1000 / scenario.rate);
  const dropping = setInterval(() => {
    const index = Math.floor(random() * scenario.clients);
    const socket = sockets[index];
    if (socket?.readyState !== WebSocket.OPEN) return;
    drops += 1;
    // Every third cut client is cut again inside the replay that follows.
    if (drops % 3 === 0) cutMidReplay.add(index);
    socket.terminate();
  }, 1000 / scenario.dropsPerSecond);
  try {
    await eventually(() => says >= total, (scenario.seconds + 10) * 1000);
  } finally {
    clearInterval(sending);
    clearInterval(dropping);
  }
  // Every say was answered: the room's seqs are final.
  await Promise.all(requests);
  expect(failures).toEqual([]);
  const latestSeq = (await store.roomHistory!(ROOM, undefined, { ttlSeconds: 600, maxMessages: 1 }))
    .latestSeq;
  // On a timeout the caller's assertions show which client is short, and of what.
  await eventually(
    () => received.every((seqs) => seqs.length >= latestSeq && seqs.at(-1) === latestSeq),
    20_000,
  ).catch(() => undefined);
  return { latestSeq, received, gaps, drops, midReplayDrops, says };
}

/** Each client saw seq 1..N (N: every say the sender made), each once, in order, and no gap. */
export function expectEveryClientGotOneToN(outcome: ResumeOutcome): void {
  expect(outcome.latestSeq).toBe(outcome.says);
  const expected = Array.from({ length: outcome.latestSeq }, (_, index) => index + 1);
  for (const seqs of outcome.received) expect(seqs).toEqual(expected);
  for (const gaps of outcome.gaps) expect(gaps).toEqual([]);
}

/** What the away client of `runGapScenario` sees, in order (history of 5, gone for seqs 4..15). */
export const GAP_SCENARIO_LOG = [
  'seq 1',
  'seq 2',
  'seq 3',
  'gap 4-10',
  ...[11, 12, 13, 14, 15].map((seq) => `seq ${seq}`),
];

/**
 * One client in room "news" gets seqs 1..3, loses its socket and cannot reconnect (its token
 * waits) while 12 more messages are sent, then comes back. The server must keep the last 5.
 */
export async function runGapScenario(
  server: Server,
  opened: Array<LiftWsClient<Chat>>,
): Promise<{ gaps: ResumeGap[]; log: string[]; resumes: unknown[] }> {
  const sockets: WebSocket[] = [];
  let tokenGate: Promise<void> = Promise.resolve();
  class Tracked extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      sockets.push(this);
    }
  }
  const log: string[] = [];
  const away = clientFor(
    server.gateway.wsUrl,
    {
      WebSocket: Tracked as never,
      // The reconnect waits for this token: the client stays away while the room moves on.
      token: async () => {
        await tokenGate;
        return hsToken({ sub: 'away' });
      },
      reconnect: { baseDelayMs: 10, maxDelayMs: 50 },
    },
    opened,
  );
  away.on('said', (event) => log.push(`seq ${event.seq}`));
  const gaps: ResumeGap[] = [];
  away.onResumeGap((gap) => {
    gaps.push(gap);
    log.push(`gap ${gap.from}-${gap.to}`);
  });
  away.join('news');
  await eventually(() => away.lastSeq('news') === 0);
  const sender = clientFor(server.gateway.wsUrl, { token: () => hsToken() }, opened);
  const say = async (count: number): Promise<void> => {
    for (let sent = 0; sent < count; sent++) await sender.request('say', { room: 'news', n: 0 });
  };
  await say(3);
  await eventually(() => away.lastSeq('news') === 3);

  let release!: () => void;
  tokenGate = new Promise((resolve) => (release = resolve));
  sockets.at(-1)?.terminate();
  await stateReached(away, 'reconnecting');
  await say(12); // seqs 4..15; the history keeps 11..15
  release();
  await eventually(() => away.lastSeq('news') === 15);

  return {
    gaps,
    log,
    resumes: server.log.bodies('join').map((body) => body.resume),
  };
}
