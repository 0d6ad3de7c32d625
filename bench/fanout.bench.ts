import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import path from 'node:path';
import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/transport';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import { ManagementClient } from 'lift-ws';
import { childMessage } from './child-message';

/**
 * Fan-out of one message to 10,000 connections, 32 in flight, against a `@connections`
 * stand-in in a child process answering after 10 ms. Two figures per candidate, medians of
 * interleaved rounds: CPU time of this process per delivered post, and wall time of the
 * whole broadcast. Baselines in the same run: a raw keep-alive `http.request` pool signing each
 * POST with the SDK's own SigV4 signer (what any correct client must at least do), the same
 * unsigned (the floor of HTTP alone), and a plain 32-worker pool of SDK `send` calls.
 */
const N = Number(process.env.LIFT_WS_BENCH_FANOUT_IDS ?? '10000');
const IN_FLIGHT = 32;
const LATENCY_MS = 10;
const ROUNDS = Number(process.env.LIFT_WS_BENCH_FANOUT_ROUNDS ?? '3');
const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench', sessionToken: 'token' };

interface Figures {
  cpuUsPerPost: number;
  wallMs: number;
  sockets: number;
}

export async function runFanoutBench(): Promise<Record<string, number>> {
  const standIn = await startStandIn();
  const endpoint = `http://127.0.0.1:${standIn.port}/prod`;
  const ids = Array.from({ length: N }, (_, i) =>
    Buffer.from(`conn-${String(i).padStart(8, '0')}`).toString('base64'),
  );
  const payload = Buffer.from(
    JSON.stringify({ type: 'message', room: 'lobby', text: 'hello everyone' }),
  );
  const path = '/prod/@connections/';
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const signer = new SignatureV4({
    service: 'execute-api',
    region: 'us-east-1',
    credentials: CREDENTIALS,
    sha256: Sha256,
  });
  const host = `127.0.0.1:${standIn.port}`;
  const rawPost = async (id: string, signed: boolean): Promise<void> => {
    const url = path + encodeURIComponent(id);
    let headers: Record<string, string> = {
      host,
      'content-type': 'application/octet-stream',
      'content-length': String(payload.length),
    };
    if (signed) {
      const req = new HttpRequest({
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: standIn.port,
        path: url,
        headers,
        body: payload,
      });
      headers = (await signer.sign(req)).headers;
    }
    await new Promise<void>((resolve, reject) => {
      const req = request(
        { agent, method: 'POST', host: '127.0.0.1', port: standIn.port, path: url, headers },
        (res) => {
          res.resume();
          res.once('end', resolve);
        },
      );
      req.once('error', reject);
      req.end(payload);
    });
  };
  const sdk = new ApiGatewayManagementApiClient({
    endpoint,
    region: 'us-east-1',
    credentials: CREDENTIALS,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      httpAgent: { keepAlive: true, maxSockets: IN_FLIGHT },
    }),
  });
  const liftWs = new ManagementClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS });
  // The same client forced through the SDK for PostToConnection (as before the lean path).
  const sdkForLiftWs = new ApiGatewayManagementApiClient({
    endpoint,
    region: 'us-east-1',
    credentials: CREDENTIALS,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      httpAgent: { keepAlive: true, maxSockets: IN_FLIGHT },
    }),
  });
  const liftWsOverSdk = new ManagementClient({ endpoint, client: sdkForLiftWs });

  const pool = async (post: (id: string) => Promise<unknown>): Promise<number> => {
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < ids.length) await post(ids[next++]);
      }),
    );
    return ids.length;
  };
  const broadcast = async (client: ManagementClient): Promise<number> => {
    const result = await client.broadcast(ids, payload, { concurrency: IN_FLIGHT });
    if (result.sent !== ids.length) {
      throw new Error(`lift-ws broadcast: ${result.sent} sent, ${result.failed.length} failed`);
    }
    return result.sent;
  };

  const all: Array<{ name: string; run: () => Promise<number> }> = [
    { name: 'raw keep-alive POST, SigV4 (baseline)', run: () => pool((id) => rawPost(id, true)) },
    { name: 'raw keep-alive POST, unsigned', run: () => pool((id) => rawPost(id, false)) },
    {
      name: 'SDK send, 32-worker pool',
      run: () =>
        pool((id) => sdk.send(new PostToConnectionCommand({ ConnectionId: id, Data: payload }))),
    },
    { name: 'lift-ws broadcast over the SDK client', run: () => broadcast(liftWsOverSdk) },
    { name: 'lift-ws broadcast (lean signed path)', run: () => broadcast(liftWs) },
  ];
  // LIFT_WS_BENCH_FANOUT_ONLY=lean,unsigned keeps the baseline and the candidates it names.
  const only = process.env.LIFT_WS_BENCH_FANOUT_ONLY?.split(',').filter(Boolean);
  const candidates = only
    ? all.filter((c, i) => i === 0 || only.some((word) => c.name.includes(word)))
    : all;

  try {
    const samples = new Map<string, Figures[]>(candidates.map((c) => [c.name, []]));
    const measure = async (candidate: (typeof candidates)[number]): Promise<Figures> => {
      const cpu = process.cpuUsage();
      const started = process.hrtime.bigint();
      const delivered = await candidate.run();
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const used = process.cpuUsage(cpu);
      const counted = await standIn.count();
      if (counted.posts !== delivered) {
        throw new Error(
          `${candidate.name}: the stand-in counted ${counted.posts} posts, not ${delivered}`,
        );
      }
      return {
        cpuUsPerPost: (used.user + used.system) / delivered,
        wallMs,
        sockets: counted.connections,
      };
    };
    // One warm-up each (JIT, sockets, credential resolution), then interleaved rounds.
    for (const candidate of candidates) await measure(candidate);
    for (let round = 0; round < ROUNDS; round += 1) {
      for (let i = 0; i < candidates.length; i += 1) {
        const candidate = candidates[(i + round) % candidates.length];
        samples.get(candidate.name)!.push(await measure(candidate));
      }
    }

    const idealMs = Math.ceil(N / IN_FLIGHT) * LATENCY_MS;
    const medians = candidates.map((c) => {
      const figures = samples.get(c.name)!;
      return {
        name: c.name,
        cpu: median(figures.map((f) => f.cpuUsPerPost)),
        wall: median(figures.map((f) => f.wallMs)),
        sockets: median(figures.map((f) => f.sockets)),
      };
    });
    const baselineCpu = medians[0].cpu;
    console.log(
      `\nbroadcast to ${N} ids, ${IN_FLIGHT} in flight, @connections (child process) answering after ${LATENCY_MS} ms; ideal wall ceil(N/${IN_FLIGHT}) x ${LATENCY_MS} ms = ${idealMs} ms`,
    );
    console.log(
      `${'candidate'.padEnd(40)} ${'CPU µs/post'.padStart(12)} ${'vs signed'.padStart(10)} ${'wall ms'.padStart(9)} ${'vs ideal'.padStart(9)} ${'new sockets'.padStart(12)}`,
    );
    for (const m of medians) {
      console.log(
        `${m.name.padEnd(40)} ${m.cpu.toFixed(1).padStart(12)} ${(m.cpu / baselineCpu).toFixed(2).padStart(9)}x ${m.wall.toFixed(0).padStart(9)} ${(m.wall / idealMs).toFixed(2).padStart(8)}x ${String(m.sockets).padStart(12)}`,
      );
    }
    const summary: Record<string, number> = {};
    const lean = medians.find((m) => m.name.includes('lean'));
    const overSdk = medians.find((m) => m.name.includes('over the SDK'));
    if (lean) {
      summary['fanout.cpu_per_post_vs_signed_raw'] = round2(lean.cpu / baselineCpu);
      summary['fanout.wall_vs_ideal'] = round2(lean.wall / idealMs);
      // On a shared machine the baseline's own wall moves with the load; this ratio does less.
      summary['fanout.wall_vs_signed_raw'] = round2(lean.wall / medians[0].wall);
    }
    if (overSdk) {
      summary['fanout.sdk_path.cpu_per_post_vs_signed_raw'] = round2(overSdk.cpu / baselineCpu);
      summary['fanout.sdk_path.wall_vs_ideal'] = round2(overSdk.wall / idealMs);
    }
    return summary;
  } finally {
    sdk.destroy();
    sdkForLiftWs.destroy();
    liftWs.destroy();
    agent.destroy();
    await standIn.stop();
  }
}

export interface StandIn {
  port: number;
  /** Posts answered and TCP connections accepted since the last count. */
  count(): Promise<{ posts: number; connections: number }>;
  stop(): Promise<void>;
}

/** Forks bench/connections-stand-in.js (answering every POST after `latencyMs`) and waits for its port. */
export async function startStandIn(latencyMs = LATENCY_MS): Promise<StandIn> {
  // The bench runs bundled into .tmp/, one level below the project root.
  const script = path.resolve(__dirname, '..', 'bench', 'connections-stand-in.js');
  const child: ChildProcess = fork(script, [], {
    env: { ...process.env, LATENCY_MS: String(latencyMs) },
  });
  const next = <T>(key: string): Promise<T> =>
    childMessage<T>(child, key, 'the @connections stand-in');
  const port = await next<number>('port');
  return {
    port,
    count: () => {
      const answer = next<{ posts: number; connections: number }>('counts');
      child.send('count');
      return answer;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.send('stop');
      }),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
