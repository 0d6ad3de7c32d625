// The WebSocket clients of the gateway bench's demo scenario, run as a child process: a demo's
// browsers are not in the gateway's process either, and here they would compete with it for
// one event loop. Opens CLIENTS sockets in rooms of ROOM_SIZE, tells the parent it is ready,
// then on 'go' offers RATE messages per second for WARMUP_SECONDS and then SECONDS (open loop:
// the pace never waits for answers), each to its sender's room, and reports the round trips
// (send to the sender's own copy) of the messages after the warm-up, and the frames received.
// Without a warm-up the first thousands of messages meet code not yet optimised by the JIT and
// their queue takes seconds to drain. Plain CommonJS so it forks without a build step.
const { performance } = require('node:perf_hooks');
const { setInterval, clearInterval } = require('node:timers');
const WebSocket = require('ws');

const { url, clients, roomSize, rate, warmupSeconds, seconds, drainMs } = JSON.parse(
  process.env.GATEWAY_CLIENTS,
);
const CONNECTING_AT_ONCE = 50;
const cpuOf = (usage) => usage.user + usage.system;
const TICK_MS = 5;

const sockets = [];
const warmup = Math.round(rate * warmupSeconds);
const total = warmup + Math.round(rate * seconds);
const sentAt = new Float64Array(total);
const roundTrips = [];
let received = 0;

function open(index) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url}?room=r${Math.floor(index / roomSize)}`);
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
    socket.on('message', (data) => {
      received += 1;
      const { from, n } = JSON.parse(data.toString());
      if (from === index && n >= warmup) roundTrips.push(performance.now() - sentAt[n]);
    });
  });
}

async function connectAll() {
  for (let first = 0; first < clients; first += CONNECTING_AT_ONCE) {
    const batch = [];
    for (let i = first; i < Math.min(clients, first + CONNECTING_AT_ONCE); i++) batch.push(open(i));
    sockets.push(...(await Promise.all(batch)));
  }
}

let sent = 0;

/** Sends at `rate` from now on until `total` are sent; `onWarm` once the warm-up ones are. */
function offer(onWarm) {
  return new Promise((resolve) => {
    const started = performance.now();
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000));
      for (; sent < due; sent++) {
        if (sent === warmup) onWarm();
        // Senders spread over the rooms: message n from client (n * 7919) mod clients.
        const from = (sent * 7919) % clients;
        sentAt[sent] = performance.now();
        const room = `r${Math.floor(from / roomSize)}`;
        sockets[from].send(JSON.stringify({ action: 'say', room, from, n: sent }));
      }
      if (sent === total) {
        clearInterval(timer);
        resolve();
      }
    }, TICK_MS);
  });
}

async function drain(expected) {
  const until = performance.now() + drainMs;
  while (received < expected && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

process.on('message', async (message) => {
  if (message === 'go') {
    let started = 0;
    let cpu;
    let receivedBefore = 0;
    await offer(() => {
      started = performance.now();
      cpu = process.cpuUsage();
      receivedBefore = received;
      process.send({ measuring: true });
    });
    const offeredMs = performance.now() - started;
    const expected = total * roomSize;
    await drain(expected);
    process.send({
      result: {
        offered: total - warmup,
        offeredMs,
        elapsedMs: performance.now() - started,
        receivedWhileMeasured: received - receivedBefore,
        received,
        expected,
        cpuUs: cpuOf(process.cpuUsage(cpu)),
        roundTrips: roundTrips.sort((a, b) => a - b),
      },
    });
  } else if (message === 'stop') {
    for (const socket of sockets) socket.terminate();
    process.exit(0);
  }
});

connectAll().then(
  () => process.send({ ready: sockets.length }),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
