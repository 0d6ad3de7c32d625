/// <reference types="node" preserve="true" />
/**
 * lift-ws/testing: what a user needs to test controllers without AWS.
 *
 * @example
 * import { connectEvent, messageEvent, lambdaContext, ConnectionsRecorder } from 'lift-ws/testing';
 */
export { connectEvent } from './connect-event';
export { messageEvent, type MessageBody, type MessageEventOptions } from './message-event';
export { disconnectEvent, type DisconnectEventOptions } from './disconnect-event';
export { authorizerEvent, type AuthorizerEventOptions } from './authorizer-event';
export type { EventOptions, QueryValue } from './event-options';
export { lambdaContext, type LambdaContextOptions, type TestLambdaContext } from './lambda-context';
export {
  ConnectionsRecorder,
  type ConnectionsRecorderOptions,
  type RecordedPost,
  type RecordedRequest,
  type RecorderAnswer,
  type RecorderBehaviour,
} from './connections-recorder';
/** Closes the cached `@connections` clients (one per endpoint); call it in `afterAll`. */
export { destroyManagementClients } from '../management/client-cache';
