import { MemoryConnectionStore } from 'lift-ws';
import type { LiftWsClient } from 'lift-ws/client';
import { startServer, type Chat, type Server } from './client-kit';
import {
  expectEveryClientGotOneToN,
  GAP_SCENARIO_LOG,
  runGapScenario,
  runResumeScenario,
} from './resume-scenario';

let server: Server | undefined;
const clients: Array<LiftWsClient<Chat>> = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server?.close();
  server = undefined;
});

describe('no message lost across reconnects (room history and resume)', () => {
  test(
    '50 clients, 50 msg/s for 20 s, sockets cut at random (some mid-replay, some rotating): ' +
      'each client gets seq 1..N once, in order',
    async () => {
      const store = new MemoryConnectionStore();
      server = await startServer({
        lift: { connections: store, rooms: { history: { maxMessages: 1000 } } },
        // 2,500 posts/s, each signed and sent over HTTP to the same event loop, is more than
        // this 2-core machine gives beside the rest of the suite; this test is about order
        // across reconnects, so it opts in to handing the posts over in-process (the HTTP
        // path runs in the DynamoDB variant and the rest of the suite).
        connectionsTransport: 'in-process',
      });
      const outcome = await runResumeScenario(
        server,
        store,
        // The figures: 1,000 room messages, 50,000 live deliveries, ~160 cut sockets.
        {
          clients: 50,
          rate: 50,
          seconds: 20,
          dropsPerSecond: 8,
          rotating: 5,
          rotateAfterMs: 2500,
          seed: 12,
        },
        clients,
      );
      expect(outcome.drops).toBeGreaterThan(40);
      expect(outcome.midReplayDrops).toBeGreaterThan(5);
      // Rotations happened: more connects than clients plus drops.
      expect(server.log.connects().length).toBeGreaterThan(50 + outcome.drops);
      expectEveryClientGotOneToN(outcome);
    },
    60_000,
  );

  test('a client gone longer than the history keeps gets resume-gap with the missing range', async () => {
    server = await startServer({
      lift: {
        connections: new MemoryConnectionStore(),
        rooms: { history: { maxMessages: 5 } },
      },
    });
    const { gaps, log, resumes } = await runGapScenario(server, clients);
    expect(gaps).toEqual([{ room: 'news', from: 4, to: 10 }]);
    // In room order: what came before, the gap where it is, then the replay.
    expect(log).toEqual(GAP_SCENARIO_LOG);
    // The resume went out with the join: the server saw afterSeq 3.
    expect(resumes).toEqual([undefined, { afterSeq: 3 }]);
  });
});
