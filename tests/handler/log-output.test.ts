import { spawnSync } from 'node:child_process';
import { Console } from 'node:console';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { buildSync } from 'esbuild';
import winston from 'winston';
import { createLogger } from 'lift-ws';

const root = path.resolve(__dirname, '../..');

describe('log output in development and under jest (issue 9, item 6)', () => {
  it('writes each line to process.stdout itself, never through the console (a 4-line block under jest)', () => {
    // jest's console is a Console over its own buffering stream: whatever reaches it is
    // printed as a "console.log" block with a source location.
    const viaConsole: string[] = [];
    const consoleStream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        viaConsole.push(chunk.toString('utf8'));
        callback();
      },
    });
    const writes: string[] = [];
    const originalConsole = globalThis.console;
    const originalWrite = process.stdout.write.bind(process.stdout);
    globalThis.console = new Console({ stdout: consoleStream, stderr: consoleStream });
    process.stdout.write = (chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    };
    try {
      const logger = createLogger({ format: 'json' });
      logger.info('to stdout', { n: 1 });
      logger.error('errors too', { n: 2 });
    } finally {
      process.stdout.write = originalWrite;
      globalThis.console = originalConsole;
    }
    expect(viaConsole).toEqual([]);
    const lines = writes.filter((chunk) => chunk.includes('"message"'));
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line.endsWith('}\n')).toBe(true);
    expect(JSON.parse(lines[0])).toMatchObject({ level: 'info', message: 'to stdout', n: 1 });
  });

  it('keeps winston semantics when the logger is changed at run time: level, silent, another transport', () => {
    const first: string[] = [];
    const second: string[] = [];
    const sink = (into: string[]) =>
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          into.push(chunk.toString('utf8'));
          callback();
        },
      });
    const logger = createLogger({ format: 'json', level: 'info', stream: sink(first) });
    const winstonLogger = logger as unknown as winston.Logger;
    logger.child({ room: 'a' }).debug('hidden');
    winstonLogger.level = 'debug';
    logger.child({ room: 'a' }).debug('shown');
    winstonLogger.silent = true;
    logger.info('silenced');
    winstonLogger.silent = false;
    winstonLogger.add(new winston.transports.Stream({ stream: sink(second) }));
    logger.warn('both', { token: 'abc' });
    const messages = first.map((line) => (JSON.parse(line) as { message: string }).message);
    expect(messages).toEqual(['shown', 'both']);
    expect(second).toHaveLength(1);
    expect(JSON.parse(second[0])).toMatchObject({ message: 'both', token: '[REDACTED]' });
  });

  describe("the AWS SDK's NodeVersionSupportWarning", () => {
    let dir: string;
    let script: string;

    beforeAll(() => {
      // A fresh process: the SDK warns once per process, and jest's setup silences it here.
      dir = mkdtempSync(path.join(tmpdir(), 'lift-ws-sdk-warning-'));
      const entry = path.join(dir, 'entry.ts');
      writeFileSync(
        entry,
        [
          `import { createLogger } from ${JSON.stringify(path.join(root, 'src/logging/create-logger.ts'))};`,
          `import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';`,
          `createLogger().info('started');`,
          `new ApiGatewayManagementApiClient({ endpoint: 'http://127.0.0.1:1/prod', region: 'us-east-1' });`,
        ].join('\n'),
      );
      script = path.join(dir, 'entry.js');
      buildSync({
        entryPoints: [entry],
        bundle: true,
        platform: 'node',
        outfile: script,
        external: ['@aws-sdk/*', '@smithy/*', 'winston'],
        nodePaths: [path.join(root, 'node_modules')],
        logLevel: 'error',
      });
    });

    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    function run(extraEnv: Record<string, string>): { stdout: string; stderr: string } {
      const env: Record<string, string | undefined> = { ...process.env, ...extraEnv };
      delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
      delete env.LIFT_WS_LOG_FORMAT;
      if (!('AWS_LAMBDA_FUNCTION_NAME' in extraEnv)) delete env.AWS_LAMBDA_FUNCTION_NAME;
      const child = spawnSync(process.execPath, [script], {
        env: { ...env, NODE_PATH: path.join(root, 'node_modules') },
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(child.status).toBe(0);
      return { stdout: child.stdout, stderr: child.stderr };
    }

    it('is not printed into local dev output (the readable logger is in use)', () => {
      const local = run({ NODE_ENV: 'development' });
      expect(local.stdout).toContain('started');
      expect(local.stderr).not.toContain('NodeVersionSupportWarning');
    });

    it('is still printed inside Lambda, where the Node version is the deployer’s to fix', () => {
      const lambda = run({ AWS_LAMBDA_FUNCTION_NAME: 'chat' });
      expect(lambda.stdout).toContain('"message":"started"');
      const major = Number(process.versions.node.split('.')[0]);
      if (major < 22) expect(lambda.stderr).toContain('NodeVersionSupportWarning');
      else expect(lambda.stderr).not.toContain('NodeVersionSupportWarning');
    });
  });
});
