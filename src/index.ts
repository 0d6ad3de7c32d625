/// <reference types="node" preserve="true" />
// The public API of lift-ws, and nothing else.
export { WebSocketController } from './decorators/websocket-controller.decorator';
export {
  OnConnect,
  OnDisconnect,
  OnMessage,
  OnDefault,
  type RouteDecorator,
  type RouteOptions,
} from './decorators/route-decorators';
export { UseMiddleware } from './decorators/use-middleware.decorator';
export { Body, Query, Header, Claims, ConnectionId, Ctx } from './decorators/param-decorators';
export type { ControllerOptions } from './metadata/controller-metadata';

export { bootstrap, type LiftWsHandler } from './runtime/bootstrap';
export type {
  BootstrapOptions,
  HeartbeatOptions,
  BroadcastDefaults,
} from './runtime/bootstrap-options';
export type { ControllerInput } from './routing/scan-controllers';
export { adaptLegacyHandler, type LegacyHandler } from './runtime/adapt-legacy-handler';
export type { ErrorEnvelope } from './runtime/error-envelope';

export { WebSocketContext } from './context/websocket-context';
export type { JoinOptions } from './context/join-options';
export type { RoomsOptions, RoomHistoryOptions } from './history/room-history-options';
export { MAX_MESSAGE_BYTES } from './events/api-gateway-limits';
export { WebSocketResponse } from './context/websocket-response';

export type {
  Middleware,
  MiddlewareFunction,
  MiddlewareObject,
  MiddlewareClass,
  Next,
} from './middleware/middleware';
export type { MetricsOptions } from './metrics/metrics-options';

export { WsError, type WsErrorOptions } from './errors/ws-error';
export {
  BadRequestError,
  UnauthorizedError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  TooManyRequestsError,
  GoneError,
} from './errors/named-errors';

export type {
  ConnectionStore,
  ConnectionRecord,
  NewConnection,
  StoreCallOptions,
  RateLimitDecision,
  TokenBucketSpec,
  RoomMessage,
  RoomHistory,
  HistoryRetention,
} from './connections/connection-store';
export type {
  BroadcastResult,
  BroadcastOptions,
  SendOptions,
  ConnectionInfo,
  MessageData,
  ManagementApi,
} from './management/management-api';

export type { Logger } from './logging/logger';
export { createLogger, type LoggerOptions, type LogFormat } from './logging/create-logger';

export type {
  WebSocketEvent,
  WebSocketEventType,
  WebSocketRequestContext,
  WebSocketConnectEvent,
  WebSocketMessageEvent,
  WebSocketDisconnectEvent,
  WebSocketAuthorizerEvent,
  WebSocketAuthorizerResult,
  WebSocketResult,
  WebSocketHandler,
  LambdaContext,
  AuthorizerContext,
} from './events/websocket-event';

export { JwtAuth } from './auth/jwt-auth';
export type { JwtAuthOptions, JwtAlgorithm, TokenSource, JwksOptions } from './auth/jwt-options';
export {
  createJwtAuthorizer,
  type JwtAuthorizer,
  type JwtAuthorizerOptions,
} from './auth/create-jwt-authorizer';
export { claimsFromAuthorizerContext } from './auth/claims-from-authorizer-context';
export { RateLimit, type RateLimitOptions, type RateSpec } from './middleware/rate-limit';

export { StoreCallError, type StoreCallFailure } from './connections/store-call-error';
export {
  MemoryConnectionStore,
  type MemoryConnectionStoreOptions,
} from './connections/memory-connection-store';
export {
  DynamoDBConnectionStore,
  type DynamoDBConnectionStoreOptions,
} from './connections/dynamodb-connection-store';
export {
  createConnectionsTable,
  type CreateConnectionsTableOptions,
} from './connections/create-connections-table';
export { ManagementClient, type ManagementClientOptions } from './management/management-client';
export { connectionsTable } from './connections/connections-table';
export { identityFromClaims, type ClaimsIdentity } from './auth/identity-from-claims';

export { defineContract } from './contract/define-contract';
export type {
  ActionBody,
  ActionName,
  ActionReply,
  ActionSchemas,
  Contract,
  ContractAction,
  ContractDefinition,
  ContractEvent,
  EventName,
  EventPayload,
} from './contract/contract-types';
export { validateWithSchema, type ValidationResult } from './contract/validate-with-schema';
export { parseWithSchema } from './contract/parse-with-schema';
export { ValidationFailedError } from './contract/validation-failed-error';
export type { ValidationIssue } from './contract/validation-issue';

export { createFanoutWorker, type FanoutWorkerOptions } from './fanout/create-fanout-worker';
export type { FanoutOptions } from './fanout/fanout-options';
export type { QueuedBroadcastResult } from './fanout/distribute-broadcast';
