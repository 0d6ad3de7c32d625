/// <reference types="node" preserve="true" />
/**
 * lift-ws/local: a local API Gateway WebSocket API for development and tests.
 *
 * @example
 * import { startLocalGateway } from 'lift-ws/local';
 *
 * const gateway = await startLocalGateway({ handler, port: 0 });
 * // connect to gateway.wsUrl; the handler's SDK client posts to gateway.managementEndpoint
 * await gateway.close();
 */
export { LocalGateway, startLocalGateway } from './local-gateway';
export {
  AWS_WEBSOCKET_LIMITS,
  type LocalAuthorizer,
  type LocalGatewayLimits,
  type LocalGatewayOptions,
  type LocalHandler,
  type LocalHttpHook,
} from './local-gateway-options';
export { serveStatic } from './serve-static';
export { LocalFanout, type LocalFanoutWorker, type LocalFanoutWorkerOptions } from './local-fanout';
export { MANAGEMENT_ENDPOINT_VARIABLE } from './gateway-environment';
