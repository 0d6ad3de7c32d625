/**
 * API Gateway WebSocket event shapes as Lambda really receives them (proxy integration).
 *
 * `APIGatewayProxyWebsocketEventV2` from @types/aws-lambda lacks `headers`,
 * `multiValueHeaders`, `identity`, `authorizer` and the disconnect fields, and types
 * `messageId` as non-null although it is null on CONNECT; these types follow real events.
 */

export type WebSocketEventType = 'CONNECT' | 'MESSAGE' | 'DISCONNECT';

/** Values a Lambda REQUEST authorizer put into its context; API Gateway stringifies them. */
export type AuthorizerContext = Record<string, string | number | boolean | null | undefined>;

export interface WebSocketRequestIdentity {
  sourceIp: string;
  userAgent?: string;
  [key: string]: unknown;
}

export interface WebSocketRequestContext {
  routeKey: string;
  eventType: WebSocketEventType;
  connectionId: string;
  extendedRequestId?: string;
  requestId: string;
  requestTime?: string;
  requestTimeEpoch?: number;
  messageDirection?: 'IN';
  messageId?: string | null;
  stage: string;
  domainName: string;
  apiId: string;
  connectedAt?: number;
  identity?: WebSocketRequestIdentity;
  /** Present on every event of a connection whose $connect passed a Lambda authorizer. */
  authorizer?: AuthorizerContext | null;
  disconnectStatusCode?: number | null;
  disconnectReason?: string | null;
  [key: string]: unknown;
}

export interface WebSocketEvent {
  requestContext: WebSocketRequestContext;
  headers?: Record<string, string | undefined> | null;
  multiValueHeaders?: Record<string, string[] | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
  stageVariables?: Record<string, string | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
}

export interface WebSocketConnectEvent extends WebSocketEvent {
  requestContext: WebSocketRequestContext & { eventType: 'CONNECT'; routeKey: '$connect' };
  headers: Record<string, string | undefined>;
  multiValueHeaders: Record<string, string[] | undefined>;
}

export interface WebSocketMessageEvent extends WebSocketEvent {
  requestContext: WebSocketRequestContext & { eventType: 'MESSAGE'; messageId: string };
  body: string;
}

export interface WebSocketDisconnectEvent extends WebSocketEvent {
  requestContext: WebSocketRequestContext & {
    eventType: 'DISCONNECT';
    routeKey: '$disconnect';
    disconnectStatusCode?: number | null;
    disconnectReason?: string | null;
  };
}

/** What a Lambda REQUEST authorizer on `$connect` receives. */
export interface WebSocketAuthorizerEvent {
  type: 'REQUEST';
  methodArn: string;
  headers?: Record<string, string | undefined> | null;
  multiValueHeaders?: Record<string, string[] | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
  stageVariables?: Record<string, string | undefined> | null;
  requestContext: WebSocketRequestContext;
}

export interface WebSocketAuthorizerResult {
  principalId: string;
  policyDocument: {
    Version: '2012-10-17';
    Statement: Array<{ Action: 'execute-api:Invoke'; Effect: 'Allow' | 'Deny'; Resource: string }>;
  };
  /** Strings, numbers or booleans only (no objects), 8 KB at most. */
  context?: Record<string, string | number | boolean>;
}

/** The handler's answer (APIGatewayProxyResultV2-like). */
export interface WebSocketResult {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
}

/** The subset of the Lambda context the framework reads. */
export interface LambdaContext {
  awsRequestId: string;
  functionName?: string;
  functionVersion?: string;
  invokedFunctionArn?: string;
  memoryLimitInMB?: string;
  logGroupName?: string;
  logStreamName?: string;
  getRemainingTimeInMillis?: () => number;
  [key: string]: unknown;
}

/** A Lambda handler for WebSocket events. */
export type WebSocketHandler = (
  event: WebSocketEvent,
  context?: LambdaContext,
) => Promise<WebSocketResult>;
