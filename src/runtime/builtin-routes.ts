import type { ConnectionStore } from '../connections/connection-store';
import { contextInternals, type WebSocketContext } from '../context/websocket-context';
import { BadRequestError, NotFoundError } from '../errors/named-errors';
import type { ComposedRoute } from '../middleware/compose';
import type { ScanOptions } from '../routing/scan-controllers';

const PONG = JSON.stringify({ type: 'pong' });
/** A heartbeat moves `lastSeenAt` at most this often: a ping every 30 s need not write each time. */
const TOUCH_INTERVAL_MS = 60_000;

/** How the built-in heartbeat answers. */
export interface HeartbeatSettings {
  readonly action: string;
  readonly reply: 'frame' | 'response';
}

/** The routes for events no controller handles: accept the handshake, refuse unknown actions. */
export const fallbackRoutes: ScanOptions['fallbacks'] = {
  connect: () => undefined,
  disconnect: () => undefined,
  message: (ctx: WebSocketContext) => {
    if (ctx.routeKey === '$default') {
      if (contextInternals.tryBody(ctx) === undefined) {
        throw new BadRequestError(
          'the message is not JSON, so it has no action; send {"action": "...", ...}',
        );
      }
      if (ctx.action === undefined) throw new BadRequestError('the message has no action field');
    }
    throw new NotFoundError(`unknown action "${ctx.action ?? ctx.routeKey}"`);
  },
};

/**
 * The heartbeat action (`ping` by default): answers `{"type":"pong"}` and keeps the stored
 * connection fresh, writing to the store at most once a minute per connection (the record read
 * for identity tells when it was last touched).
 */
export function heartbeatRoute(
  heartbeat: HeartbeatSettings,
  store: ConnectionStore | undefined,
): ComposedRoute {
  return async (ctx) => {
    if (store && isStale(ctx)) {
      await store.touch(ctx.connectionId, contextInternals.callOptions(ctx));
    }
    if (heartbeat.reply === 'response') return ctx.status(200).text(PONG);
    await ctx.send(PONG);
    return undefined;
  };
}

function isStale(ctx: WebSocketContext): boolean {
  const lastSeen = ctx.connection ? Date.parse(ctx.connection.lastSeenAt) : NaN;
  return !(Date.now() - lastSeen < TOUCH_INTERVAL_MS);
}
