import type { KeyObject } from 'node:crypto';

/**
 * Signature algorithms JwtAuth can verify. `none` is deliberately absent: an unsigned token is
 * never accepted, whatever the configuration says.
 */
export type JwtAlgorithm =
  | 'HS256'
  | 'HS384'
  | 'HS512'
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512';

/**
 * Where a `$connect` may carry its token:
 * - `query`: `wss://.../prod?Authorization=<jwt>` (what Lift reads);
 * - `header`: `Authorization: Bearer <jwt>` (server-side clients);
 * - `protocol`: `Sec-WebSocket-Protocol: <jwt>` or `bearer, <jwt>` (browsers cannot set other
 *   headers on a WebSocket).
 */
export type TokenSource = 'query' | 'header' | 'protocol';

/** How the JWKS endpoint is fetched and cached. */
export interface JwksOptions {
  /**
   * How long fetched signing keys count as fresh, in ms. Default 600000 (10 min). While a refresh
   * fails (or is rate limited) the cached keys keep verifying tokens.
   */
  cacheMaxAgeMs?: number;
  /**
   * At most this many JWKS fetches per minute, failed ones included: the first fetch, refreshes
   * and refetches for an unknown `kid` all count, so neither made-up `kid`s nor a failing
   * endpoint can turn connections into a flood of requests. Default 10.
   */
  requestsPerMinute?: number;
  /**
   * Hard timeout of one JWKS request in ms (connect, headers and body together), further
   * bounded by the Lambda's remaining time. Default 5000.
   */
  timeoutMs?: number;
}

/**
 * Options of `JwtAuth.with({...})` and `createJwtAuthorizer({...})`. Anything left out falls back
 * to the environment (`JWT_SECRET` | `JWT_PUBLIC_KEY` | `JWT_JWKS_URI`, `JWT_ISSUER`,
 * `JWT_AUDIENCE`, `JWT_ALGORITHMS`, `JWT_CLOCK_TOLERANCE`, `JWT_ALLOWED_ORIGINS`); the key
 * variables are read only when no key option is given.
 *
 * Exactly one of `secret`, `publicKey` and `jwksUri` must end up set. The options are validated
 * and the key parsed once, when the middleware or authorizer is created.
 *
 * @example
 * JwtAuth.with({
 *   jwksUri: 'https://example.auth0.com/.well-known/jwks.json',
 *   issuer: 'https://example.auth0.com/',
 *   audience: 'chat-api',
 *   allowedOrigins: ['https://chat.example.com'],
 * });
 */
export interface JwtAuthOptions {
  /**
   * HMAC secret (HS256/384/512). At least as long as the hash (32 bytes for HS256), as RFC 7518
   * §3.2 requires: short secrets can be brute-forced offline from one token.
   */
  secret?: string | Buffer | KeyObject;
  /** PEM public key or certificate (RS, PS or ES algorithms). Literal `\n` sequences are accepted. */
  publicKey?: string | Buffer | KeyObject;
  /** A JWKS URL (https; http only for localhost). Keys are picked by the token's `kid`. */
  jwksUri?: string;
  /** JWKS fetching and caching. */
  jwks?: JwksOptions;
  /**
   * The algorithms accepted, as an explicit allow-list consistent with the key: HS256/384/512
   * for a secret, RS, PS or ES algorithms for a public key or JWKS. Mixing HMAC with a public key is refused
   * (algorithm confusion). Default: HS256 for a secret; RS256 for an RSA key or JWKS; the
   * curve's ES* for an EC key.
   */
  algorithms?: readonly JwtAlgorithm[];
  /** Accepted `iss` value(s). Required with `jwksUri`. */
  issuer?: string | readonly string[];
  /** Accepted `aud` value(s); a token matches when one of its audiences is listed. */
  audience?: string | readonly string[];
  /** Seconds of clock skew tolerated on `exp`, `nbf` and `maxAgeSec`. Default 0. */
  clockToleranceSec?: number;
  /** Refuse tokens issued (`iat`) more than this many seconds ago. */
  maxAgeSec?: number;
  /** Where to look for the token on `$connect`, in order. Default `['query', 'header', 'protocol']`. */
  tokenSources?: readonly TokenSource[];
  /** The query parameter of the `query` source. Default `Authorization`. */
  queryParameter?: string;
  /**
   * Origins allowed to open a connection (`https://chat.example.com`). A browser `$connect`
   * from any other origin is refused with 403: browsers let any page open a WebSocket to any
   * host, so without this check another site could open one with the user's credentials
   * (cross-site WebSocket hijacking). Requests without `Origin` (non-browser clients) pass.
   */
  allowedOrigins?: readonly string[];
  /**
   * Require the claims to name a user: a non-empty `sub`, else a `userId` claim (the id that
   * becomes `ctx.userId`). Checked on the token at `$connect` and, the same way, on the stored
   * or authorizer claims of every later event. Default true.
   */
  requireSub?: boolean;
  /** Require an `exp` claim: a token without one would be valid forever. Default true. */
  requireExp?: boolean;
  /**
   * Check `exp` again on every message event, against the claims from the connection store or
   * the authorizer context: a connection lives up to 2 hours, its token often minutes. Once
   * `exp` has passed (beyond `clockToleranceSec`) the message is refused with 401
   * `TOKEN_EXPIRED`, and the client should reconnect with a fresh token. `$disconnect` is never
   * refused. Default true; `false` lets a connection outlive its token. JwtAuth only:
   * `createJwtAuthorizer` runs on `$connect` alone.
   *
   * @example
   * JwtAuth.with({ secret, checkExpOnMessages: false }); // tokens are checked on $connect only
   */
  checkExpOnMessages?: boolean;
}
