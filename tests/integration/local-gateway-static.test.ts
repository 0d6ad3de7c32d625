/**
 * `serveStatic` (`lift-ws dev --static .`) against a real temporary folder: what it serves, and
 * that no dotfile and nothing outside the folder (through '..' or a symlink) is ever served.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveStatic } from '../../src/local';
import { gatewaysClosedAfterEach, recordingHandler } from './local-gateway-kit';

interface Answer {
  status: number;
  body: string;
}

/** A GET with the path sent exactly as written (fetch would normalise '..' and '//'). */
function get(port: number, path: string, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('local gateway: serveStatic', () => {
  const { start } = gatewaysClosedAfterEach();
  let base: string;
  let root: string;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'lift-ws-static-'));
    root = join(base, 'public');
    await mkdir(join(root, '.git'), { recursive: true });
    await mkdir(join(root, 'sub', '.hidden'), { recursive: true });
    await writeFile(join(root, 'index.html'), '<h1>index</h1>');
    await writeFile(join(root, 'app.js'), 'console.log("app")');
    await writeFile(join(root, 'sub', 'page.txt'), 'page');
    await writeFile(join(root, '.env'), 'JWT_SECRET=dotenv-secret');
    await writeFile(join(root, '.git', 'config'), '[remote] url=git-secret');
    await writeFile(join(root, 'sub', '.hidden', 'file.txt'), 'hidden-secret');
    await writeFile(join(base, 'outside.txt'), 'outside-secret');
    await symlink(join(base, 'outside.txt'), join(root, 'leak.txt'));
    await symlink(base, join(root, 'leak-dir'));
    await symlink(join(root, '.env'), join(root, 'env.txt'));
    await symlink(join(root, 'app.js'), join(root, 'alias.js'));
  });

  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  async function gatewayPort(): Promise<number> {
    const gateway = await start({ handler: recordingHandler().handler, http: serveStatic(root) });
    return gateway.port;
  }

  it('serves files, index.html for a folder, HEAD without a body, and a symlink inside the folder', async () => {
    const port = await gatewayPort();
    expect(await get(port, '/')).toEqual({ status: 200, body: '<h1>index</h1>' });
    expect(await get(port, '/app.js')).toEqual({ status: 200, body: 'console.log("app")' });
    expect(await get(port, '/sub/page.txt?v=2')).toEqual({ status: 200, body: 'page' });
    expect(await get(port, '/alias.js')).toEqual({ status: 200, body: 'console.log("app")' });
    expect(await get(port, '/app.js', 'HEAD')).toEqual({ status: 200, body: '' });
  });

  it('serves no dotfiles: /.env, /.git/config, or any path segment starting with "."', async () => {
    const port = await gatewayPort();
    for (const path of [
      '/.env',
      '/.git/config',
      '/.git/',
      '/sub/.hidden/file.txt',
      '/%2eenv',
      '/%2Egit/config',
      '/sub/%2ehidden/file.txt',
      '/sub\\.hidden\\file.txt',
      '/.env%00.txt',
    ]) {
      const answer = await get(port, path);
      expect([path, answer.status]).toEqual([path, 404]);
      expect(answer.body).not.toMatch(/secret/);
    }
  });

  it('follows no symlink out of the folder, and no link to a dotfile inside it', async () => {
    const port = await gatewayPort();
    for (const path of [
      '/leak.txt',
      '/leak-dir/outside.txt',
      '/leak-dir/public/.env',
      '/env.txt',
      '/../outside.txt',
      '/%2e%2e/outside.txt',
      '/sub/..%2f..%2foutside.txt',
    ]) {
      const answer = await get(port, path);
      expect([path, answer.status]).toEqual([path, 404]);
      expect(answer.body).not.toMatch(/secret/);
    }
  });

  it('answers odd paths (//, bad percent-encoding) without a 5xx and without a secret', async () => {
    const port = await gatewayPort();
    for (const path of ['//', '//x/.env', '/%E0%A4%A', '/a%zz']) {
      const answer = await get(port, path);
      expect([path, answer.status < 500]).toEqual([path, true]);
      expect(answer.body).not.toMatch(/secret/);
    }
  });
});
