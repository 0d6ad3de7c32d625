/**
 * `lift-ws dev`: argument parsing and messages in-process through `runCli`, and spawned smoke
 * tests that run the CLI from source (bundled by esbuild, as it bundles user modules).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HELP_TEXT } from '../../src/cli/help-text';
import { parseCliArgs } from '../../src/cli/parse-cli-args';
import { runCli, type CliOutcome } from '../../src/cli/run-cli';
import { eventually, recordingLogger, TestClient } from './local-gateway-kit';

const ROOT = resolve(__dirname, '../..');
const FIXTURES = 'tests/fixtures/cli';
const ECHO_HANDLER = `${FIXTURES}/echo-handler.ts`;

interface Captured {
  outcome: CliOutcome;
  stdout: string;
  stderr: string;
}

async function run(...argv: string[]): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const outcome = await runCli(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    logger: recordingLogger(),
    cwd: ROOT,
  });
  return { outcome, stdout, stderr };
}

/** Output that can be waited on: resolves when the text written so far matches. */
class Output {
  text = '';
  private readonly waiters: Array<{ pattern: RegExp; found: (match: string) => void }> = [];

  readonly stream = {
    write: (chunk: string): boolean => {
      this.text += chunk;
      for (const waiter of [...this.waiters]) {
        const match = waiter.pattern.exec(this.text);
        if (match) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.found(match[0]);
        }
      }
      return true;
    },
  };

  /** The first match of `pattern` in the output, now or once it is written. */
  waitFor(pattern: RegExp): Promise<string> {
    const match = pattern.exec(this.text);
    if (match) return Promise.resolve(match[0]);
    return new Promise((found) => this.waiters.push({ pattern, found }));
  }
}

/** Spawns the CLI from source and resolves with the WebSocket URL of its banner. */
function spawnCli(cwd: string, ...argv: string[]) {
  const child = spawn(
    process.execPath,
    [resolve(ROOT, FIXTURES, 'run-cli-from-source.js'), ...argv],
    {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const stdout = new Output();
  const stderr = new Output();
  child.stdout.on('data', (chunk: Buffer) => stdout.stream.write(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => stderr.stream.write(chunk.toString()));
  const wsUrl = Promise.race([
    stdout.waitFor(/ws:\/\/\S+/),
    exited.then((code) => {
      throw new Error(`CLI exited with ${String(code)}: ${stderr.text}`);
    }),
  ]);
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  return { child, exited, stdout, stderr, wsUrl, stop };
}

/** `runCli` with another working directory. */
async function runCliIn(cwd: string, ...argv: string[]): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const outcome = await runCli(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    logger: recordingLogger(),
    cwd,
  });
  return { outcome, stdout, stderr };
}

/** `lift-ws dev` on the echo handler fixture. */
function runEchoHandler(...options: string[]): Promise<Captured> {
  return run('dev', ECHO_HANDLER, ...options);
}

describe('lift-ws CLI', () => {
  describe('arguments', () => {
    it('--help explains every flag and exits 0', async () => {
      const { outcome, stdout, stderr } = await run('--help');
      expect(outcome.exitCode).toBe(0);
      expect(stderr).toBe('');
      expect(stdout).toBe(HELP_TEXT);
      for (const flag of [
        '--export',
        '--port',
        '--host',
        '--stage',
        '--route-responses',
        '--routes',
        '--route-selection',
        '--authorizer',
        '--fanout-worker',
        '--static',
        '--help',
      ]) {
        expect(stdout).toContain(flag);
      }
      expect((await run('dev', '-h')).outcome.exitCode).toBe(0);
    });

    it('shows the help on stderr with exit code 1 when there is no command', async () => {
      const { outcome, stdout, stderr } = await run();
      expect(outcome.exitCode).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toContain('Usage: lift-ws dev <module>');
    });

    it.each([
      [['build'], 'lift-ws: unknown command "build". See lift-ws --help\n'],
      [['dev'], 'lift-ws: missing <module>: lift-ws dev <module> [options]\n'],
      [['dev', 'a.ts', 'b.ts'], 'lift-ws: unexpected argument "b.ts". See lift-ws --help\n'],
      [
        ['dev', 'a.ts', '--port', 'abc'],
        'lift-ws: --port must be a port number from 0 to 65535, got "abc"\n',
      ],
      [['dev', 'a.ts', '--prot', '1'], "lift-ws: Unknown option '--prot'. See lift-ws --help\n"],
      [
        ['dev', 'a.ts', '--authorizer', 'auth.ts#'],
        'lift-ws: expected <module>#<export>, got "auth.ts#"\n',
      ],
    ])('rejects %j with one line and exit code 1', async (argv, message) => {
      const { outcome, stderr } = await run(...argv);
      expect(outcome).toEqual({ exitCode: 1 });
      expect(stderr).toBe(message);
    });

    it('reads defaults, PORT, routes and module#export', () => {
      expect(parseCliArgs(['dev', 'h.ts'], {})).toEqual({
        kind: 'dev',
        handler: { module: 'h.ts', exportName: 'handler' },
        port: 3001,
        host: '127.0.0.1',
        stage: 'local',
        routeResponses: false,
      });
      expect(
        parseCliArgs(
          [
            'dev',
            'h.ts',
            '-e',
            'main',
            '--stage',
            'dev',
            '--route-responses',
            '--routes',
            'join, sendMessage,$default',
            '--authorizer',
            'auth.ts#check',
            '--static',
            'public',
            '--route-selection',
            '$request.body.type',
          ],
          { PORT: '4000' },
        ),
      ).toEqual({
        kind: 'dev',
        handler: { module: 'h.ts', exportName: 'main' },
        port: 4000,
        host: '127.0.0.1',
        stage: 'dev',
        routeResponses: true,
        routes: ['join', 'sendMessage', '$default'],
        authorizer: { module: 'auth.ts', exportName: 'check' },
        staticDir: 'public',
        routeSelectionExpression: '$request.body.type',
      });
      expect(() => parseCliArgs(['dev', 'h.ts'], { PORT: '70000' })).toThrow(
        'PORT must be a port number',
      );
    });
  });

  describe('loading the module', () => {
    it('names a wrong path in one line', async () => {
      const { outcome, stderr } = await run('dev', 'does/not/exist.ts', '--port', '0');
      expect(outcome.exitCode).toBe(1);
      expect(stderr).toBe(
        `lift-ws: cannot find module "does/not/exist.ts" (looked for ${resolve(ROOT, 'does/not/exist.ts')})\n`,
      );
    });

    it('names a missing export and lists the exports', async () => {
      const { outcome, stderr } = await runEchoHandler('--export', 'nope', '--port', '0');
      expect(outcome.exitCode).toBe(1);
      expect(stderr).toMatch(
        /^lift-ws: .*echo-handler\.ts has no export "nope" \(exports: .*handler.*\); choose one/,
      );
      expect(stderr.split('\n')).toHaveLength(2);
      const notAFunction = await runEchoHandler('-e', 'notAFunction', '--port', '0');
      expect(notAFunction.stderr).toContain('exports "notAFunction" but it is not a function');
    });

    it('reports a module that throws while loading, without a stack trace', async () => {
      const { outcome, stderr } = await run('dev', `${FIXTURES}/broken-module.ts`, '--port', '0');
      expect(outcome.exitCode).toBe(1);
      expect(stderr).toBe(
        `lift-ws: failed to load ${FIXTURES}/broken-module.ts: cannot reach the database at import time\n`,
      );
    });

    it('refuses a --static path that is not a folder', async () => {
      const { outcome, stderr } = await runEchoHandler('--static', 'nowhere');
      expect(outcome.exitCode).toBe(1);
      expect(stderr).toBe('lift-ws: --static: "nowhere" is not a folder\n');
    });
  });

  describe('dev', () => {
    it('serves the handler with the authorizer, route responses and static files', async () => {
      const { outcome, stdout, stderr } = await runEchoHandler(
        '--port',
        '0',
        '--stage',
        'dev',
        '--route-responses',
        '--authorizer',
        `${FIXTURES}/token-authorizer.ts#authorizer`,
        '--static',
        FIXTURES,
      );
      const gateway = outcome.gateway;
      expect(stderr).toBe('');
      expect(outcome.exitCode).toBe(0);
      if (!gateway) throw new Error('no gateway');
      try {
        expect(stdout).toContain(`WebSocket     ${gateway.wsUrl}`);
        expect(stdout).toContain(`HTTP          ${gateway.url}/`);
        expect(gateway.wsUrl).toMatch(/\/dev$/);

        const client = await TestClient.open(`${gateway.wsUrl}?token=ok`);
        client.sendJson({ action: 'hello' });
        const answer = await client.nextJson<Record<string, unknown>>();
        expect(answer).toMatchObject({
          routeKey: '$default',
          principalId: 'cli-user',
          endpoint: gateway.managementEndpoint,
        });
        await client.close();

        await expect(TestClient.open(gateway.wsUrl)).rejects.toThrow('401');
        const file = await fetch(`${gateway.url}/token-authorizer.ts`);
        expect(file.status).toBe(200);
        expect(await file.text()).toContain('export function authorizer');
        expect((await fetch(`${gateway.url}/../../package.json`)).status).toBe(404);
      } finally {
        await gateway.close();
      }
    });

    it('runs from source as a process: TypeScript loaded through esbuild, SIGTERM closes cleanly', async () => {
      const child = spawn(
        process.execPath,
        [
          `${FIXTURES}/run-cli-from-source.js`,
          'dev',
          ECHO_HANDLER,
          '--port',
          '0',
          '--route-responses',
        ],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      try {
        const wsUrl = await new Promise<string>((found, fail) => {
          child.stdout.on('data', (chunk: Buffer) => {
            stdout += chunk.toString();
            const match = /WebSocket\s+(ws:\/\/\S+)/.exec(stdout);
            if (match) found(match[1]);
          });
          void exited.then((code) => fail(new Error(`CLI exited with ${String(code)}: ${stderr}`)));
        });
        const client = await TestClient.open(wsUrl);
        client.sendJson({ action: 'probe' });
        const answer = await client.nextJson<{ paramTypes: string[]; body: string }>();
        // esbuild drops emitDecoratorMetadata, as Lambda bundlers do; lift-ws does not need it.
        expect(answer.paramTypes).toEqual([]);
        expect(answer.body).toBe('{"action":"probe"}');

        child.kill('SIGTERM');
        expect(await exited).toBe(0);
        expect((await client.closed).code).toBe(1001);
        expect(stderr).toContain('lift-ws: SIGTERM, closing connections');
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
        await exited;
      }
    }, 20000);

    it('--fanout-worker runs the worker on a local SQS queue: a broadcast over the threshold reaches every member once through it', async () => {
      const module = `${FIXTURES}/fanout-handler.ts`;
      const cli = spawnCli(
        ROOT,
        'dev',
        module,
        '--port',
        '0',
        '--fanout-worker',
        `${module}#worker`,
      );
      try {
        const wsUrl = await cli.wsUrl;
        expect(cli.stdout.text).toMatch(
          /Fan-out queue http:\/\/127\.0\.0\.1:\d+\/\d+\/lift-ws-fanout/,
        );
        const clients = await Promise.all([1, 2, 3, 4, 5].map(() => TestClient.open(wsUrl)));
        clients[0].sendJson({ action: 'shout' });
        for (const client of clients) expect(await client.nextJson()).toEqual({ type: 'shout' });
        // The worker's EMF lines (one per shard of 2 ids) say how the 5 posts went.
        const sent = await eventually(() => {
          const lines = cli.stdout.text.split('\n').filter((line) => line.includes('"FanoutSent"'));
          const total = lines.reduce(
            (sum, line) => sum + (JSON.parse(line) as { sent: number }).sent,
            0,
          );
          return total === 5 && lines.length;
        });
        expect(sent).toBe(3);
        await Promise.all(clients.map((client) => client.close()));
        for (const client of clients) expect(client.unread()).toEqual([]);
      } finally {
        expect(await cli.stop()).toBe(0);
      }
    }, 20000);
  });

  describe('the first hour of a new user', () => {
    let project: string;

    beforeEach(async () => {
      project = await mkdtemp(join(tmpdir(), 'lift-ws-cli-'));
    });

    afterEach(async () => {
      await rm(project, { recursive: true, force: true });
    });

    it('--version prints the package version', async () => {
      const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
        version: string;
      };
      const { outcome, stdout, stderr } = await run('--version');
      expect(outcome).toEqual({ exitCode: 0 });
      expect(stdout).toBe(`${manifest.version}\n`);
      expect(stderr).toBe('');
      expect((await run('-v')).stdout).toBe(`${manifest.version}\n`);
    });

    it('a port already in use is named in the message', async () => {
      const server: Server = createServer();
      await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
      const { port } = server.address() as AddressInfo;
      try {
        const { outcome, stderr } = await runEchoHandler('--port', String(port));
        expect(outcome).toEqual({ exitCode: 1 });
        expect(stderr).toBe(
          `lift-ws: port ${port} on 127.0.0.1 is already in use; choose another with --port (0 picks a free one)\n`,
        );
      } finally {
        await new Promise((closed) => server.close(closed));
      }
    });

    it('a syntax error in the loaded file is reported as file:line:col', async () => {
      await writeFile(
        join(project, 'broken.ts'),
        'export const handler = () => ({ statusCode: 200 });\nconst x = ;\n',
      );
      let stderr = '';
      const outcome = await runCli(['dev', 'broken.ts', '--port', '0'], {
        stdout: { write: () => true },
        stderr: { write: (text: string) => (stderr += text) },
        logger: recordingLogger(),
        cwd: project,
      });
      expect(outcome).toEqual({ exitCode: 1 });
      expect(stderr).toBe('lift-ws: broken.ts:2:11: Unexpected ";"\n');
    });

    it("the banner's wscat line carries a dev token that JwtAuth accepts", async () => {
      const saved = { ...process.env };
      Object.assign(process.env, {
        JWT_SECRET: 'cli-banner-test-secret-0123456789abcdef',
        JWT_ISSUER: 'cli-test',
        JWT_AUDIENCE: 'cli-audience',
      });
      let gateway: CliOutcome['gateway'];
      try {
        const { outcome, stdout, stderr } = await run(
          'dev',
          `${FIXTURES}/guarded-handler.ts`,
          '--port',
          '0',
        );
        gateway = outcome.gateway;
        expect(stderr).toBe('');
        const line = /Try: npx wscat -c "(ws:\/\/\S+\?Authorization=[\w.-]+)"/.exec(stdout);
        expect(line).not.toBeNull();
        const client = await TestClient.open(line?.[1] ?? '');
        await client.close();
        // Without the token the guard refuses the handshake: the token is what got through.
        await expect(TestClient.open(gateway?.wsUrl ?? '')).rejects.toThrow('401');
      } finally {
        await gateway?.close();
        for (const key of ['JWT_SECRET', 'JWT_ISSUER', 'JWT_AUDIENCE']) {
          if (saved[key] === undefined) delete process.env[key];
          else process.env[key] = saved[key];
        }
      }
    });

    it('loads nodenext-style ESM TypeScript: .js specifiers, tsconfig paths, top-level await', async () => {
      await writeFile(join(project, 'package.json'), JSON.stringify({ type: 'module' }));
      await writeFile(
        join(project, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            module: 'nodenext',
            target: 'es2022',
            baseUrl: '.',
            paths: { '@app/*': ['./src/lib/*'] },
          },
        }),
      );
      await mkdir(join(project, 'src/lib'), { recursive: true });
      await writeFile(join(project, 'src/lib/greeting.ts'), "export const greeting = 'hello';\n");
      await writeFile(
        join(project, 'src/reply.ts'),
        "import { greeting } from '@app/greeting';\n" +
          'export const reply = (text: string): string => `${greeting} ${text}`;\n',
      );
      await writeFile(
        join(project, 'src/handler.ts'),
        "import { reply } from './reply.js';\n" +
          'const ready: string = await Promise.resolve(import.meta.url);\n' +
          'export async function handler(event: { requestContext: { eventType: string }; body?: string }) {\n' +
          "  if (event.requestContext.eventType !== 'MESSAGE') return { statusCode: 200 };\n" +
          '  return { statusCode: 200, body: JSON.stringify({ text: reply(event.body ?? ""), ready }) };\n' +
          '}\n',
      );
      const cli = spawnCli(project, 'dev', 'src/handler.ts', '--port', '0', '--route-responses');
      try {
        const client = await TestClient.open(await cli.wsUrl);
        client.send('world');
        const answer = await client.nextJson<{ text: string; ready: string }>();
        expect(answer.text).toBe('hello world');
        expect(answer.ready).toMatch(/^file:\/\/.*\/src\//);
        await client.close();
      } finally {
        expect(await cli.stop()).toBe(0);
      }
    }, 20000);

    it('resolves the packages of sources bundled from another folder where those sources live', async () => {
      // The project has no node_modules; lift-ws's sources import reflect-metadata, ws and the
      // AWS SDK from the repository's.
      await writeFile(
        join(project, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { experimentalDecorators: true } }),
      );
      await writeFile(
        join(project, 'handler.ts'),
        `import { bootstrap, OnMessage, WebSocketController } from ${JSON.stringify(join(ROOT, 'src/index.ts'))};\n` +
          '@WebSocketController()\n' +
          'class Echo {\n' +
          "  @OnMessage('echo') echo() { return { echoed: true }; }\n" +
          '}\n' +
          "export const handler = bootstrap([Echo], { logger: { level: 'error' } });\n",
      );
      const { outcome, stderr } = await runCliIn(
        project,
        'dev',
        'handler.ts',
        '--port',
        '0',
        '--route-responses',
      );
      const gateway = outcome.gateway;
      expect(stderr).toBe('');
      try {
        const client = await TestClient.open(gateway?.wsUrl ?? '');
        client.sendJson({ action: 'echo' });
        expect(await client.nextJson()).toEqual({ echoed: true });
        await client.close();
      } finally {
        await gateway?.close();
      }
    });

    it('loads CommonJS JavaScript', async () => {
      await writeFile(
        join(project, 'handler.cjs'),
        "const { join } = require('node:path');\n" +
          'exports.handler = async (event) =>\n' +
          "  event.requestContext.eventType === 'MESSAGE'\n" +
          "    ? { statusCode: 200, body: join('cjs', __dirname === undefined ? '?' : 'ok') }\n" +
          '    : { statusCode: 200 };\n',
      );
      const { outcome, stderr } = await runCliIn(
        project,
        'dev',
        'handler.cjs',
        '--port',
        '0',
        '--route-responses',
      );
      const gateway = outcome.gateway;
      expect(stderr).toBe('');
      try {
        const client = await TestClient.open(gateway?.wsUrl ?? '');
        client.send('hi');
        expect(await client.next()).toBe(join('cjs', 'ok'));
        await client.close();
      } finally {
        await gateway?.close();
      }
    });

    it('--watch swaps the rebuilt handler without dropping open sockets; a broken edit keeps the old code', async () => {
      await writeFile(join(project, 'reply.ts'), "export const version = 'v1';\n");
      await writeFile(
        join(project, 'handler.ts'),
        "import { version } from './reply.js';\n" +
          'export const handler = async (event: { requestContext: { eventType: string } }) =>\n' +
          "  event.requestContext.eventType === 'MESSAGE'\n" +
          '    ? { statusCode: 200, body: version }\n' +
          '    : { statusCode: 200 };\n',
      );
      const stdout = new Output();
      const stderr = new Output();
      const outcome = await runCli(
        ['dev', 'handler.ts', '--port', '0', '--route-responses', '--watch'],
        {
          stdout: stdout.stream,
          stderr: stderr.stream,
          logger: recordingLogger(),
          cwd: project,
        },
      );
      const { gateway, watcher } = outcome;
      try {
        expect(stderr.text).toBe('');
        expect(watcher).toBeDefined();
        const client = await TestClient.open(gateway?.wsUrl ?? '');
        client.send('which');
        expect(await client.next()).toBe('v1');

        await writeFile(join(project, 'reply.ts'), "export const version = 'v2';\n");
        expect(await stdout.waitFor(/reloaded in \d+ ms \(reply\.ts changed\)/)).toBeTruthy();
        client.send('which');
        expect(await client.next()).toBe('v2');

        await writeFile(join(project, 'reply.ts'), "export const version = 'v3'\nconst = ;\n");
        expect(
          await stderr.waitFor(
            /reload failed, still serving the previous code: reply\.ts:2:7: .*\n/,
          ),
        ).toBeTruthy();
        client.send('which');
        expect(await client.next()).toBe('v2');

        await writeFile(join(project, 'reply.ts'), "export const version = 'v4';\n");
        await stdout.waitFor(/reloaded[^\n]*\n[^]*reloaded in \d+ ms/);
        client.send('which');
        expect(await client.next()).toBe('v4');
        // One socket throughout: the gateway kept it open across every reload.
        expect(gateway?.connections).toHaveLength(1);
        await client.close();
      } finally {
        watcher?.close();
        await gateway?.close();
      }
    });
  });
});
