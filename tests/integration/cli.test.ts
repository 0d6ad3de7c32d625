/**
 * `lift-ws dev`: argument parsing and messages in-process through `runCli`, and spawned smoke
 * tests that run the CLI from source (bundled by esbuild, as it bundles user modules).
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { HELP_TEXT } from '../../src/cli/help-text';
import { parseCliArgs } from '../../src/cli/parse-cli-args';
import { runCli, type CliOutcome } from '../../src/cli/run-cli';
import { recordingLogger, TestClient } from './local-gateway-kit';

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
  });
});
