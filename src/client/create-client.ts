import type { Contract } from '../contract/contract-types';
import { resolveClientOptions, type ClientOptions } from './client-options';
import { LiftWsClient } from './lift-ws-client';

/**
 * A client for a lift-ws API, typed by its contract: requests with typed replies, typed events,
 * rooms, and API Gateway's rules handled (token as subprotocol, reconnect with backoff,
 * heartbeat under the 10-minute idle limit, rotation before the 2-hour limit). Connects at once.
 *
 * @example
 * import { createClient } from 'lift-ws/client';
 * import { chat } from './chat-contract';
 *
 * const client = createClient(chat, { url: 'wss://abc.execute-api.eu-west-1.amazonaws.com/prod', token: () => auth.token() });
 * client.join('lobby');
 * client.on('message', (m) => render(m.user, m.text));
 * const { at } = await client.request('sendMessage', { room: 'lobby', text: 'hi' });
 */
export function createClient<C extends Contract>(
  contract: C,
  options: ClientOptions,
): LiftWsClient<C> {
  if (contract?.kind !== 'contract') {
    throw new TypeError('createClient needs a contract from defineContract({ actions, events })');
  }
  return new LiftWsClient<C>(contract, resolveClientOptions(options));
}
