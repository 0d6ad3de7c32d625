/**
 * The decorators under both call shapes: one controller (tests/fixtures/decorators) compiled by
 * tsc 5, tsc 7 and esbuild, with `experimentalDecorators` and as TC39 standard decorators, then
 * run through bootstrap with real events. Every build must route and order middleware alike.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { Body, type WebSocketResult } from 'lift-ws';
import { connectEvent, disconnectEvent, lambdaContext, messageEvent } from 'lift-ws/testing';
import { recordingLogger } from '../support/recording-logger';

const run = promisify(execFile);
const FIXTURES = resolve(__dirname, '../fixtures/decorators');
const ENTRY = join(FIXTURES, 'order-controller.ts');

const TSC = {
  5: join(dirname(require.resolve('typescript/package.json')), 'bin/tsc'),
  7: join(dirname(require.resolve('typescript7/package.json')), 'bin/tsc'),
} as const;

type Compiler = 'tsc 5' | 'tsc 7' | 'esbuild';

interface Variant {
  compiler: Compiler;
  experimentalDecorators: boolean;
  /** tsc only: report semantic errors too (they include misplaced decorators). */
  typeCheck?: boolean;
}

interface CompiledFixture {
  createHandler(options: object): (event: unknown, context: unknown) => Promise<WebSocketResult>;
  calls: string[];
}

let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'lift-ws-decorators-'));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** Compiles one file to CommonJS; transpile only (the consumer type test checks the types). */
async function compile(entry: string, variant: Variant, outDir: string): Promise<string> {
  const outFile = join(outDir, 'order-controller.js');
  if (variant.compiler === 'esbuild') {
    await build({
      entryPoints: [entry],
      outfile: outFile,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      logLevel: 'silent',
      tsconfigRaw: {
        compilerOptions: { experimentalDecorators: variant.experimentalDecorators },
      },
    });
    return outFile;
  }
  await mkdir(outDir, { recursive: true });
  const tsconfig = join(outDir, 'tsconfig.json');
  await writeFile(
    tsconfig,
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'commonjs',
        strict: true,
        types: [],
        // 'lift-ws' resolves at run time (jest maps it to src/); types are the consumer test's job.
        noCheck: variant.typeCheck !== true,
        noResolve: true,
        isolatedModules: true,
        experimentalDecorators: variant.experimentalDecorators,
        rootDir: dirname(entry),
        outDir,
      },
      files: [entry],
    }),
  );
  const tsc = variant.compiler === 'tsc 5' ? TSC[5] : TSC[7];
  await run(process.execPath, [tsc, '-p', tsconfig], { timeout: 60000 });
  return outFile;
}

const VARIANTS: Variant[] = (['tsc 5', 'tsc 7', 'esbuild'] as const).flatMap((compiler) => [
  { compiler, experimentalDecorators: true },
  { compiler, experimentalDecorators: false },
]);

function label(variant: Variant): string {
  return `${variant.compiler}, ${variant.experimentalDecorators ? 'experimentalDecorators' : 'standard decorators'}`;
}

describe('decorators compiled both ways', () => {
  it.each(VARIANTS.map((variant) => [label(variant), variant] as const))(
    '%s: routes, actions and middleware order are the same',
    async (_label, variant) => {
      const outDir = join(workDir, label(variant).replace(/[^a-z0-9]+/gi, '-'));
      const file = await compile(ENTRY, variant, outDir);
      const emitted = await readFile(file, 'utf8');
      // Proof that the build used the call shape asked for.
      const standardEmit = /__esDecorate|__decorateElement/.test(emitted);
      expect(standardEmit).toBe(!variant.experimentalDecorators);

      const fixture = (await import(file)) as CompiledFixture;
      const handler = fixture.createHandler({ logger: recordingLogger() });
      const connectionId = 'Q29ubmVjdGlvbjE=';
      const send = (body: Record<string, unknown>) =>
        handler(messageEvent({ body, connectionId }), lambdaContext());

      expect(await handler(connectEvent({ connectionId }), lambdaContext())).toEqual({
        statusCode: 200,
        body: JSON.stringify({ message: 'connected' }),
      });
      expect(fixture.calls).toEqual(['class-1', 'class-2', 'class-3', 'connect']);

      fixture.calls.length = 0;
      expect(await send({ action: 'echo', text: 'hi' })).toEqual({
        statusCode: 200,
        body: JSON.stringify({ action: 'echo', text: 'hi' }),
      });
      expect(fixture.calls).toEqual([
        'class-1',
        'class-2',
        'class-3',
        'method-1',
        'method-2',
        'echo',
      ]);

      for (const side of ['left', 'right']) {
        expect(await send({ action: side })).toEqual({
          statusCode: 200,
          body: JSON.stringify({ side }),
        });
      }
      expect((await send({ action: 'child' })).body).toBe(JSON.stringify({ child: true }));
      expect((await send({ action: 'nope' })).body).toBe(JSON.stringify({ fallback: true }));

      fixture.calls.length = 0;
      expect(await handler(disconnectEvent({ connectionId }), lambdaContext())).toEqual({
        statusCode: 200,
      });
      expect(fixture.calls).toEqual(['class-1', 'class-2', 'class-3', 'disconnect']);
    },
  );
});

describe('parameter decorators are legacy-only', () => {
  const source = `import { Body, OnMessage, WebSocketController } from 'lift-ws';
@WebSocketController()
export class Params {
  @OnMessage('p')
  p(@Body('room') room: string): string {
    return room;
  }
}
`;

  it('tsc 7 without experimentalDecorators refuses them at compile time', async () => {
    const entry = join(workDir, 'params.ts');
    await writeFile(entry, source);
    const outDir = join(workDir, 'params-tsc');
    const failure = compile(
      entry,
      { compiler: 'tsc 7', experimentalDecorators: false, typeCheck: true },
      outDir,
    );
    await expect(failure).rejects.toMatchObject({
      stdout: expect.stringContaining('Decorators are not valid here') as unknown,
    });
  });

  it('esbuild without experimentalDecorators refuses them at compile time', async () => {
    const entry = join(workDir, 'params-esbuild.ts');
    await writeFile(entry, source);
    const outDir = join(workDir, 'params-esbuild');
    const failure = compile(entry, { compiler: 'esbuild', experimentalDecorators: false }, outDir);
    await expect(failure).rejects.toThrow(/Parameter decorators only work when experimental/);
  });

  it('a standard-shaped call throws and names the flag', () => {
    const standardCall = Body('room') as unknown as (value: unknown, context: object) => void;
    expect(() => standardCall(undefined, { kind: 'method', name: 'p', metadata: {} })).toThrow(
      /@Body\(\) is a parameter decorator, which needs "experimentalDecorators": true/,
    );
  });
});
