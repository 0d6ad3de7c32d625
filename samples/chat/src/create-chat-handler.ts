import { bootstrap, type BootstrapOptions, type LiftWsHandler } from 'lift-ws';
import { chatContract } from './chat-contract';
import { ChatController } from './chat-controller';
import { connectionStoreFromEnv } from './connection-store-from-env';

/**
 * The chat's Lambda handler. JwtAuth reads its key from the environment (`JWT_SECRET` or
 * `JWT_PUBLIC_KEY`, `JWT_ISSUER`, `JWT_AUDIENCE`) right here, when bootstrap builds the routes:
 * set those first.
 */
export function createChatHandler(options: BootstrapOptions = {}): LiftWsHandler {
  return bootstrap([ChatController], {
    // Routes and contract checked against each other at cold start, both ways.
    contract: chatContract,
    // Room messages carry { room, seq } and are kept 10 minutes: the page's lift-ws/client
    // resumes after a reconnect or a rotation and shows every message once, in order.
    rooms: { history: true },
    // template.yaml sets the queue: rooms over 2,000 members go to the fan-out worker.
    ...(process.env.LIFT_WS_FANOUT_QUEUE_URL ? { fanout: {} } : {}),
    ...options,
    connections: options.connections ?? connectionStoreFromEnv(),
  });
}
