import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import jwt from 'jsonwebtoken';
import { connectEvent } from 'lift-ws/testing';
import { median, ratio, round2, row } from './measure';

/**
 * Cold start (issue 8, goal 3): the chat sample's handler and a hand-written handler with the
 * same dependencies, each bundled with esbuild `--bundle --minify --platform=node`; every run is
 * a fresh `node` process that requires the bundle and answers one `$connect` with a valid
 * token; runs interleaved, medians. Also prints what the chat bundle pulls in (esbuild's
 * metafile), by package.
 */
const RUNS = Number(process.env.LIFT_WS_BENCH_COLD_RUNS ?? '12');
// The bench runs bundled into .tmp/, one level below the project root.
const root = path.resolve(__dirname, '..');
const outDir = path.join(root, '.tmp', 'cold-start');

function buildBundles(): { chat: string; hand: string; packages: Array<[string, number]> } {
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
  const hand = path.join(outDir, 'hand-written.js');
  const meta = build('samples/chat/src/handler.ts', chat);
  build('bench/cold-start/hand-written-handler.ts', hand);
  writeFileSync(path.join(outDir, 'chat.meta.json'), JSON.stringify(meta));
  const byPackage = new Map<string, number>();
  for (const output of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const name = match ? match[1] : 'lift-ws (src, samples)';
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
  }
  return { chat, hand, packages: [...byPackage].sort((a, b) => b[1] - a[1]) };
}

function coldStart(bundle: string, env: NodeJS.ProcessEnv): number {
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
  const figure = JSON.parse(line) as { coldStartMs: number; statusCode: number };
  if (figure.statusCode !== 200) throw new Error(`${bundle} answered ${figure.statusCode}`);
  return figure.coldStartMs;
}

export function runColdStartBench(): Record<string, number> {
  const { chat, hand, packages } = buildBundles();
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
    NODE_ENV: 'production',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    LIFT_WS_BENCH_EVENT: JSON.stringify(connectEvent({ query: { Authorization: token } })),
  };
  const samples = { hand: [] as number[], chat: [] as number[] };
  coldStart(hand, env);
  coldStart(chat, env);
  for (let i = 0; i < RUNS; i++) {
    // Alternate which goes first so neither always finds the page cache warmer.
    if (i % 2 === 0) {
      samples.hand.push(coldStart(hand, env));
      samples.chat.push(coldStart(chat, env));
    } else {
      samples.chat.push(coldStart(chat, env));
      samples.hand.push(coldStart(hand, env));
    }
  }
  const handMs = median(samples.hand);
  const chatMs = median(samples.chat);
  console.log(
    `\ncold start: esbuild --bundle --minify --platform=node, fresh node per run, require + one $connect, median of ${RUNS} interleaved (goal +15 ms)`,
  );
  console.log(row('candidate', 'ms', 'delta ms', 'ratio'));
  console.log(
    row('hand-written handler, same deps (baseline)', handMs.toFixed(1), '0.0', ratio(1)),
  );
  console.log(
    row(
      'chat sample handler',
      chatMs.toFixed(1),
      (chatMs - handMs).toFixed(1),
      ratio(chatMs / handMs),
    ),
  );
  console.log(
    `  chat bundle by package (KB): ${packages
      .slice(0, 12)
      .map(([name, bytes]) => `${name} ${(bytes / 1024).toFixed(0)}`)
      .join(', ')}`,
  );
  return {
    'cold_start.delta_ms': round2(chatMs - handMs),
    'cold_start.ratio': round2(chatMs / handMs),
  };
}
