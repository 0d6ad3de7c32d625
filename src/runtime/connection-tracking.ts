import type { ConnectionStore, NewConnection } from '../connections/connection-store';
import { contextInternals, type WebSocketContext } from '../context/websocket-context';
import type { WebSocketResult } from '../events/websocket-event';

/** Epoch ms that `Date` can represent (±8.64e15); anything else has no ISO form. */
const MAX_DATE_MS = 8.64e15;

function toIso(epochMs: unknown): string | undefined {
  return typeof epochMs === 'number' && Number.isFinite(epochMs) && Math.abs(epochMs) <= MAX_DATE_MS
    ? new Date(epochMs).toISOString()
    : undefined;
}

function accepted(result: WebSocketResult): boolean {
  return result.statusCode >= 200 && result.statusCode < 300;
}

/** What the store keeps of an accepted connection: identity and the rooms joined on `$connect`. */
function recordOf(ctx: WebSocketContext): NewConnection {
  return {
    connectionId: ctx.connectionId,
    userId: ctx.userId,
    tenantId: ctx.tenantId,
    claims: ctx.claims,
    connectedAt: toIso(ctx.event.requestContext.connectedAt),
    rooms: contextInternals.pendingJoins(ctx),
  };
}

/**
 * Saves an accepted `$connect` with its rooms in one store call, all or nothing: a refused or
 * failed handshake leaves no record behind. When the save fails (a timeout may have written
 * part of it) whatever it wrote is deleted before the error answers the handshake.
 */
export async function saveAcceptedConnection(
  ctx: WebSocketContext,
  store: ConnectionStore,
  result: WebSocketResult,
): Promise<void> {
  if (!accepted(result)) return;
  try {
    await store.save(recordOf(ctx), contextInternals.callOptions(ctx));
  } catch (error) {
    await store.delete(ctx.connectionId).catch((cleanupError: unknown) => {
      ctx.logger.warn('could not remove a half-saved connection; its TTL will', {
        error: cleanupError,
      });
    });
    throw error;
  }
}

/**
 * Forgets a closed connection and its memberships, whatever the route answered.
 * `$disconnect` is best effort in API Gateway too (its answer is ignored): TTL is the backstop.
 */
export async function forgetDisconnected(
  ctx: WebSocketContext,
  store: ConnectionStore,
): Promise<void> {
  try {
    await store.delete(ctx.connectionId, contextInternals.callOptions(ctx));
  } catch (error) {
    ctx.logger.warn('could not delete the connection on $disconnect', { error });
  }
}
