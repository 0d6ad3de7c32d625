import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { JwksOptions } from './jwt-options';

/** The JWKS has no key for the token's `kid` (even after a refresh). */
export class JwksKeyNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwksKeyNotFoundError';
  }
}

/** The JWKS endpoint could not be read: down, slow, or not answering a JWKS. */
class JwksUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JwksUnavailableError';
  }
}

interface SigningKey {
  readonly key: KeyObject;
  /** The JWK's own `alg`, when it names one. */
  readonly alg: string | undefined;
}

/** A real JWKS is a few KB; refuse to buffer anything absurd. */
const MAX_JWKS_BYTES = 1024 * 1024;
const MINUTE_MS = 60_000;

/** GET a JSON document with a hard timeout and size cap; no keep-alive, so nothing lingers. */
function getJson(uri: string, timeoutMs: number): Promise<unknown> {
  const url = new URL(uri);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'GET', agent: false, headers: { accept: 'application/json' } },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          res.resume();
          reject(new JwksUnavailableError(`the JWKS endpoint answered HTTP ${status}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_JWKS_BYTES) {
            req.destroy(new JwksUnavailableError('the JWKS document is over 1 MB'));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch (error) {
            reject(
              new JwksUnavailableError('the JWKS endpoint did not answer JSON', { cause: error }),
            );
          }
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => {
      req.destroy(
        new JwksUnavailableError(`the JWKS endpoint did not answer within ${timeoutMs} ms`),
      );
    });
    req.on('error', (error) =>
      reject(
        error instanceof JwksUnavailableError
          ? error
          : new JwksUnavailableError('the JWKS endpoint cannot be reached', { cause: error }),
      ),
    );
    req.end();
  });
}

/** Signing keys of a JWKS document; encryption keys and keys Node cannot import are skipped. */
function parseJwks(document: unknown): { byKid: Map<string, SigningKey>; all: SigningKey[] } {
  const keys = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new JwksUnavailableError('the JWKS document has no "keys" array');
  const byKid = new Map<string, SigningKey>();
  const all: SigningKey[] = [];
  for (const jwk of keys as Array<Record<string, unknown>>) {
    if (jwk === null || typeof jwk !== 'object') continue;
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    if (jwk.kty !== 'RSA' && jwk.kty !== 'EC') continue;
    let key: KeyObject;
    try {
      key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    } catch {
      continue;
    }
    const signingKey: SigningKey = { key, alg: typeof jwk.alg === 'string' ? jwk.alg : undefined };
    all.push(signingKey);
    if (typeof jwk.kid === 'string' && jwk.kid.length > 0) byKid.set(jwk.kid, signingKey);
  }
  if (all.length === 0) {
    throw new JwksUnavailableError('the JWKS document has no usable signing keys');
  }
  return { byKid, all };
}

/**
 * Signing keys of one JWKS endpoint, fetched lazily, parsed once and cached for the life of the
 * container. A `kid` missing from a fresh cache (a key rotation) triggers a refetch, but at most
 * `requestsPerMinute` of them: tokens with made-up `kid`s must not turn the authorizer into a
 * flood of requests to the identity provider. Concurrent lookups share one request.
 * @internal
 */
export class JwksKeyStore {
  private readonly uri: string;
  private readonly options: Required<JwksOptions>;
  private byKid = new Map<string, SigningKey>();
  private all: SigningKey[] = [];
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;
  private readonly recentFetches: number[] = [];

  constructor(uri: string, options: Required<JwksOptions>) {
    this.uri = uri;
    this.options = options;
  }

  /**
   * The key for `kid` (or the only key when the token names none).
   * @throws JwksKeyNotFoundError, JwksUnavailableError
   */
  async signingKey(kid: string | undefined): Promise<SigningKey> {
    const fresh = Date.now() - this.fetchedAt < this.options.cacheMaxAgeMs;
    if (fresh) {
      const cached = this.lookup(kid);
      if (cached) return cached;
      if (!this.mayRefetch()) {
        throw new JwksKeyNotFoundError('no JWKS key for this kid (refetch rate limit reached)');
      }
    }
    await this.refresh();
    const key = this.lookup(kid);
    if (!key) {
      throw new JwksKeyNotFoundError(
        kid === undefined
          ? 'the token has no kid and the JWKS holds several keys'
          : 'no JWKS key for this kid',
      );
    }
    return key;
  }

  private lookup(kid: string | undefined): SigningKey | undefined {
    if (kid !== undefined) return this.byKid.get(kid);
    return this.all.length === 1 ? this.all[0] : undefined;
  }

  private mayRefetch(): boolean {
    const now = Date.now();
    while (this.recentFetches.length > 0 && now - this.recentFetches[0] >= MINUTE_MS) {
      this.recentFetches.shift();
    }
    return this.recentFetches.length < this.options.requestsPerMinute;
  }

  private refresh(): Promise<void> {
    // `finally` runs asynchronously, so the slot is cleared only after it was set.
    this.inflight ??= this.load().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async load(): Promise<void> {
    this.recentFetches.push(Date.now());
    const parsed = parseJwks(await getJson(this.uri, this.options.timeoutMs));
    this.byKid = parsed.byKid;
    this.all = parsed.all;
    this.fetchedAt = Date.now();
  }
}
