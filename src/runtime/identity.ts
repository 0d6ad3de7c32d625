import { claimsFromAuthorizerContext } from '../auth/claims-from-authorizer-context';
import { identityFromClaims } from '../auth/identity-from-claims';
import type { ConnectionRecord, ConnectionStore } from '../connections/connection-store';
import { contextInternals, type WebSocketContext } from '../context/websocket-context';

function applyClaims(ctx: WebSocketContext, claims: Record<string, unknown>): void {
  const identity = identityFromClaims(claims);
  ctx.claims = claims;
  ctx.userId = identity.userId;
  ctx.tenantId = identity.tenantId;
}

function applyRecord(ctx: WebSocketContext, connection: ConnectionRecord | undefined): void {
  contextInternals.setConnection(ctx, connection);
  if (!connection || ctx.claims || !connection.claims) return;
  applyClaims(ctx, connection.claims);
  if (connection.userId !== undefined) ctx.userId = connection.userId;
  if (connection.tenantId !== undefined) ctx.tenantId = connection.tenantId;
}

/**
 * Who the caller is, before any middleware runs. A Lambda authorizer's context comes first: API
 * Gateway passes it on `$connect` (after the authorizer allowed it) and on every later event of
 * the connection. Message and `$disconnect` events carry no token, so without an authorizer the
 * connection store's record (saved when `$connect` was accepted) says who it is.
 * Synchronous when there is nothing to look up.
 */
export function resolveIdentity(
  ctx: WebSocketContext,
  store: ConnectionStore | undefined,
): void | Promise<void> {
  const claims = claimsFromAuthorizerContext(ctx.event.requestContext.authorizer);
  if (claims) applyClaims(ctx, claims);
  if (!store || ctx.isConnectEvent()) return;
  return store
    .get(ctx.connectionId, contextInternals.callOptions(ctx))
    .then((connection) => applyRecord(ctx, connection));
}
