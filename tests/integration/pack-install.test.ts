/**
 * A fresh clone packed and installed as a user gets it: `npm pack` (prepare builds dist/), then
 * `npm install` of the tarball into a new project, which runs a controller from it, runs the
 * binary, and compiles TypeScript consumers against the shipped .d.ts with TypeScript 5 and 7,
 * with `experimentalDecorators` and with standard decorators. One pack serves every test here:
 * packing is the slow part.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { cleanEnv, packAndInstall, type PackedInstall } from '../support/packed-install';

const execFileAsync = promisify(execFile);

/** Every child gets a hard limit: a hung compiler or npm is killed, not waited for. */
function run(
  file: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ stdout: string; stderr: string }> {
  return execFileAsync(file, args, { timeout: 120000, ...options });
}
const ROOT = resolve(__dirname, '../..');
const TSC = {
  '5': join(dirname(require.resolve('typescript/package.json')), 'bin/tsc'),
  '7': join(dirname(require.resolve('typescript7/package.json')), 'bin/tsc'),
} as const;

let workDir: string;
let packed: PackedInstall;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'lift-ws-pack-'));
  packed = await packAndInstall(workDir);
}, 240000);

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** Runs a script in the consumer project with plain node (no jest, no ts-jest). */
async function node(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, args, { cwd: packed.projectDir, env: cleanEnv() });
}

// The controller a user writes, in plain JavaScript: decorators called the way
// experimentalDecorators output calls them.
const CONTROLLER = `
const { bootstrap, OnMessage, WebSocketController } = require('lift-ws');
const { lambdaContext, messageEvent } = require('lift-ws/testing');

class EchoController {
  echo(ctx) {
    return { echoed: ctx.body().text };
  }
}
OnMessage('echo')(EchoController.prototype, 'echo');
WebSocketController()(EchoController);

const handler = bootstrap([EchoController], { logger: { level: 'error' } });
handler(messageEvent({ body: { action: 'echo', text: 'from the tarball' } }), lambdaContext()).then(
  (result) => console.log(JSON.stringify(result)),
);
`;

describe('npm pack and install', () => {
  it('packs dist/ (built by prepare), README and LICENSE, without sources or dangling source maps', () => {
    expect(packed.files).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'README.md',
        'package.json',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/cli/main.js',
        'dist/testing/index.js',
        'dist/local/index.js',
      ]),
    );
    expect(packed.files.filter((file) => file.endsWith('.map'))).toEqual([]);
    expect(
      packed.files.filter((file) => !/^(dist\/|LICENSE$|README\.md$|package\.json$)/.test(file)),
    ).toEqual([]);
  });

  it('runs a controller from the installed package', async () => {
    await writeFile(join(packed.projectDir, 'echo.js'), CONTROLLER);
    const { stdout } = await node(['echo.js']);
    expect(JSON.parse(stdout)).toEqual({
      statusCode: 200,
      body: JSON.stringify({ echoed: 'from the tarball' }),
    });
  });

  it('loads as an ES module with named imports', async () => {
    await writeFile(
      join(packed.projectDir, 'names.mjs'),
      "import { bootstrap, JwtAuth, WsError } from 'lift-ws';\n" +
        "import { startLocalGateway } from 'lift-ws/local';\n" +
        'console.log([bootstrap, JwtAuth, WsError, startLocalGateway].map((f) => typeof f).join());\n',
    );
    const { stdout } = await node(['names.mjs']);
    expect(stdout.trim()).toBe('function,function,function,function');
  });

  it('installs the lift-ws binary: --version, and dev names esbuild when it is missing', async () => {
    const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    const bin = join(packed.projectDir, 'node_modules/.bin/lift-ws');
    expect((await run(bin, ['--version'], { env: cleanEnv() })).stdout).toBe(
      `${manifest.version}\n`,
    );
    // esbuild is an optional peer: this project did not install it.
    await writeFile(join(packed.projectDir, 'handler.js'), 'exports.handler = async () => ({});\n');
    const failure = run(bin, ['dev', 'handler.js', '--port', '0'], {
      cwd: packed.projectDir,
      env: cleanEnv(),
    });
    await expect(failure).rejects.toMatchObject({
      code: 1,
      stderr:
        'lift-ws: lift-ws dev loads modules through esbuild, which is not installed: npm install --save-dev esbuild\n',
    });
  });

  it('lift-ws dev from the package serves a TypeScript module with top-level await', async () => {
    await run(
      'npm',
      ['install', '--no-save', '--prefer-offline', '--no-audit', '--no-fund', 'esbuild'],
      {
        cwd: packed.projectDir,
        env: cleanEnv(),
      },
    );
    await writeFile(
      join(packed.projectDir, 'tla.mts'),
      "const word: string = await Promise.resolve('awaited');\n" +
        'export const handler = async (event: { requestContext: { eventType: string } }) =>\n' +
        "  event.requestContext.eventType === 'MESSAGE' ? { statusCode: 200, body: word } : { statusCode: 200 };\n",
    );
    const bin = join(packed.projectDir, 'node_modules/.bin/lift-ws');
    const child = spawn(bin, ['dev', 'tla.mts', '--port', '0', '--route-responses'], {
      cwd: packed.projectDir,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    try {
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const url = await new Promise<string>((found, fail) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const match = /WebSocket\s+(ws:\/\/\S+)/.exec(stdout);
          if (match) found(match[1]);
        });
        void exited.then((code) =>
          fail(new Error(`lift-ws exited with ${String(code)}: ${stderr}`)),
        );
      });
      const socket = new WebSocket(url);
      const answer = await new Promise<string>((answered, fail) => {
        socket.once('open', () => socket.send('hi'));
        socket.once('message', (data: Buffer) => answered(data.toString()));
        socket.once('error', fail);
      });
      expect(answer).toBe('awaited');
      socket.close();
      await new Promise((closed) => socket.once('close', closed));
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 60000);
});

/** What a user writes from the README: a guarded controller, context typed by import. */
function consumerSource(parameterDecorators: boolean): string {
  return `import {
  bootstrap,
  JwtAuth,
  OnConnect,
  OnDefault,
  OnMessage,
  RateLimit,
  UseMiddleware,
  WebSocketController,
  WsError,
  ${parameterDecorators ? 'Body,\n  ' : ''}type WebSocketContext,
} from 'lift-ws';
import { lambdaContext, messageEvent } from 'lift-ws/testing';
import type { LocalGateway } from 'lift-ws/local';

@WebSocketController()
@UseMiddleware(JwtAuth)
class EchoController {
  @OnConnect()
  connect(ctx: WebSocketContext): { message: string } {
    return { message: \`hello \${ctx.userId ?? 'nobody'}\` };
  }

  @OnMessage('echo')
  echo(${parameterDecorators ? "@Body('text') text: string, " : ''}ctx: WebSocketContext): { echoed: string } {
    return { echoed: ${parameterDecorators ? 'text' : 'ctx.body<{ text: string }>().text'} };
  }

  @OnDefault()
  fallback(): never {
    throw new WsError(400, 'UNKNOWN_ACTION', 'unknown action');
  }
}

export const handler = bootstrap([EchoController], { logger: { level: 'error' } });
export type Gateway = LocalGateway;
// A rate is "N/unit": the shipped types refuse anything else.
// @ts-expect-error
export const wrongRate = () => RateLimit({ perConnection: '10 per second' });

const result = await handler(
  messageEvent({ body: { action: 'echo', text: 'typed' }, authorizer: { sub: 'u1' } }),
  lambdaContext(),
);
console.log(JSON.stringify(result));
`;
}

describe('TypeScript consumers against the shipped types', () => {
  const cases = (['5', '7'] as const).flatMap((version) => [
    { version, experimentalDecorators: true },
    { version, experimentalDecorators: false },
  ]);

  it.each(cases)(
    'TypeScript $version, tsc --init config, experimentalDecorators: $experimentalDecorators: compiles and runs',
    async ({ version, experimentalDecorators }) => {
      const dir = join(
        packed.projectDir,
        `ts${version}-${experimentalDecorators ? 'experimental' : 'standard'}`,
      );
      await mkdir(dir);
      await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
      await run(process.execPath, [TSC[version], '--init'], { cwd: dir, env: cleanEnv() });
      const init = await readFile(join(dir, 'tsconfig.json'), 'utf8');
      // The one change a user makes: experimentalDecorators for decorators written the
      // pre-standard way; for standard decorators a target that lowers them, since Node runs
      // no decorator syntax yet.
      const config = experimentalDecorators
        ? init.replace(
            '"compilerOptions": {',
            '"compilerOptions": {\n    "experimentalDecorators": true,',
          )
        : init.replace('"target": "esnext"', '"target": "es2022"');
      expect(config).not.toBe(init);
      expect(config).toContain('"types": []');
      await writeFile(join(dir, 'tsconfig.json'), config);
      await writeFile(join(dir, 'app.ts'), consumerSource(experimentalDecorators));

      const compiled = await run(process.execPath, [TSC[version], '-p', dir], {
        cwd: dir,
        env: cleanEnv(),
      }).catch((error: { stdout?: string; message?: string }) => ({
        stdout: error.stdout ?? error.message,
      }));
      expect(compiled.stdout).toBe('');

      const { stdout } = await run(process.execPath, [join(dir, 'app.js')], {
        cwd: dir,
        env: cleanEnv({ JWT_SECRET: 'consumer-test-secret-0123456789abcdef' }),
      });
      expect(JSON.parse(stdout)).toEqual({
        statusCode: 200,
        body: JSON.stringify({ echoed: 'typed' }),
      });
    },
    60000,
  );
});
