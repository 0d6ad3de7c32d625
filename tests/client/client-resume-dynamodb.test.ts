import { DynamoDBConnectionStore } from 'lift-ws';
import type { LiftWsClient } from 'lift-ws/client';
import { startDynalite, type DynaliteServer } from '../support/dynalite-server';
import { startServer, type Chat, type Server } from './client-kit';
import {
  expectEveryClientGotOneToN,
  GAP_SCENARIO_LOG,
  runGapScenario,
  runResumeScenario,
} from './resume-scenario';

let dynamo: DynaliteServer;
let server: Server | undefined;
const clients: Array<LiftWsClient<Chat>> = [];

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  // The gateway waits for running invocations: no store call reaches dynalite after it closes.
  await server?.close();
  server = undefined;
});
afterAll(async () => {
  await dynamo?.close();
});

async function dynamoStore(): Promise<DynamoDBConnectionStore> {
  return new DynamoDBConnectionStore({
    tableName: await dynamo.newTable(),
    client: dynamo.client,
    // dynalite is JavaScript in this process: with the whole suite running beside it, one of
    // its requests can take longer than the default 3 s without anything being wrong.
    requestTimeoutMs: 15_000,
  });
}

describe('no message lost across reconnects, on DynamoDBConnectionStore (dynalite)', () => {
  test(
    '10 clients, 10 msg/s for 5 s, sockets cut at random (some mid-replay, some rotating): ' +
      'each client gets seq 1..N once, in order',
    async () => {
      const store = await dynamoStore();
      server = await startServer({
        lift: { connections: store, rooms: { history: { maxMessages: 1000 } } },
      });
      const outcome = await runResumeScenario(
        server,
        store,
        {
          clients: 10,
          rate: 10,
          seconds: 5,
          dropsPerSecond: 4,
          rotating: 2,
          rotateAfterMs: 2000,
          seed: 1212,
          // A message is held until its history write is done; on a loaded machine a dynalite
          // write can take seconds, longer than the default window and two asks (3 s).
          reorderWindowMs: 3000,
        },
        clients,
      );
      expect(outcome.drops).toBeGreaterThan(10);
      expect(outcome.midReplayDrops).toBeGreaterThan(1);
      expectEveryClientGotOneToN(outcome);
    },
    40_000,
  );

  test('a client gone longer than the history keeps gets resume-gap with the missing range', async () => {
    server = await startServer({
      lift: { connections: await dynamoStore(), rooms: { history: { maxMessages: 5 } } },
    });
    const { gaps, log, resumes } = await runGapScenario(server, clients);
    expect(gaps).toEqual([{ room: 'news', from: 4, to: 10 }]);
    expect(log).toEqual(GAP_SCENARIO_LOG);
    expect(resumes).toEqual([undefined, { afterSeq: 3 }]);
  });
});
