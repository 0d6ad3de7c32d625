import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isPlainObject } from '../validation/is-plain-object';
import type { JwksOptions } from './jwt-options';

/*
 * Why our own client and not a library: jose 6 (the maintained JWKS client) is ESM-only and
 * fails in jest on Node 20 ("Must use import to load ES Module", measured with jose 6.2.18);
 * jwks-rsa pulls ESM that jest cannot load either. jose's remote key set also lacks what this
 * store must do: its failed fetches are not rate limited (only successful ones start the
 * cooldown), a refresh failure after the cache age refuses every token although the cached
 * keys are still valid, and its timeout is fixed per key set, not bounded per call by the
 * Lambda's remaining time.
 */

/** The JWKS has no key for the token's `kid` (even after a refresh). */
export class JwksKeyNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwksKeyNotFoundError';
  }
}

/** The JWKS endpoint could not be read: down, slow, rate limited, or not answering a JWKS. */
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

/**
 * GET a JSON document within `timeoutMs` overall: connect, headers and body together. The
 * timer is an AbortSignal started before the request; `req.setTimeout` would not do, as it
 * only counts socket idleness and is reset by every byte a slow server trickles. No
 * keep-alive, so nothing lingers once the answer is in.
 */
function getJson(uri: string, timeoutMs: number): Promise<unknown> {
  const url = new URL(uri);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const limitMs = Math.max(1, Math.floor(timeoutMs));
  const signal = AbortSignal.timeout(limitMs);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'GET',
      agent: false,
      headers: { accept: 'application/json' },
    });
    let settled = false;
    const settle = (error: Error | undefined, value?: unknown): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (error) {
        req.destroy();
        reject(error);
      } else {
        resolve(value);
      }
    };
    const onAbort = (): void =>
      settle(new JwksUnavailableError(`the JWKS endpoint did not answer within ${limitMs} ms`));
    signal.addEventListener('abort', onAbort, { once: true });

    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        res.resume();
        settle(new JwksUnavailableError(`the JWKS endpoint answered HTTP ${status}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_JWKS_BYTES) {
          settle(new JwksUnavailableError('the JWKS document is over 1 MB'));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        try {
          settle(undefined, JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (error) {
          settle(
            new JwksUnavailableError('the JWKS endpoint did not answer JSON', { cause: error }),
          );
        }
      });
      res.on('error', (error) =>
        settle(new JwksUnavailableError('the JWKS answer broke off', { cause: error })),
      );
    });
    req.on('error', (error) =>
      settle(new JwksUnavailableError('the JWKS endpoint cannot be reached', { cause: error })),
    );
    req.end();
  });
}

/** Signing keys of a JWKS document; encryption keys and keys Node cannot import are skipped. */
function parseJwks(document: unknown): { byKid: Map<string, SigningKey>; all: SigningKey[] } {
  const keys = isPlainObject(document) ? document.keys : undefined;
  if (!Array.isArray(keys)) throw new JwksUnavailableError('the JWKS document has no "keys" array');
  const byKid = new Map<string, SigningKey>();
  const all: SigningKey[] = [];
  for (const jwk of keys as unknown[]) {
    if (!isPlainObject(jwk)) continue;
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
 * container. Every fetch (the first, a refresh after `cacheMaxAgeMs`, a refetch for an unknown
 * `kid` after a key rotation), failed ones included, counts against `requestsPerMinute`: tokens
 * with made-up `kid`s or a broken identity provider must not turn every `$connect` into a
 * request to it. Keys stay usable after their cache age while a refresh fails or is rate
 * limited, so an identity provider outage does not refuse tokens the cached keys verify.
 * Concurrent lookups share one request; each waits only until its own deadline.
 * @internal
 */
export class JwksKeyStore {
  private readonly uri: string;
  private readonly options: Required<JwksOptions>;
  private byKid = new Map<string, SigningKey>();
  private all: SigningKey[] = [];
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;
  private recentFetches: number[] = [];

  constructor(uri: string, options: Required<JwksOptions>) {
    this.uri = uri;
    this.options = options;
  }

  /**
   * The key for `kid` (or the only key when the token names none).
   * @param deadline epoch ms by which a fetch must have ended (the Lambda's budget), if known.
   * @throws JwksKeyNotFoundError, JwksUnavailableError
   */
  async signingKey(kid: string | undefined, deadline?: number): Promise<SigningKey> {
    const cached = this.lookup(kid);
    const fresh = Date.now() - this.fetchedAt < this.options.cacheMaxAgeMs;
    if (cached && fresh) return cached;

    if (!this.inflight && !this.mayFetch()) {
      if (cached) return cached;
      if (this.all.length > 0) {
        throw new JwksKeyNotFoundError('no JWKS key for this kid (refetch rate limit reached)');
      }
      throw new JwksUnavailableError('the JWKS fetch rate limit is reached after failed fetches');
    }
    try {
      await this.refresh(deadline);
    } catch (error) {
      // The cached key is still the identity provider's: better than refusing everyone.
      if (cached) return cached;
      throw error;
    }
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

  private mayFetch(): boolean {
    const now = Date.now();
    this.recentFetches = this.recentFetches.filter((at) => now - at < MINUTE_MS);
    return this.recentFetches.length < this.options.requestsPerMinute;
  }

  private refresh(deadline: number | undefined): Promise<void> {
    if (!this.inflight) {
      const timeoutMs = Math.min(this.options.timeoutMs, timeLeft(deadline));
      if (timeoutMs <= 0) {
        return Promise.reject(new JwksUnavailableError('no time left to fetch the JWKS'));
      }
      // `finally` runs asynchronously, so the slot is cleared only after it was set.
      this.inflight = this.load(timeoutMs).finally(() => {
        this.inflight = undefined;
      });
    }
    return withinDeadline(this.inflight, deadline);
  }

  private async load(timeoutMs: number): Promise<void> {
    this.recentFetches.push(Date.now());
    const parsed = parseJwks(await getJson(this.uri, timeoutMs));
    this.byKid = parsed.byKid;
    this.all = parsed.all;
    this.fetchedAt = Date.now();
  }
}

function timeLeft(deadline: number | undefined): number {
  return deadline === undefined ? Number.POSITIVE_INFINITY : deadline - Date.now();
}

/**
 * A lookup that joined another caller's fetch still stops at its own deadline; the fetch itself
 * is bounded by the deadline of the caller that started it.
 */
function withinDeadline(work: Promise<void>, deadline: number | undefined): Promise<void> {
  const left = timeLeft(deadline);
  if (left === Number.POSITIVE_INFINITY) return work;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new JwksUnavailableError('no time left to wait for the JWKS')),
      Math.max(0, left),
    );
    work.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new JwksUnavailableError(String(error)));
      },
    );
  });
}
