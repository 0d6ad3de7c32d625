import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build, type Plugin } from 'esbuild';
import jwt from 'jsonwebtoken';
import { connectEvent } from 'lift-ws/testing';

const execFileAsync = promisify(execFile);
const root = resolve(__dirname, '../..');
const SECRET = 'lazy-loads-test-secret-of-at-least-32-bytes';

/**
 * Cold start, as a bundle runs it: esbuild keeps a `require` inside a function as a module
 * wrapper evaluated on the first call, so the SDK clients lift-ws loads lazily are in the bundle
 * but must not run at require or on the first event. Each watched module is marked to record
 * its own evaluation; the bundle runs in a fresh `node`, as a Lambda cold start does.
 */
const SDK_CLIENTS: ReadonlyArray<[name: string, file: RegExp]> = [
  ['@aws-sdk/client-sqs', /node_modules\/@aws-sdk\/client-sqs\/dist-cjs\/index\.js$/],
  ['@aws-sdk/client-dynamodb', /node_modules\/@aws-sdk\/client-dynamodb\/dist-cjs\/index\.js$/],
  ['@aws-sdk/lib-dynamodb', /node_modules\/@aws-sdk\/lib-dynamodb\/dist-cjs\/index\.js$/],
];
/** The two builds of winston's tracer; the development one carries ANSI colour tables. */
const DIAGNOSTICS_BUILDS: ReadonlyArray<[name: string, file: RegExp]> = [
  ['diagnostics:development', /node_modules\/@dabh\/diagnostics\/node\/development\.js$/],
  ['diagnostics:production', /node_modules\/@dabh\/diagnostics\/node\/production\.js$/],
];
const WATCHED = [...SDK_CLIENTS, ...DIAGNOSTICS_BUILDS];
const isSdkClient = (name: string) => SDK_CLIENTS.some(([client]) => client === name);

const markEvaluation: Plugin = {
  name: 'mark-evaluation',
  setup(pluginBuild) {
    for (const [name, file] of WATCHED) {
      pluginBuild.onLoad({ filter: file }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        return {
          contents: `${source}\n;(globalThis.__evaluated ??= []).push(${JSON.stringify(name)});\n`,
          loader: 'js',
        };
      });
    }
  },
};

// Requires the bundle, answers one event when given one, prints what the marks recorded.
const RUNNER = `
const { handler } = require(process.argv[2]);
const event = process.env.EVENT ? JSON.parse(process.env.EVENT) : undefined;
Promise.resolve(event && handler(event, { awsRequestId: 'cold', getRemainingTimeInMillis: () => 3000 }))
  .then((result) => {
    process.stdout.write(JSON.stringify({ statusCode: result?.statusCode, evaluated: globalThis.__evaluated ?? [], nodeEnv: process.env.NODE_ENV ?? null }));
  });
`;

describe('the chat handler, bundled with esbuild --bundle --minify', () => {
  let dir: string;
  let bundle: string;
  let runner: string;
  let inputs: string[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lift-ws-lazy-loads-'));
    bundle = join(dir, 'chat.js');
    runner = join(dir, 'run.js');
    await writeFile(runner, RUNNER);
    const result = await build({
      entryPoints: [join(root, 'samples/chat/src/handler.ts')],
      bundle: true,
      minify: true,
      platform: 'node',
      outfile: bundle,
      metafile: true,
      logLevel: 'silent',
      alias: {
        'lift-ws/client': join(root, 'src/client/index.ts'),
        'lift-ws': join(root, 'src/index.ts'),
      },
      plugins: [markEvaluation],
    });
    inputs = Object.keys(result.metafile.inputs);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  interface ColdStart {
    statusCode?: number;
    /** The SDK clients evaluated, in order. */
    evaluated: string[];
    /** The diagnostics builds evaluated. */
    diagnostics: string[];
    /** NODE_ENV as the handler left it. */
    nodeEnv: string | null;
  }

  async function coldStart(env: Record<string, string>): Promise<ColdStart> {
    const { stdout } = await execFileAsync(process.execPath, [runner, bundle], {
      timeout: 20_000,
      env: {
        PATH: process.env.PATH ?? '',
        AWS_REGION: 'us-east-1',
        AWS_LAMBDA_FUNCTION_NAME: 'lazy-loads-test',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        JWT_SECRET: SECRET,
        JWT_ISSUER: 'lazy-loads',
        JWT_AUDIENCE: 'chat',
        LOG_LEVEL: 'error',
        ...env,
      },
    });
    const printed = JSON.parse(stdout.split('\n').pop() ?? '') as Omit<ColdStart, 'diagnostics'>;
    return {
      ...printed,
      evaluated: printed.evaluated.filter(isSdkClient),
      diagnostics: printed.evaluated.filter((name) => !isSdkClient(name)),
    };
  }

  it("carries the lazily loaded SDK clients, but neither winston's index nor its transports", () => {
    for (const [, file] of WATCHED) expect(inputs.some((input) => file.test(input))).toBe(true);
    const winstonIndexOrTransports = inputs.filter((input) =>
      /node_modules\/winston\/lib\/winston(\.js$|\/transports\/)/.test(input),
    );
    expect(winstonIndexOrTransports).toEqual([]);
  });

  it('runs none of them at require and on the first $connect, on the memory store', async () => {
    const token = jwt.sign({ sub: 'user-1' }, SECRET, {
      algorithm: 'HS256',
      issuer: 'lazy-loads',
      audience: 'chat',
      expiresIn: 300,
    });
    const event = JSON.stringify(connectEvent({ query: { Authorization: token } }));
    const started = await coldStart({ EVENT: event });
    expect(started).toMatchObject({ statusCode: 200, evaluated: [] });
  });

  it("loads winston's tracer in its production build when Lambda sets no NODE_ENV, and leaves NODE_ENV unset", async () => {
    await expect(coldStart({})).resolves.toMatchObject({
      diagnostics: ['diagnostics:production'],
      nodeEnv: null,
    });
  });

  it("keeps the tracer's development build when DEBUG asks for winston's tracing, or NODE_ENV is set", async () => {
    await expect(coldStart({ DEBUG: 'winston:*' })).resolves.toMatchObject({
      diagnostics: ['diagnostics:development'],
      nodeEnv: null,
    });
    await expect(coldStart({ NODE_ENV: 'development' })).resolves.toMatchObject({
      diagnostics: ['diagnostics:development'],
      nodeEnv: 'development',
    });
  });

  it('runs the SQS client at require when the fan-out queue is configured', async () => {
    const { evaluated } = await coldStart({
      LIFT_WS_FANOUT_QUEUE_URL: 'http://127.0.0.1:9/000000000000/fanout',
    });
    expect(evaluated).toEqual(['@aws-sdk/client-sqs']);
  });

  it('runs the DynamoDB packages at require when the connections table is configured', async () => {
    const { evaluated } = await coldStart({ CONNECTIONS_TABLE: 'connections' });
    expect([...evaluated].sort()).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb']);
  });
});
