import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { LocalHttpHook } from './local-gateway-options';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** Whether a path relative to the root names a dotfile or goes through a dot-folder. */
function hasHiddenSegment(relativePath: string): boolean {
  return relativePath.split(/[\\/]/).some((segment) => segment.startsWith('.'));
}

/** The real path of `candidate` if it is a file inside the root's real path and not hidden. */
async function servable(rootReal: string, candidate: string): Promise<string | undefined> {
  // Links are resolved before the check: a symlink inside the folder pointing out of it (or to
  // a dotfile) is refused like the path it points to.
  const real = await realpath(candidate);
  const inside = relative(rootReal, real);
  if (inside.startsWith('..') || isAbsolute(inside) || hasHiddenSegment(inside)) return undefined;
  return (await stat(real)).isFile() ? real : undefined;
}

async function findFile(rootReal: string, urlPath: string): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  // No dotfile (`/.env`, `/.git/config`) and no '..': any segment starting with '.' is refused.
  if (decoded.includes('\0') || hasHiddenSegment(decoded)) return undefined;
  const candidate = resolve(join(rootReal, decoded));
  if (candidate !== rootReal && !candidate.startsWith(rootReal + sep)) return undefined;
  try {
    if ((await stat(candidate)).isDirectory()) {
      return await servable(rootReal, join(candidate, 'index.html'));
    }
    return await servable(rootReal, candidate);
  } catch {
    return undefined;
  }
}

/**
 * An `http` hook for {@link startLocalGateway} that serves the files of a folder (GET and HEAD;
 * `index.html` for a folder), e.g. a test page next to the WebSocket API. Unknown paths fall
 * through (false), so hooks can be chained.
 *
 * @example
 * const gateway = await startLocalGateway({ handler, http: serveStatic('public') });
 */
export function serveStatic(folder: string): LocalHttpHook {
  const root = resolve(folder);
  let rootReal: string | undefined;
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    // Resolved on first use (the folder may be created after the gateway starts), then kept.
    rootReal ??= await realpath(root).catch(() => undefined);
    if (rootReal === undefined) return false;
    // Not `new URL()`: it throws on '//' and would quietly resolve '..' before the checks.
    const raw = req.url ?? '/';
    const end = raw.search(/[?#]/);
    const pathname = end === -1 ? raw : raw.slice(0, end);
    const file = await findFile(rootReal, pathname);
    if (!file) return false;
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Cache-Control': 'no-store',
    });
    if (req.method === 'HEAD') {
      res.end();
      return true;
    }
    await new Promise<void>((done) => {
      const stream = createReadStream(file);
      stream.on('error', () => {
        res.destroy();
        done();
      });
      stream.on('end', done);
      stream.pipe(res);
    });
    return true;
  };
}
