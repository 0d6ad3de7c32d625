/**
 * lift-ws/client: a client for browsers and Node, typed by a `defineContract` contract. No
 * runtime dependencies; pass `ws`'s WebSocket on Node 20.
 *
 * @example
 * import { createClient } from 'lift-ws/client';
 * const client = createClient(chat, { url, token });
 */
export { createClient } from './create-client';
export {
  LiftWsClient,
  type ClientJoinOptions,
  type DroppedFrame,
  type RequestOptions,
} from './lift-ws-client';
export type { ResumeGap } from './room-sequencer';
export type { ClientOptions, TokenOption } from './client-options';
export type { ClientState } from './client-state';
export { ClientError, type ClientErrorCode } from './client-error';
export type { ClientClock } from './client-clock';
export type { WebSocketConstructor, WebSocketLike } from './websocket-like';
/** A contract shared with a browser page is defined from here: this entry loads no server code. */
export { defineContract } from '../contract/define-contract';
export type { Contract, ActionSchemas } from '../contract/contract-types';
