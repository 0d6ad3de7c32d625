import type { ConnectionStore } from '../connections/connection-store';
import type { WebSocketContext } from '../context/websocket-context';
import { claimsFromAuthorizerContext } from '../auth/claims-from-authorizer-context';
import { identityFromClaims } from '../auth/identity-from-claims';

function applyClaims(ctx: WebSocketContext, claims: Record<string, unknown>): void {
  const identity = identityFromClaims(claims);
  ctx.claims = claims;
  ctx.userId = identity.userId;
  ctx.tenantId = identity.tenantId;
}

/**
 * Message and `$disconnect` events carry no token. Who the caller is comes from the Lambda
 * authorizer's context (API Gateway repeats it on every event of the connection), else from the
 * connection store, which saved the claims when `$connect` was accepted.
 */
export async function hydrateIdentity(
  ctx: WebSocketContext,
  store: ConnectionStore | undefined,
): Promise<void> {
  const authorizer = ctx.event.requestContext.authorizer;
  if (authorizer && typeof authorizer === 'object') {
    const claims = claimsFromAuthorizerContext(authorizer);
    if (claims) applyClaims(ctx, claims);
  }
  if (!store) return;
  const connection = await store.get(ctx.connectionId);
  ctx.connection = connection;
  if (connection && !ctx.claims && connection.claims) {
    applyClaims(ctx, connection.claims);
    if (connection.userId !== undefined) ctx.userId = connection.userId;
    if (connection.tenantId !== undefined) ctx.tenantId = connection.tenantId;
  }
}
