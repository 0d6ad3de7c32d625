import type { WebSocketContext } from '../context/websocket-context';
import { ForbiddenError } from '../errors/named-errors';
import { WsError } from '../errors/ws-error';
import { claimsFromAuthorizerContext } from './claims-from-authorizer-context';
import { hasSubject } from './has-subject';
import { identityFromClaims } from './identity-from-claims';
import { resolveJwtConfig, type JwtConfig } from './jwt-config';
import type { JwtAuthOptions } from './jwt-options';
import { JwtVerifier, rejectionReason, tokenRejected } from './jwt-verifier';
import type { MiddlewareObject, Next } from '../middleware/middleware';
import { isOriginAllowed } from './origin-allow-list';
import { describeTokenSources, findToken } from './token-source';
import { lambdaDeadline } from '../concurrency/lambda-deadline';

/** A number, or the decimal string API Gateway makes of it in the authorizer context. */
const NUMERIC = /^-?\d+(\.\d+)?$/;

function expiryOf(claims: Readonly<Record<string, unknown>>): number | 'none' | 'unreadable' {
  const exp = claims.exp;
  if (exp === undefined || exp === null) return 'none';
  if (typeof exp === 'number') return Number.isFinite(exp) ? exp : 'unreadable';
  if (typeof exp === 'string' && NUMERIC.test(exp)) return Number(exp);
  return 'unreadable';
}

/** Origins are short; a longer value is cut in the log line rather than written whole. */
const MAX_LOGGED_ORIGIN = 200;

/**
 * Authenticates WebSocket connections with a JWT.
 *
 * On `$connect` the token is read from the `Authorization` query parameter, then an
 * `Authorization: Bearer` header, then `Sec-WebSocket-Protocol` (configurable), and verified with
 * an explicit algorithm allow-list, issuer, audience and clock tolerance. A missing or bad token
 * refuses the handshake with 401 (the route never runs); an origin outside `allowedOrigins`
 * with 403. The claims land on `ctx.claims`, `ctx.userId` (`sub`, else `userId`) and
 * `ctx.tenantId` (`tenant_id`, else `tenantId`).
 *
 * Message and `$disconnect` events carry no token: the claims come from the runtime (the
 * connection store) or from `requestContext.authorizer` when `createJwtAuthorizer` guarded
 * `$connect`; without either, 401. On message events the claims' `exp` is checked again (a
 * connection lives up to 2 hours, a token often minutes): once it has passed, beyond
 * `clockToleranceSec`, the event is refused with 401 `TOKEN_EXPIRED` and the client should
 * reconnect with a fresh token (`checkExpOnMessages: false` turns this off).
 *
 * Bare, it reads its configuration from the environment when bootstrap constructs it:
 * `JWT_SECRET` | `JWT_PUBLIC_KEY` | `JWT_JWKS_URI`, `JWT_ISSUER`, `JWT_AUDIENCE`,
 * `JWT_ALGORITHMS`, `JWT_CLOCK_TOLERANCE`, `JWT_ALLOWED_ORIGINS`. Bad configuration throws then,
 * not on the first event. Tokens are never logged.
 *
 * @example
 * @WebSocketController()
 * @UseMiddleware(JwtAuth)
 * class ChatController { ... }
 *
 * @example
 * @UseMiddleware(JwtAuth.with({ publicKey: PEM, issuer: 'https://id.example.com', audience: 'chat' }))
 */
export class JwtAuth implements MiddlewareObject {
  /** Tells bootstrap to warn when a guarded message route could never see claims. */
  readonly requiresIdentity = true;
  readonly #config: JwtConfig;
  readonly #verifier: JwtVerifier;
  readonly #missingTokenMessage: string;

  /**
   * A configured JwtAuth; options left out fall back to the environment.
   *
   * @example
   * JwtAuth.with({ secret: process.env.CHAT_JWT_SECRET, tokenSources: ['protocol'] });
   */
  static with(options: JwtAuthOptions): JwtAuth {
    return new JwtAuth(options);
  }

  /** Validates the options (and environment) and parses the key, once. */
  constructor(options: JwtAuthOptions = {}) {
    this.#config = resolveJwtConfig('JwtAuth', options);
    this.#verifier = new JwtVerifier(this.#config);
    this.#missingTokenMessage = `no token: send it in ${describeTokenSources(
      this.#config.tokenSources,
      this.#config.queryParameter,
    )}`;
  }

  async use(ctx: WebSocketContext, next: Next): Promise<unknown> {
    if (ctx.eventType === 'CONNECT') await this.#authenticateConnect(ctx);
    else this.#identifyConnection(ctx);
    return next();
  }

  async #authenticateConnect(ctx: WebSocketContext): Promise<void> {
    const { allowedOrigins, tokenSources, queryParameter } = this.#config;
    const origin: unknown = ctx.header('origin');
    if (!isOriginAllowed(allowedOrigins, origin)) {
      ctx.logger.warn('JwtAuth refused the connection', {
        reason: 'origin',
        origin: typeof origin === 'string' ? origin.slice(0, MAX_LOGGED_ORIGIN) : undefined,
      });
      throw new ForbiddenError('this origin may not connect', { reason: 'origin' });
    }

    const found = findToken(ctx, tokenSources, queryParameter);
    if (!found) {
      ctx.logger.warn('JwtAuth refused the connection', { reason: 'missing' });
      throw tokenRejected('missing', this.#missingTokenMessage);
    }

    let claims: Record<string, unknown>;
    try {
      claims = await this.#verifier.verify(found.token, lambdaDeadline(ctx.lambdaContext));
    } catch (error) {
      // Only the reason and where the token came from: never the token or its header.
      const reason = rejectionReason(error);
      if (reason) {
        ctx.logger.warn('JwtAuth refused the connection', { reason, tokenSource: found.source });
      } else {
        ctx.logger.error('JwtAuth could not verify the token', {
          error,
          tokenSource: found.source,
        });
      }
      throw error;
    }

    // A verified token is authoritative: it replaces whatever ids were set before.
    const identity = identityFromClaims(claims);
    ctx.claims = claims;
    ctx.userId = identity.userId;
    ctx.tenantId = identity.tenantId;
    // The browser closes a socket whose 101 does not select one of its offered subprotocols.
    if (found.protocol !== undefined) ctx.setHeader('Sec-WebSocket-Protocol', found.protocol);
  }

  #identifyConnection(ctx: WebSocketContext): void {
    // Claims the runtime hydrated (connection store or authorizer context) or, when JwtAuth runs
    // on its own, the authorizer context read here; either way held to requireSub, so a custom
    // authorizer that leaves out `sub` cannot open a guarded route.
    const claims = ctx.claims ?? claimsFromAuthorizerContext(ctx.event.requestContext.authorizer);
    if (!claims) {
      ctx.logger.warn('JwtAuth refused the event', { reason: 'no-claims' });
      throw tokenRejected(
        'no-claims',
        'no verified identity for this connection (no authorizer context and no stored claims)',
      );
    }
    if (this.#config.requireSub && !hasSubject(claims)) {
      ctx.logger.warn('JwtAuth refused the event', { reason: 'missing-sub' });
      throw tokenRejected('missing-sub', "the connection's claims have no sub or userId");
    }
    // $disconnect is not refused: its route is the app's cleanup, and API Gateway ignores the
    // answer anyway.
    if (this.#config.checkExpOnMessages && ctx.eventType === 'MESSAGE') {
      this.#checkExpiry(ctx, claims);
    }
    const identity = identityFromClaims(claims);
    // Ids the runtime already set (from the stored connection) win over the claims.
    ctx.claims = claims;
    ctx.userId ??= identity.userId;
    ctx.tenantId ??= identity.tenantId;
  }

  #checkExpiry(ctx: WebSocketContext, claims: Readonly<Record<string, unknown>>): void {
    const exp = expiryOf(claims);
    // Claims without `exp` come from an authorizer that set none; the token itself was held to
    // requireExp on $connect.
    if (exp === 'none') return;
    if (exp !== 'unreadable' && Date.now() / 1000 < exp + this.#config.clockToleranceSec) return;
    ctx.logger.warn('JwtAuth refused the event', {
      reason: exp === 'unreadable' ? 'invalid-exp' : 'expired',
    });
    throw new WsError(
      401,
      'TOKEN_EXPIRED',
      exp === 'unreadable'
        ? "the connection's exp claim is not a time; reconnect with a fresh token"
        : "the connection's token has expired; reconnect with a fresh token",
      { reason: 'expired' },
    );
  }
}
