import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

function declarationFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return declarationFiles(path);
    return entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/**
 * The published `.d.ts` is what a user sees as the API. Built here exactly as `npm run build`
 * builds it (tsconfig.build.json), into a temporary folder.
 */
describe('the published declarations', () => {
  let outDir: string;
  let files: Map<string, string>;

  beforeAll(() => {
    outDir = mkdtempSync(join(tmpdir(), 'lift-ws-dts-'));
    // Type errors are `npm run typecheck`'s to report; declarations are emitted regardless.
    spawnSync(
      process.execPath,
      [
        require.resolve('typescript/bin/tsc'),
        '-p',
        'tsconfig.build.json',
        '--outDir',
        outDir,
        '--emitDeclarationOnly',
      ],
      { cwd: ROOT, stdio: 'pipe' },
    );
    files = new Map(
      declarationFiles(outDir).map((file) => [relative(outDir, file), readFileSync(file, 'utf8')]),
    );
  }, 120_000);

  afterAll(() => {
    rmSync(outDir, { recursive: true, force: true });
  });

  it('show no @internal member and no ContextServices anywhere', () => {
    expect(files.size).toBeGreaterThan(20);
    const leaks = [...files]
      .filter(([, text]) => text.includes('@internal') || /\bContextServices\b/.test(text))
      .map(([file]) => file);
    expect(leaks).toEqual([]);
  });

  it("show WebSocketContext's public contract and none of the runtime's internals", () => {
    const context = files.get(join('context', 'websocket-context.d.ts'));
    expect(context).toBeDefined();
    const text = context!;
    for (const internal of [
      'matchedRoute',
      'pendingJoins',
      'pendingResponse',
      'outbound',
      'tryBody',
      'contextInternals',
      'services',
    ]) {
      expect({ internal, present: text.includes(internal) }).toEqual({ internal, present: false });
    }
    // Made by the runtime only: no constructor a user could call with internals.
    expect(text).toMatch(/private constructor\(\);/);
    // action and connection are read-only (getters), identity stays settable by middleware.
    expect(text).toMatch(/get action\(\): string \| undefined;/);
    expect(text).not.toMatch(/set action\(/);
    expect(text).toMatch(/get connection\(\): ConnectionRecord \| undefined;/);
    expect(text).not.toMatch(/set connection\(/);
    expect(text).toMatch(/^\s+claims: Record<string, unknown> \| undefined;/m);
    // Reading a request header and setting a response header are two methods.
    expect(text).toMatch(/header\(name: string\): string \| undefined;/);
    expect(text).toMatch(/setHeader\(name: string, value: string\): this;/);
  });
});
