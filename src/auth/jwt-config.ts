import { KeyObject, createPublicKey, createSecretKey } from 'node:crypto';
import { errorMessage } from '../errors/error-message';
import { isPlainObject } from '../validation/is-plain-object';
import { optionNumber } from '../validation/option-number';
import type { JwtAlgorithm, JwtAuthOptions, JwksOptions, TokenSource } from './jwt-options';
import { normalizeOrigin } from './origin-allow-list';

/**
 * The key a token is verified with: one parsed key, or a JWKS endpoint looked up by `kid`.
 * @internal
 */
export type JwtKeySource =
  | { readonly kind: 'secret'; readonly key: KeyObject }
  | { readonly kind: 'public'; readonly key: KeyObject }
  | { readonly kind: 'jwks'; readonly uri: string; readonly jwks: Required<JwksOptions> };

/**
 * JwtAuth options after defaults, environment fallback and validation.
 * @internal
 */
export interface JwtConfig {
  readonly keySource: JwtKeySource;
  readonly algorithms: readonly JwtAlgorithm[];
  readonly issuer: string | [string, ...string[]] | undefined;
  readonly audience: string | [string, ...string[]] | undefined;
  readonly clockToleranceSec: number;
  readonly maxAgeSec: number | undefined;
  readonly tokenSources: readonly TokenSource[];
  readonly queryParameter: string;
  /** Normalised (lower-case, no trailing slash); undefined when every origin is allowed. */
  readonly allowedOrigins: ReadonlySet<string> | undefined;
  readonly requireSub: boolean;
  readonly requireExp: boolean;
  readonly checkExpOnMessages: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

const HMAC: readonly JwtAlgorithm[] = ['HS256', 'HS384', 'HS512'];
const RSA: readonly JwtAlgorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const RSA_PSS: readonly JwtAlgorithm[] = ['PS256', 'PS384', 'PS512'];
const ALL: readonly JwtAlgorithm[] = [...HMAC, ...RSA, 'ES256', 'ES384', 'ES512'];
/** RFC 7518 §3.4: each ES algorithm is bound to one curve. */
const EC_ALGORITHM_BY_CURVE: Readonly<Record<string, JwtAlgorithm>> = {
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
};
/** RFC 7518 §3.2: an HMAC key at least as long as the hash output. */
const MIN_SECRET_BYTES: Readonly<Partial<Record<JwtAlgorithm, number>>> = {
  HS256: 32,
  HS384: 48,
  HS512: 64,
};
const TOKEN_SOURCES: readonly TokenSource[] = ['query', 'header', 'protocol'];
const KEY_ENV_VARS = 'JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URI';

/** Empty environment variables count as unset (templates often leave them blank). */
function envValue(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function envList(env: Env, name: string): string[] | undefined {
  const value = envValue(env, name);
  if (value === undefined) return undefined;
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  return items.length > 0 ? items : undefined;
}

function envNumber(env: Env, name: string, fail: (message: string) => never): number | undefined {
  const value = envValue(env, name);
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) fail(`${name} must be a number of seconds, got "${value}"`);
  return parsed;
}

/** Environment variables cannot hold newlines in many tools, so `\n` is accepted literally. */
function pemFromEnv(value: string): string {
  return value.replace(/\\n/g, '\n');
}

function oneOrMany(
  name: string,
  value: string | readonly string[] | undefined,
  fail: (message: string) => never,
): string | [string, ...string[]] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : [...value];
  if (list.length === 0) fail(`${name} must not be an empty list (leave it out to accept any)`);
  for (const item of list) {
    if (typeof item !== 'string' || item.trim() === '') fail(`${name} must hold non-empty strings`);
  }
  const [first, ...rest] = list as [string, ...string[]];
  return rest.length === 0 ? first : [first, ...rest];
}

function resolveKeySource(
  owner: string,
  options: JwtAuthOptions,
  env: Env,
  fail: (message: string) => never,
): JwtKeySource {
  const fromOptions =
    options.secret !== undefined ||
    options.publicKey !== undefined ||
    options.jwksUri !== undefined;
  const secret = fromOptions ? options.secret : envValue(env, 'JWT_SECRET');
  const publicKeyRaw = fromOptions ? options.publicKey : envValue(env, 'JWT_PUBLIC_KEY');
  const publicKey = typeof publicKeyRaw === 'string' ? pemFromEnv(publicKeyRaw) : publicKeyRaw;
  const jwksUri = fromOptions ? options.jwksUri : envValue(env, 'JWT_JWKS_URI');
  const given = [secret, publicKey, jwksUri].filter((value) => value !== undefined).length;
  if (given === 0) {
    fail(
      `no key configured: set ${KEY_ENV_VARS}, or pass secret, publicKey or jwksUri to JwtAuth.with({...})`,
    );
  }
  if (given > 1) {
    fail(
      'configure exactly one of secret (JWT_SECRET), publicKey (JWT_PUBLIC_KEY) and jwksUri (JWT_JWKS_URI)',
    );
  }

  if (secret !== undefined) return { kind: 'secret', key: parseSecret(secret, fail) };
  if (publicKey !== undefined) return { kind: 'public', key: parsePublicKey(publicKey, fail) };
  return {
    kind: 'jwks',
    uri: validateJwksUri(jwksUri as string, fail),
    jwks: jwksDefaults(owner, options.jwks, fail),
  };
}

function parseSecret(
  secret: string | Buffer | KeyObject,
  fail: (message: string) => never,
): KeyObject {
  if (secret instanceof KeyObject) {
    if (secret.type !== 'secret') {
      fail('secret must be a symmetric key; use publicKey for an RSA or EC key');
    }
    return secret;
  }
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  if (!Buffer.isBuffer(bytes)) fail('secret must be a string, a Buffer or a secret KeyObject');
  // A public key used as an HMAC secret is the classic algorithm-confusion attack: anyone who
  // has the public key could then sign tokens.
  if (bytes.toString('utf8', 0, Math.min(bytes.length, 64)).includes('-----BEGIN')) {
    fail('the secret looks like a PEM key: pass it as publicKey (JWT_PUBLIC_KEY) instead');
  }
  return createSecretKey(bytes);
}

function parsePublicKey(
  key: string | Buffer | KeyObject,
  fail: (message: string) => never,
): KeyObject {
  if (key instanceof KeyObject && key.type === 'secret') {
    fail('publicKey must be an RSA or EC key; use secret for an HMAC key');
  }
  try {
    // Accepts a public key, a certificate or (deriving its public half) a private key.
    return createPublicKey(key);
  } catch (error) {
    const reason = errorMessage(error);
    return fail(
      `publicKey (JWT_PUBLIC_KEY) is not a valid PEM public key or certificate: ${reason}`,
    );
  }
}

function validateJwksUri(uri: string, fail: (message: string) => never): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return fail(`jwksUri (JWT_JWKS_URI) is not a valid URL: "${uri}"`);
  }
  const local =
    url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  // Keys fetched over plain HTTP could be swapped by anyone on the path.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    fail(`jwksUri (JWT_JWKS_URI) must use https (http is allowed only for localhost): "${uri}"`);
  }
  return url.toString();
}

function jwksDefaults(
  owner: string,
  options: JwksOptions | undefined,
  fail: (message: string) => never,
): Required<JwksOptions> {
  if (options !== undefined && !isPlainObject(options)) fail('jwks must be an object');
  return {
    cacheMaxAgeMs: optionNumber(options?.cacheMaxAgeMs, 600_000, `${owner}: jwks.cacheMaxAgeMs`),
    requestsPerMinute: optionNumber(
      options?.requestsPerMinute,
      10,
      `${owner}: jwks.requestsPerMinute`,
      { min: 1, integer: true },
    ),
    timeoutMs: optionNumber(options?.timeoutMs, 5_000, `${owner}: jwks.timeoutMs`),
  };
}

function defaultAlgorithm(keySource: JwtKeySource): JwtAlgorithm {
  if (keySource.kind === 'secret') return 'HS256';
  if (keySource.kind === 'jwks') return 'RS256';
  const { asymmetricKeyType, asymmetricKeyDetails } = keySource.key;
  if (asymmetricKeyType === 'ec') {
    return EC_ALGORITHM_BY_CURVE[asymmetricKeyDetails?.namedCurve ?? ''] ?? 'ES256';
  }
  if (asymmetricKeyType === 'rsa-pss') return 'PS256';
  return 'RS256';
}

function resolveAlgorithms(
  requested: readonly string[] | undefined,
  keySource: JwtKeySource,
  fail: (message: string) => never,
): readonly JwtAlgorithm[] {
  const list = requested ?? [defaultAlgorithm(keySource)];
  if (!Array.isArray(list) || list.length === 0) {
    fail('algorithms must be a non-empty list, such as ["RS256"]');
  }
  for (const algorithm of list) {
    if (typeof algorithm === 'string' && algorithm.toLowerCase() === 'none') {
      fail('algorithm "none" is never allowed: it accepts unsigned tokens');
    }
    if (!ALL.includes(algorithm as JwtAlgorithm)) {
      fail(`unsupported algorithm "${String(algorithm)}"; supported: ${ALL.join(', ')}`);
    }
  }
  const algorithms = [...new Set(list as readonly JwtAlgorithm[])];

  if (keySource.kind === 'secret') {
    const asymmetric = algorithms.filter((algorithm) => !HMAC.includes(algorithm));
    if (asymmetric.length > 0) {
      fail(
        `a secret verifies HS256/HS384/HS512 only, not ${asymmetric.join(', ')}; use publicKey or jwksUri`,
      );
    }
    const size = keySource.key.symmetricKeySize ?? 0;
    for (const algorithm of algorithms) {
      const needed = MIN_SECRET_BYTES[algorithm] ?? 0;
      if (size < needed) {
        fail(`the secret is ${size} bytes; ${algorithm} needs at least ${needed} (RFC 7518 §3.2)`);
      }
    }
    return algorithms;
  }

  // HMAC next to a public key lets a forger "sign" with the public key as the HMAC secret.
  const hmac = algorithms.filter((algorithm) => HMAC.includes(algorithm));
  if (hmac.length > 0) {
    fail(
      `${hmac.join(', ')} cannot be used with a public key or JWKS (algorithm confusion); use secret for HMAC`,
    );
  }
  if (keySource.kind === 'public') {
    const { asymmetricKeyType, asymmetricKeyDetails } = keySource.key;
    let fits: readonly JwtAlgorithm[];
    if (asymmetricKeyType === 'rsa') fits = RSA;
    else if (asymmetricKeyType === 'rsa-pss') fits = RSA_PSS;
    else if (asymmetricKeyType === 'ec') {
      const algorithm = EC_ALGORITHM_BY_CURVE[asymmetricKeyDetails?.namedCurve ?? ''];
      if (!algorithm) fail(`unsupported EC curve "${asymmetricKeyDetails?.namedCurve ?? '?'}"`);
      fits = [algorithm];
    } else {
      return fail(
        `unsupported public key type "${asymmetricKeyType ?? '?'}": use an RSA or EC key`,
      );
    }
    const misfits = algorithms.filter((algorithm) => !fits.includes(algorithm));
    if (misfits.length > 0) {
      fail(
        `a ${asymmetricKeyType} key cannot verify ${misfits.join(', ')}; it fits ${fits.join(', ')}`,
      );
    }
  }
  return algorithms;
}

function resolveTokenSources(
  sources: readonly TokenSource[] | undefined,
  fail: (message: string) => never,
): readonly TokenSource[] {
  if (sources === undefined) return TOKEN_SOURCES;
  // Options may come from untyped JavaScript or JSON: check what is really there.
  const list: unknown = sources;
  if (!Array.isArray(list) || list.length === 0) fail('tokenSources must be a non-empty list');
  const result: TokenSource[] = [];
  for (const source of list as readonly unknown[]) {
    if (!TOKEN_SOURCES.includes(source as TokenSource)) {
      fail(`unknown token source "${String(source)}"; use ${TOKEN_SOURCES.join(', ')}`);
    }
    if (result.includes(source as TokenSource)) fail('tokenSources lists a source twice');
    result.push(source as TokenSource);
  }
  return result;
}

function resolveOrigins(
  origins: readonly string[] | undefined,
  fail: (message: string) => never,
): ReadonlySet<string> | undefined {
  if (origins === undefined) return undefined;
  if (!Array.isArray(origins) || origins.length === 0) {
    fail('allowedOrigins must list at least one origin (leave it out to allow any)');
  }
  const set = new Set<string>();
  for (const origin of origins) {
    const normalized = typeof origin === 'string' ? normalizeOrigin(origin) : '';
    let parsed: string | undefined;
    try {
      parsed = new URL(normalized).origin;
    } catch {
      parsed = undefined;
    }
    // Exact origins only: a wildcard or a path would widen or break the check silently.
    if (parsed !== normalized || normalized.includes('*')) {
      fail(`allowedOrigins: "${String(origin)}" is not an origin like https://chat.example.com`);
    }
    set.add(normalized);
  }
  return set;
}

/** The security switches default to on; only an explicit `false` turns one off. */
function flag(name: string, value: unknown, fail: (message: string) => never): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'boolean') fail(`${name} must be true or false`);
  return value;
}

/**
 * Merges options with the environment, applies defaults, validates everything and parses the
 * key once. Throws an `Error` naming `owner` and the problem.
 * @internal
 */
export function resolveJwtConfig(
  owner: string,
  options: JwtAuthOptions = {},
  env: Env = process.env,
): JwtConfig {
  const fail = (message: string): never => {
    throw new Error(`${owner}: ${message}`);
  };
  if (!isPlainObject(options)) fail('options must be an object');

  const keySource = resolveKeySource(owner, options, env, fail);
  const algorithms = resolveAlgorithms(
    options.algorithms ?? envList(env, 'JWT_ALGORITHMS'),
    keySource,
    fail,
  );
  const issuer = oneOrMany('issuer', options.issuer ?? envList(env, 'JWT_ISSUER'), fail);
  const audience = oneOrMany('audience', options.audience ?? envList(env, 'JWT_AUDIENCE'), fail);
  if (keySource.kind === 'jwks' && issuer === undefined) {
    // A JWKS usually signs tokens for many apps and token kinds; the issuer pins them down.
    fail('issuer (JWT_ISSUER) is required with jwksUri');
  }

  const clockToleranceSec = optionNumber(
    options.clockToleranceSec ?? envNumber(env, 'JWT_CLOCK_TOLERANCE', fail),
    0,
    `${owner}: clockToleranceSec (seconds)`,
    { min: 0 },
  );
  const maxAgeSec =
    options.maxAgeSec === undefined
      ? undefined
      : optionNumber(options.maxAgeSec, 0, `${owner}: maxAgeSec (seconds)`);

  const queryParameter = options.queryParameter ?? 'Authorization';
  if (typeof queryParameter !== 'string' || queryParameter.length === 0) {
    fail('queryParameter must be a non-empty string');
  }

  return {
    keySource,
    algorithms,
    issuer,
    audience,
    clockToleranceSec,
    maxAgeSec,
    tokenSources: resolveTokenSources(options.tokenSources, fail),
    queryParameter,
    allowedOrigins: resolveOrigins(
      options.allowedOrigins ?? envList(env, 'JWT_ALLOWED_ORIGINS'),
      fail,
    ),
    requireSub: flag('requireSub', options.requireSub, fail),
    requireExp: flag('requireExp', options.requireExp, fail),
    checkExpOnMessages: flag('checkExpOnMessages', options.checkExpOnMessages, fail),
  };
}
