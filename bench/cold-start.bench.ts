import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import jwt from 'jsonwebtoken';
import { connectEvent } from 'lift-ws/testing';
import { median, round2, row } from './measure';

/**
 * Cold start (issue 8, goal 3): the chat sample's handler and a hand-written handler with the
 * same dependencies, each bundled with esbuild `--bundle --minify --platform=node`; every run is
 * a fresh `node` process that requires the bundle and answers one `$connect` with a valid
 * token. Also prints what the chat bundle pulls in (esbuild's metafile), by package.
 *
 * The chat sample's contract is written with zod (445 KB bundled, ~40 ms to load), so the
 * baseline with the same dependencies includes zod and builds the same contract (bodies,
 * reply and events, as the shared contract file does at import); the hand-written handler
 * building the bodies only and the one without zod (the baseline issue 8 first measured
 * against) are printed too.
 *
 * The machine is shared: a process started while others compete for the two cores takes up to
 * 1.5x as long, in CPU time as well (shared caches, SMT siblings). Each round runs every
 * candidate back to back (rotating which goes first), so the figure is the median over the
 * rounds of each round's difference to the baseline: the candidates of one round see the same
 * load. The medians of the absolute times and the load average are printed beside it.
 */
const RUNS = Number(process.env.LIFT_WS_BENCH_COLD_RUNS ?? '20');
// The bench runs bundled into .tmp/, one level below the project root.
const root = path.resolve(__dirname, '..');
const outDir = path.join(root, '.tmp', 'cold-start');

interface Bundles {
  chat: string;
  hand: string;
  handBodiesOnly: string;
  handWithoutZod: string;
  packages: Array<[string, number]>;
}

function buildBundles(): Bundles {
  mkdirSync(outDir, { recursive: true });
  const build = (entry: string, outfile: string) =>
    buildSync({
      entryPoints: [path.join(root, entry)],
      bundle: true,
      minify: true,
      platform: 'node',
      outfile,
      metafile: true,
      alias: {
        'lift-ws/client': path.join(root, 'src/client/index.ts'),
        'lift-ws': path.join(root, 'src/index.ts'),
      },
      logLevel: 'error',
    }).metafile;
  const chat = path.join(outDir, 'chat.js');
  const hand = path.join(outDir, 'hand-written-contract.js');
  const handBodiesOnly = path.join(outDir, 'hand-written-zod.js');
  const handWithoutZod = path.join(outDir, 'hand-written.js');
  const meta = build('samples/chat/src/handler.ts', chat);
  build('bench/cold-start/hand-written-contract-handler.ts', hand);
  build('bench/cold-start/hand-written-zod-handler.ts', handBodiesOnly);
  build('bench/cold-start/hand-written-handler.ts', handWithoutZod);
  writeFileSync(path.join(outDir, 'chat.meta.json'), JSON.stringify(meta));
  const byPackage = new Map<string, number>();
  for (const output of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const name = match ? match[1] : 'lift-ws (src, samples)';
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
  }
  return {
    chat,
    hand,
    handBodiesOnly,
    handWithoutZod,
    packages: [...byPackage].sort((a, b) => b[1] - a[1]),
  };
}

interface ColdStart {
  wallMs: number;
  cpuMs: number;
}

function coldStart(bundle: string, env: NodeJS.ProcessEnv): ColdStart {
  const child = spawnSync(
    process.execPath,
    [path.join(root, 'bench/cold-start/run-once.js'), bundle],
    {
      env,
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  const line = child.stdout.split('\n').find((l) => l.startsWith('{"coldStartMs"'));
  if (!line) throw new Error(`cold start of ${bundle} failed: ${child.stderr.slice(-2000)}`);
  const figure = JSON.parse(line) as { coldStartMs: number; cpuMs: number; statusCode: number };
  if (figure.statusCode !== 200) throw new Error(`${bundle} answered ${figure.statusCode}`);
  return { wallMs: figure.coldStartMs, cpuMs: figure.cpuMs };
}

export function runColdStartBench(): Record<string, number> {
  const { chat, hand, handBodiesOnly, handWithoutZod, packages } = buildBundles();
  const secret = 'cold-start-bench-secret-of-at-least-32-bytes';
  const token = jwt.sign({ sub: 'user-1' }, secret, {
    algorithm: 'HS256',
    issuer: 'bench',
    audience: 'chat',
    expiresIn: '1h',
  });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    AWS_LAMBDA_FUNCTION_NAME: 'cold-start-bench',
    JWT_SECRET: secret,
    JWT_ISSUER: 'bench',
    JWT_AUDIENCE: 'chat',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    LIFT_WS_BENCH_EVENT: JSON.stringify(connectEvent({ query: { Authorization: token } })),
  };
  // Lambda's runtime sets no NODE_ENV, nor does template.yaml: winston's createLogger then loads
  // the development build of @dabh/diagnostics (its ANSI colour modifier), which the row with
  // NODE_ENV=production shows the price of.
  const production: NodeJS.ProcessEnv = { ...env, NODE_ENV: 'production' };
  const candidates = [
    { name: 'hand-written, same deps and contract (baseline)', bundle: hand, env },
    { name: 'chat sample handler', bundle: chat, env },
    { name: 'chat sample handler, NODE_ENV=production', bundle: chat, env: production },
    { name: 'hand-written, zod for the bodies only', bundle: handBodiesOnly, env },
    { name: 'hand-written, without zod', bundle: handWithoutZod, env },
  ];
  const samples = candidates.map(() => [] as ColdStart[]);
  for (const candidate of candidates) coldStart(candidate.bundle, candidate.env);
  const loadBefore = loadavg()[0];
  for (let i = 0; i < RUNS; i++) {
    // Rotate which goes first so none always finds the page cache warmer.
    for (let k = 0; k < candidates.length; k++) {
      const index = (k + i) % candidates.length;
      samples[index][i] = coldStart(candidates[index].bundle, candidates[index].env);
    }
  }
  const loadAfter = loadavg()[0];
  const wall = samples.map((runs) => median(runs.map((run) => run.wallMs)));
  const cpu = samples.map((runs) => median(runs.map((run) => run.cpuMs)));
  // Each round's difference to the baseline of the same round, then the median of those.
  const delta = (index: number, of: (run: ColdStart) => number, baseline = 0) =>
    median(samples[index].map((run, round) => of(run) - of(samples[baseline][round])));
  const wallDelta = candidates.map((_, i) => delta(i, (run) => run.wallMs));
  const cpuDelta = candidates.map((_, i) => delta(i, (run) => run.cpuMs));
  console.log(
    `\ncold start: esbuild --bundle --minify --platform=node, fresh node per run, require + one $connect, ${RUNS} rounds interleaved, load average ${loadBefore.toFixed(1)} -> ${loadAfter.toFixed(1)} (goal +15 ms)`,
  );
  console.log('  delta: median over the rounds of (candidate - baseline) in the same round');
  console.log(row('candidate', 'wall ms', 'delta ms', 'CPU ms', 'delta ms'));
  candidates.forEach((candidate, i) => {
    console.log(
      row(
        candidate.name,
        wall[i].toFixed(1),
        wallDelta[i].toFixed(1),
        cpu[i].toFixed(1),
        cpuDelta[i].toFixed(1),
      ),
    );
  });
  console.log(
    `  chat bundle by package (KB): ${packages
      .slice(0, 12)
      .map(([name, bytes]) => `${name} ${(bytes / 1024).toFixed(0)}`)
      .join(', ')}`,
  );
  return {
    'cold_start.delta_ms': round2(wallDelta[1]),
    'cold_start.cpu_delta_ms': round2(cpuDelta[1]),
    'cold_start.cpu_delta_ms_production': round2(cpuDelta[2]),
    'cold_start.cpu_delta_ms_vs_bodies_only': round2(delta(1, (run) => run.cpuMs, 3)),
    'cold_start.delta_ms_vs_without_zod': round2(delta(1, (run) => run.wallMs, 4)),
    'cold_start.ratio': round2(wall[1] / wall[0]),
  };
}
