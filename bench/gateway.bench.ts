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

/**
 * Local gateway throughput (issue 8, goal 5): clients in rooms of 10 through the local gateway,
 * the real handler, the real `@connections` client and the gateway's `@connections` API, all in
 * this process. Each message is broadcast to its room; at most IN_FLIGHT messages wait for their
 * sender's own copy at a time. Figures: frames delivered per second, the p99 round trip (send to
 * the sender's own copy), frames lost. The run is 1,000 clients x 50 messages (500,000
 * frames, minutes here); the default sends 5 messages each (LIFT_WS_BENCH_GATEWAY_MESSAGES).
 */
const CLIENTS = Number(process.env.LIFT_WS_BENCH_GATEWAY_CLIENTS ?? '1000');
const MESSAGES = Number(process.env.LIFT_WS_BENCH_GATEWAY_MESSAGES ?? '5');
const ROOM_SIZE = 10;
const IN_FLIGHT = 100;
const DRAIN_MS = 30_000;

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
  const handler = bootstrap([RoomsController], {
    connections: new MemoryConnectionStore(),
    logger: { level: 'warn' },
    broadcast: { concurrency: ROOM_SIZE },
  });
  const gateway = await startLocalGateway({ handler, port: 0 });
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
    for (let n = 0; n < MESSAGES; n++) for (let c = 0; c < CLIENTS; c++) jobs.push([c, n]);
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
    const expected = CLIENTS * MESSAGES * ROOM_SIZE;
    // The other members' copies of the last messages may still be on their way.
    const drainUntil = performance.now() + DRAIN_MS;
    while (received < expected && performance.now() < drainUntil) {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const seconds = (performance.now() - started) / 1000;
    const framesPerSecond = received / seconds;
    roundTrips.sort((a, b) => a - b);
    const p99 =
      roundTrips[Math.min(roundTrips.length - 1, Math.floor(roundTrips.length * 0.99))] ?? NaN;
    const lost = expected - received;
    console.log(
      `\nlocal gateway: ${CLIENTS} clients in rooms of ${ROOM_SIZE}, ${MESSAGES} messages each, ${IN_FLIGHT} in flight (goal: 5,000 frames/s, p99 < 50 ms)`,
    );
    console.log(row('figure', 'value', 'goal'));
    console.log(row('frames delivered per second', framesPerSecond.toFixed(0), '5000'));
    console.log(row('round trip p99 (ms)', p99.toFixed(1), '< 50'));
    console.log(row('round trip median (ms)', median(roundTrips).toFixed(1), ''));
    console.log(row('frames lost', String(lost), '0'));
    console.log(row('seconds', seconds.toFixed(1), ''));
    return {
      'gateway.frames_per_s_vs_goal': round2(framesPerSecond / 5000),
      'gateway.p99_ms_vs_goal': round2(p99 / 50),
      'gateway.frames_lost': lost,
    };
  } finally {
    for (const socket of sockets) socket.terminate();
    await gateway.close();
    destroyManagementClients();
  }
}
