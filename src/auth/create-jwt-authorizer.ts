import { lowerCaseHeaders } from '../events/header-map';
import type {
  LambdaContext,
  WebSocketAuthorizerEvent,
  WebSocketAuthorizerResult,
} from '../events/websocket-event';
import { createLogger } from '../logging/create-logger';
import type { Logger } from '../logging/logger';
import { AUTHORIZER_CONTEXT_KEYS } from './authorizer-context-keys';
import { identityFromClaims, type ClaimsIdentity } from './identity-from-claims';
import { resolveJwtConfig } from './jwt-config';
import type { JwtAuthOptions } from './jwt-options';
import { JwtVerifier, rejectionReason, type JwtRejectionReason } from './jwt-verifier';
import { isOriginAllowed } from './origin-allow-list';
import { findToken, type TokenRequest } from './token-source';
import { isPlainObject } from '../validation/is-plain-object';
import { lambdaDeadline } from '../concurrency/lambda-deadline';

/** Options of `createJwtAuthorizer`: JwtAuth's, plus how a refusal is answered. */
export interface JwtAuthorizerOptions extends JwtAuthOptions {
  /**
   * How a missing or invalid token is refused:
   * - `'unauthorized'` (default): the authorizer throws `Error('Unauthorized')`, the one answer
   *   API Gateway turns into **401**. WebSocket APIs have no gateway responses, so a Deny policy
   *   cannot be remapped to 401. The cost: each refusal counts as an invocation error in the
   *   authorizer's Lambda metrics.
   * - `'deny'`: a Deny policy, which API Gateway answers with **403**, and no Lambda error.
   *
   * An origin outside `allowedOrigins` always gets a Deny policy (403: the caller is known to be
   * unwelcome, not unauthenticated).
   */
  onInvalidToken?: 'unauthorized' | 'deny';
  /** Where refusal reasons go (never tokens). Default: `createLogger()`. */
  logger?: Logger;
}

/**
 * A Lambda REQUEST authorizer for the `$connect` route of a WebSocket API. With the Lambda
 * context, a JWKS fetch ends within the invocation's remaining time.
 */
export type JwtAuthorizer = (
  event: WebSocketAuthorizerEvent,
  context?: LambdaContext,
) => Promise<WebSocketAuthorizerResult>;

/** API Gateway refuses an authorizer context over 8 KB (and the connection with it). */
const MAX_CONTEXT_BYTES = 8 * 1024;
const ANONYMOUS = 'anonymous';
/** Origins in log lines are short; anything longer is not written whole. */
const MAX_LOGGED_ORIGIN = 200;
/**
 * API Gateway's request and connection ids (`yMLumxGak4i1zdA=`). Anything else in those fields
 * is not logged: a malformed event could carry anything there, a token included.
 */
const GATEWAY_ID = /^[A-Za-z0-9_=+/-]{1,128}$/;

function loggableId(value: unknown): string | undefined {
  return typeof value === 'string' && GATEWAY_ID.test(value) ? value : undefined;
}

function policy(
  principalId: string,
  effect: 'Allow' | 'Deny',
  resource: string,
  context?: Record<string, string>,
): WebSocketAuthorizerResult {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
    },
    ...(context ? { context } : {}),
  };
}

/**
 * Headers looked up case-insensitively, as HTTP and the context's `header()` do. The event is
 * read as untrusted input: the token sources check every value's type before parsing it.
 */
function requestOf(event: Readonly<Record<string, unknown>>): TokenRequest {
  const headers = lowerCaseHeaders(event.headers);
  const query = isPlainObject(event.queryStringParameters) ? event.queryStringParameters : {};
  return {
    header: (name) => headers[name.toLowerCase()],
    query: (name) => (Object.prototype.hasOwnProperty.call(query, name) ? query[name] : undefined),
  };
}

/**
 * The context API Gateway hands to every later event of the connection. Values must be strings,
 * numbers or booleans, so the claims go as one JSON string (read back exactly by
 * `claimsFromAuthorizerContext`) next to the flat ids; the JSON is dropped when the whole would
 * pass 8 KB. Returns undefined when even the ids do not fit.
 */
function authorizerContext(
  claims: Record<string, unknown>,
  identity: ClaimsIdentity,
): { context: Record<string, string>; full: boolean } | undefined {
  const flat: Record<string, string> = {};
  if (typeof claims.sub === 'string') flat[AUTHORIZER_CONTEXT_KEYS.sub] = claims.sub;
  if (identity.userId !== undefined) flat[AUTHORIZER_CONTEXT_KEYS.userId] = identity.userId;
  if (identity.tenantId !== undefined) flat[AUTHORIZER_CONTEXT_KEYS.tenantId] = identity.tenantId;
  const full = { ...flat, [AUTHORIZER_CONTEXT_KEYS.claims]: JSON.stringify(claims) };
  if (Buffer.byteLength(JSON.stringify(full), 'utf8') <= MAX_CONTEXT_BYTES) {
    return { context: full, full: true };
  }
  if (Buffer.byteLength(JSON.stringify(flat), 'utf8') <= MAX_CONTEXT_BYTES) {
    return { context: flat, full: false };
  }
  return undefined;
}

/**
 * Creates a Lambda REQUEST authorizer for `$connect` that verifies tokens exactly as JwtAuth does
 * (same options, environment, token sources and verifier) and passes the claims on in the
 * authorizer context, where `JwtAuth` finds them on message and `$disconnect` routes.
 *
 * An authorizer cannot set response headers: when clients send the token in
 * `Sec-WebSocket-Protocol`, the `$connect` route must still echo a subprotocol (keep JwtAuth on
 * it, or echo it in the route).
 *
 * @example
 * // authorizer.ts, deployed as the $connect route's REQUEST authorizer
 * export const handler = createJwtAuthorizer({ issuer: 'https://id.example.com', audience: 'chat' });
 */
export function createJwtAuthorizer(options: JwtAuthorizerOptions = {}): JwtAuthorizer {
  const { onInvalidToken = 'unauthorized', logger: givenLogger, ...jwtOptions } = options;
  if (onInvalidToken !== 'unauthorized' && onInvalidToken !== 'deny') {
    throw new Error(
      `createJwtAuthorizer: onInvalidToken must be 'unauthorized' or 'deny', got "${String(onInvalidToken)}"`,
    );
  }
  const config = resolveJwtConfig('createJwtAuthorizer', jwtOptions);
  const verifier = new JwtVerifier(config);
  const logger = givenLogger ?? createLogger();

  const refuse = (
    resource: string,
    reason: JwtRejectionReason,
    meta: Record<string, unknown>,
  ): WebSocketAuthorizerResult => {
    logger.warn('authorizer refused the connection', { reason, ...meta });
    // API Gateway maps exactly this error message to 401; any other error becomes 500.
    if (onInvalidToken === 'unauthorized') throw new Error('Unauthorized');
    return policy(ANONYMOUS, 'Deny', resource);
  };

  return async function jwtAuthorizer(
    given: WebSocketAuthorizerEvent,
    lambdaContext?: LambdaContext,
  ): Promise<WebSocketAuthorizerResult> {
    // Typed as API Gateway sends it, but read as anything: a malformed event is refused like a
    // request without a token, never answered with another error (API Gateway: 500).
    const event: Readonly<Record<string, unknown>> = isPlainObject(given) ? given : {};
    const requestContext = isPlainObject(event.requestContext) ? event.requestContext : {};
    const meta = {
      requestId: loggableId(requestContext.requestId),
      connectionId: loggableId(requestContext.connectionId),
    };
    const methodArn =
      typeof event.methodArn === 'string' && event.methodArn.length > 0
        ? event.methodArn
        : undefined;
    // Without the route's ARN no Allow can name it; a Deny then covers everything.
    if (methodArn === undefined) return refuse('*', 'invalid', { detail: 'no methodArn', ...meta });
    const request = requestOf(event);

    const origin = request.header('origin');
    if (!isOriginAllowed(config.allowedOrigins, origin)) {
      logger.warn('authorizer refused the connection', {
        reason: 'origin',
        origin: typeof origin === 'string' ? origin.slice(0, MAX_LOGGED_ORIGIN) : undefined,
        ...meta,
      });
      return policy(ANONYMOUS, 'Deny', methodArn);
    }

    const found = findToken(request, config.tokenSources, config.queryParameter);
    if (!found) return refuse(methodArn, 'missing', meta);

    let claims: Record<string, unknown>;
    try {
      claims = await verifier.verify(found.token, lambdaDeadline(lambdaContext));
    } catch (error) {
      const reason = rejectionReason(error);
      if (reason) return refuse(methodArn, reason, { tokenSource: found.source, ...meta });
      // The JWKS endpoint is down: not the client's fault, so not a 401 (API Gateway answers 500).
      logger.error('authorizer could not verify the token', { error, ...meta });
      throw new Error('the token could not be verified (JWKS unavailable)', { cause: error });
    }

    const identity = identityFromClaims(claims);
    const written = authorizerContext(claims, identity);
    if (!written) {
      return refuse(methodArn, 'invalid', { detail: 'identity claims over 8 KB', ...meta });
    }
    if (!written.full) {
      logger.warn(
        'claims over 8 KB: only sub, userId and tenantId go into the authorizer context',
        meta,
      );
    }
    return policy(identity.userId ?? ANONYMOUS, 'Allow', methodArn, written.context);
  };
}
