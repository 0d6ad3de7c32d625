import type { KeyObject } from 'node:crypto';
import {
  JsonWebTokenError,
  NotBeforeError,
  TokenExpiredError,
  decode as decodeJwt,
  verify as verifyJwt,
  type JwtHeader,
  type JwtPayload,
  type VerifyOptions,
} from 'jsonwebtoken';
import { UnauthorizedError } from '../errors/named-errors';
import { WsError } from '../errors/ws-error';
import { isPlainObject } from '../validation/is-plain-object';
import { hasSubject } from './has-subject';
import { JwksKeyNotFoundError, JwksKeyStore } from './jwks-key-store';
import type { JwtConfig } from './jwt-config';
import type { JwtAlgorithm } from './jwt-options';

/** Why a connection was refused; also in the error's `details.reason`. */
export type JwtRejectionReason =
  | 'missing'
  | 'malformed'
  | 'unsigned'
  | 'algorithm'
  | 'invalid-signature'
  | 'expired'
  | 'not-yet-valid'
  | 'too-old'
  | 'issuer'
  | 'audience'
  | 'missing-sub'
  | 'missing-exp'
  | 'missing-iat'
  | 'unknown-key'
  | 'no-claims'
  | 'invalid';

/** Messages say why, for the client and the log; none of them may ever contain the token. */
const MESSAGES: Readonly<Record<JwtRejectionReason, string>> = {
  missing: 'no token',
  malformed: 'the token is malformed',
  unsigned: 'unsigned tokens (alg "none") are not accepted',
  algorithm: 'the token algorithm is not allowed',
  'invalid-signature': 'the token signature is invalid',
  expired: 'the token has expired',
  'not-yet-valid': 'the token is not valid yet (nbf)',
  'too-old': 'the token is too old (iat beyond the maximum age)',
  issuer: 'the token issuer is not accepted',
  audience: 'the token audience is not accepted',
  'missing-sub': 'the token has no sub claim (nor a userId claim)',
  'missing-exp': 'the token has no exp claim',
  'missing-iat': 'the token has no iat claim, needed for the maximum age',
  'unknown-key': 'the token signing key (kid) is unknown',
  'no-claims': 'no verified identity for this connection',
  invalid: 'the token is invalid',
};

/**
 * A 401 carrying the reason. `cause` keeps the library error for logs: jsonwebtoken's and the
 * JWKS store's messages never include the token.
 * @internal
 */
export function tokenRejected(
  reason: JwtRejectionReason,
  message?: string,
  cause?: unknown,
): UnauthorizedError {
  return new UnauthorizedError(
    message ?? MESSAGES[reason],
    { reason },
    cause === undefined ? undefined : { cause },
  );
}

/** The reason in a rejection made by `tokenRejected`. @internal */
export function rejectionReason(error: unknown): JwtRejectionReason | undefined {
  if (!(error instanceof UnauthorizedError)) return undefined;
  const details = error.details as { reason?: JwtRejectionReason } | undefined;
  return details?.reason;
}

/** Header lines are ~8 KB at most in practice; anything far longer is not a token of ours. */
const MAX_TOKEN_LENGTH = 16 * 1024;

/** Maps jsonwebtoken's errors (identified by class and message) to a reason. */
function reasonOf(error: unknown): JwtRejectionReason {
  if (error instanceof TokenExpiredError) {
    return error.message === 'maxAge exceeded' ? 'too-old' : 'expired';
  }
  if (error instanceof NotBeforeError) return 'not-yet-valid';
  if (!(error instanceof Error)) return 'invalid';
  const message = error.message;
  if (message === 'invalid signature') return 'invalid-signature';
  if (message === 'jwt signature is required') return 'unsigned';
  if (message === 'jwt malformed' || message === 'invalid token') return 'malformed';
  if (message.startsWith('jwt issuer invalid')) return 'issuer';
  if (message.startsWith('jwt audience invalid')) return 'audience';
  if (message.startsWith('iat required')) return 'missing-iat';
  // 'invalid algorithm', a key type that does not fit the header's alg, a wrong EC curve.
  if (
    message === 'invalid algorithm' ||
    message.includes('secretOrPublicKey must be') ||
    message.includes('"alg"')
  ) {
    return 'algorithm';
  }
  return error instanceof JsonWebTokenError ? 'invalid' : 'malformed';
}

/**
 * Verifies tokens for JwtAuth and createJwtAuthorizer alike: one verifier per configuration,
 * built once, so keys are parsed and JWKS answers cached for the life of the container.
 * @internal
 */
export class JwtVerifier {
  private readonly config: JwtConfig;
  private readonly verifyOptions: VerifyOptions;
  /** The parsed key, or the JWKS to pick one from per token. */
  private readonly keys: KeyObject | JwksKeyStore;

  constructor(config: JwtConfig) {
    this.config = config;
    this.verifyOptions = {
      algorithms: [...config.algorithms],
      issuer: config.issuer,
      audience: config.audience,
      clockTolerance: config.clockToleranceSec,
      maxAge: config.maxAgeSec,
    };
    const source = config.keySource;
    this.keys = source.kind === 'jwks' ? new JwksKeyStore(source.uri, source.jwks) : source.key;
  }

  /**
   * Verifies signature, algorithm, time claims, issuer, audience and the required claims.
   * @param deadline epoch ms by which a JWKS fetch must have ended (the Lambda's budget).
   * @returns the token's claims.
   * @throws UnauthorizedError (401) with `details.reason`; WsError 503 when the JWKS endpoint
   * cannot be reached (not the client's fault: a 401 would make it drop a good token).
   */
  async verify(token: string, deadline?: number): Promise<Record<string, unknown>> {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) {
      throw tokenRejected('malformed');
    }
    const key =
      this.keys instanceof JwksKeyStore
        ? await this.jwksKey(token, this.keys, deadline)
        : this.keys;
    let payload: string | JwtPayload;
    try {
      payload = verifyJwt(token, key, this.verifyOptions);
    } catch (error) {
      throw tokenRejected(reasonOf(error), undefined, error);
    }
    if (!isPlainObject(payload)) {
      throw tokenRejected('malformed', 'the token payload is not a JSON object');
    }
    if (this.config.requireExp && typeof payload.exp !== 'number') {
      throw tokenRejected('missing-exp');
    }
    if (this.config.requireSub && !hasSubject(payload)) throw tokenRejected('missing-sub');
    return payload;
  }

  /** Picks the JWKS key by `kid`, refusing disallowed algorithms before any network call. */
  private async jwksKey(
    token: string,
    jwks: JwksKeyStore,
    deadline: number | undefined,
  ): Promise<KeyObject> {
    let header: JwtHeader | undefined;
    try {
      header = decodeJwt(token, { complete: true })?.header;
    } catch {
      header = undefined;
    }
    if (!header || typeof header.alg !== 'string') throw tokenRejected('malformed');
    if (header.alg.toLowerCase() === 'none') throw tokenRejected('unsigned');
    if (!this.config.algorithms.includes(header.alg as JwtAlgorithm)) {
      throw tokenRejected('algorithm');
    }
    const kid = typeof header.kid === 'string' ? header.kid : undefined;

    let signingKey: Awaited<ReturnType<JwksKeyStore['signingKey']>>;
    try {
      signingKey = await jwks.signingKey(kid, deadline);
    } catch (error) {
      if (error instanceof JwksKeyNotFoundError) {
        throw tokenRejected('unknown-key', undefined, error);
      }
      throw new WsError(
        503,
        'AUTH_UNAVAILABLE',
        'the token cannot be verified right now; try again later',
        undefined,
        { cause: error },
      );
    }
    // A JWK that names its algorithm must not be used with another one.
    if (signingKey.alg !== undefined && signingKey.alg !== header.alg) {
      throw tokenRejected('algorithm');
    }
    return signingKey.key;
  }
}
