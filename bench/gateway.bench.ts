import { fork } from 'node:child_process';
import path from 'node:path';
import WebSocket from 'ws';
import {
  bootstrap,
  MemoryConnectionStore,
  OnConnect,
  OnMessage,
  WebSocketController,
  type WebSocketContext,
} from 'lift-ws';
import { startLocalGateway } from 'lift-ws/local';
import { destroyManagementClients } from 'lift-ws/testing';
import { median, round2, row } from './measure';
import { childMessage } from './child-message';

/**
 * Local gateway throughput (issue 8, goal 5): clients in rooms of 10 through the local gateway,
 * the real handler, the real `@connections` client (a handler in the gateway's process posts
 * in-process) and the gateway's `@connections` API. Each message is broadcast to its room.
 *
 * Two scenarios. The issue's, all in this process: 1,000 clients x 50 messages, at most
 * IN_FLIGHT messages waiting for their sender's own copy at a time (closed loop, so the round
 * trip is what the queue makes it); figures: frames delivered per second, p99 round trip, frames
 * lost. The demo goal: 5,000 sockets offered 1,000 messages/s (10,000 frames/s) for a while,
 * open loop, the clients in a child process as a demo's browsers would be; p99 < 50 ms, nothing
 * lost.
 */
const CLIENTS = Number(process.env.LIFT_WS_BENCH_GATEWAY_CLIENTS ?? '1000');
const MESSAGES = Number(process.env.LIFT_WS_BENCH_GATEWAY_MESSAGES ?? '50');
// Over HTTP the full run takes minutes (about 1,900 frames/s here): 10 messages per client.
const HTTP_MESSAGES = Math.min(MESSAGES, 10);
const ROOM_SIZE = 10;
const IN_FLIGHT = 100;
const DRAIN_MS = 30_000;
const DEMO_SOCKETS = Number(process.env.LIFT_WS_BENCH_GATEWAY_DEMO_SOCKETS ?? '5000');
const DEMO_RATE = Number(process.env.LIFT_WS_BENCH_GATEWAY_DEMO_RATE ?? '1000');
const DEMO_SECONDS = Number(process.env.LIFT_WS_BENCH_GATEWAY_DEMO_SECONDS ?? '10');
const DEMO_WARMUP_SECONDS = 3;
const DEMO_P99_GOAL_MS = 50;

@WebSocketController()
class RoomsController {
  @OnConnect() async connect(ctx: WebSocketContext) {
    await ctx.join(ctx.query('room') ?? 'none');
  }

  @OnMessage('say') async say(ctx: WebSocketContext) {
    const { room, from, n } = ctx.body<{ room: string; from: number; n: number }>();
    await ctx.broadcastToRoom(room, { from, n });
  }
}

export async function runGatewayBench(): Promise<Record<string, number>> {
  // The issue's run with the default transport (every post signed and sent over HTTP, as in
  // AWS) and with posts handed over in-process; the demo in-process.
  return {
    ...(await runIssueScenario('http')),
    ...(await runIssueScenario('in-process')),
    ...(await runDemoScenario()),
  };
}

function roomsHandler() {
  return bootstrap([RoomsController], {
    connections: new MemoryConnectionStore(),
    logger: { level: 'warn' },
    broadcast: { concurrency: ROOM_SIZE },
  });
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? NaN;
}

async function runIssueScenario(
  connectionsTransport: 'http' | 'in-process',
): Promise<Record<string, number>> {
  const messages = connectionsTransport === 'http' ? HTTP_MESSAGES : MESSAGES;
  const gateway = await startLocalGateway({
    handler: roomsHandler(),
    port: 0,
    connectionsTransport,
  });
  const sockets: WebSocket[] = [];
  let received = 0;
  const waiting = new Map<string, () => void>();
  try {
    for (let i = 0; i < CLIENTS; i++) {
      const socket = new WebSocket(`${gateway.wsUrl}?room=r${Math.floor(i / ROOM_SIZE)}`);
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
      socket.on('message', (data: Buffer) => {
        received += 1;
        const { from, n } = JSON.parse(data.toString()) as { from: number; n: number };
        if (from === i) waiting.get(`${i}:${n}`)?.();
      });
      sockets.push(socket);
    }

    const roundTrips: number[] = [];
    const jobs: Array<[number, number]> = [];
    for (let n = 0; n < messages; n++) for (let c = 0; c < CLIENTS; c++) jobs.push([c, n]);
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < jobs.length) {
          const [client, n] = jobs[next++];
          const sent = performance.now();
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, DRAIN_MS);
            waiting.set(`${client}:${n}`, () => {
              clearTimeout(timer);
              roundTrips.push(performance.now() - sent);
              resolve();
            });
            const room = `r${Math.floor(client / ROOM_SIZE)}`;
            sockets[client].send(JSON.stringify({ action: 'say', room, from: client, n }));
          });
          waiting.delete(`${client}:${n}`);
        }
      }),
    );
    const expected = CLIENTS * messages * ROOM_SIZE;
    // The other members' copies of the last messages may still be on their way.
    const drainUntil = performance.now() + DRAIN_MS;
    while (received < expected && performance.now() < drainUntil) {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const seconds = (performance.now() - started) / 1000;
    const framesPerSecond = received / seconds;
    roundTrips.sort((a, b) => a - b);
    const p99 = percentile(roundTrips, 0.99);
    const lost = expected - received;
    console.log(
      `\nlocal gateway, the issue's run, posts ${connectionsTransport === 'http' ? 'over HTTP (default)' : 'in-process'}: ${CLIENTS} clients in rooms of ${ROOM_SIZE}, ${messages} messages each, ${IN_FLIGHT} in flight, clients in this process (before: 1,763 frames/s, p99 846 ms)`,
    );
    console.log(row('figure', 'value'));
    console.log(row('frames delivered per second', framesPerSecond.toFixed(0)));
    console.log(row('round trip p99 (ms)', p99.toFixed(1)));
    console.log(row('round trip median (ms)', median(roundTrips).toFixed(1)));
    console.log(row('frames lost', String(lost)));
    console.log(row('seconds', seconds.toFixed(1)));
    const key =
      connectionsTransport === 'http' ? 'gateway.issue_run' : 'gateway.issue_run_in_process';
    return {
      [`${key}.frames_per_s`]: Math.round(framesPerSecond),
      [`${key}.p99_ms`]: round2(p99),
      [`${key}.frames_lost`]: lost,
    };
  } finally {
    for (const socket of sockets) socket.terminate();
    await gateway.close();
    destroyManagementClients();
  }
}

interface DemoResult {
  offered: number;
  offeredMs: number;
  elapsedMs: number;
  /** Frames received after the warm-up. */
  receivedWhileMeasured: number;
  received: number;
  expected: number;
  /** The clients' own CPU (user + system, µs) while offering and draining. */
  cpuUs: number;
  roundTrips: number[];
}

/** The demo goal: DEMO_SOCKETS clients (a child process) offered DEMO_RATE messages/s. */
async function runDemoScenario(): Promise<Record<string, number>> {
  const gateway = await startLocalGateway({
    handler: roomsHandler(),
    port: 0,
    connectionsTransport: 'in-process',
  });
  // The bench runs bundled into .tmp/, one level below the project root.
  const script = path.resolve(__dirname, '..', 'bench', 'gateway-clients.js');
  const child = fork(script, [], {
    env: {
      ...process.env,
      GATEWAY_CLIENTS: JSON.stringify({
        url: gateway.wsUrl,
        clients: DEMO_SOCKETS,
        roomSize: ROOM_SIZE,
        rate: DEMO_RATE,
        warmupSeconds: DEMO_WARMUP_SECONDS,
        seconds: DEMO_SECONDS,
        drainMs: DRAIN_MS,
      }),
    },
  });
  const next = <T>(key: string): Promise<T> =>
    childMessage<T>(child, key, 'the gateway bench clients');
  try {
    await next<number>('ready');
    const measuring = next<boolean>('measuring');
    child.send('go');
    await measuring;
    const answer = next<DemoResult>('result');
    // The gateway's own CPU (gateway, handler, in-process @connections), which unlike the round
    // trips does not depend on what else the machine runs.
    const cpu = process.cpuUsage();
    const result = await answer;
    const used = process.cpuUsage(cpu);
    const cpuUsPerMessage = (used.user + used.system) / result.offered;
    const coreShare = (cpuUs: number): string =>
      `${((100 * cpuUs) / 1000 / result.elapsedMs).toFixed(0)}%`;
    const p99 = percentile(result.roundTrips, 0.99);
    const lost = result.expected - result.received;
    const framesPerSecond = result.receivedWhileMeasured / (result.elapsedMs / 1000);
    console.log(
      `\nlocal gateway, demo goal: ${DEMO_SOCKETS} sockets in rooms of ${ROOM_SIZE}, ${DEMO_RATE} messages/s offered for ${DEMO_SECONDS} s after ${DEMO_WARMUP_SECONDS} s of warm-up (open loop), clients in a child process`,
    );
    console.log(row('figure', 'value', 'goal'));
    console.log(
      row('messages/s offered', (result.offered / (result.offeredMs / 1000)).toFixed(0), ''),
    );
    console.log(row('frames delivered per second', framesPerSecond.toFixed(0), ''));
    console.log(row('round trip p99 (ms)', p99.toFixed(1), `< ${DEMO_P99_GOAL_MS}`));
    console.log(row('round trip median (ms)', median(result.roundTrips).toFixed(1), ''));
    console.log(row('frames lost', String(lost), '0'));
    console.log(row('gateway CPU per message (µs)', cpuUsPerMessage.toFixed(0), ''));
    console.log(row('gateway CPU, share of one core', coreShare(used.user + used.system), ''));
    console.log(row('clients CPU, share of one core', coreShare(result.cpuUs), ''));
    return {
      'gateway.demo.p99_ms_vs_goal': round2(p99 / DEMO_P99_GOAL_MS),
      'gateway.demo.cpu_us_per_message': Math.round(cpuUsPerMessage),
      'gateway.demo.frames_lost': lost,
    };
  } finally {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.send('stop');
    await exited;
    await gateway.close();
    destroyManagementClients();
  }
}
