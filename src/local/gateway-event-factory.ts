import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type {
  LambdaContext,
  WebSocketAuthorizerEvent,
  WebSocketConnectEvent,
  WebSocketDisconnectEvent,
  WebSocketMessageEvent,
  WebSocketRequestIdentity,
} from '../events/websocket-event';
import { gatewayIds } from '../events/gateway-ids';

/** What the gateway knows about a connection, from its handshake on. */
export interface ConnectionFacts {
  connectionId: string;
  connectedAt: number;
  sourceIp: string;
  userAgent?: string;
  /** `requestContext.authorizer` once a Lambda authorizer allowed the connection. */
  authorizer?: Record<string, string>;
}

/** The handshake request as API Gateway forwards it. */
export interface HandshakeRequest {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  query?: {
    queryStringParameters: Record<string, string>;
    multiValueQueryStringParameters: Record<string, string[]>;
  };
}

export interface EventFactoryConfig {
  stage: string;
  apiId: string;
  /** `requestContext.domainName`: host and port of the gateway. */
  domainName: string;
  port: number;
  region: string;
  functionName: string;
}

// API Gateway consumes the hop-by-hop handshake headers and writes the forwarding ones itself.
const GATEWAY_HEADERS = new Set([
  'connection',
  'upgrade',
  'x-forwarded-port',
  'x-forwarded-proto',
  'x-amzn-trace-id',
]);

// A made-up account: ARNs only need to look right.
const ACCOUNT_ID = '123456789012';

/** Builds events shaped field for field like the ones Lambda receives from API Gateway. */
export class GatewayEventFactory {
  /** The Lambda context fields a warm container keeps across invocations, log stream included. */
  private readonly container: Partial<LambdaContext>;
  /** The last `requestTime` made and its epoch second: a thousand events a second share one. */
  private lastRequestTime = { second: NaN, text: '' };

  constructor(private readonly config: EventFactoryConfig) {
    const { functionName, region } = config;
    const day = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
    this.container = {
      callbackWaitsForEmptyEventLoop: true,
      functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${region}:${ACCOUNT_ID}:function:${functionName}`,
      memoryLimitInMB: '128',
      logGroupName: `/aws/lambda/${functionName}`,
      logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    };
  }

  /** Reads the handshake once: headers as sent, plus what API Gateway adds. */
  handshake(req: IncomingMessage, facts: ConnectionFacts): HandshakeRequest {
    const headers: Record<string, string> = {};
    const multiValueHeaders: Record<string, string[]> = {};
    // HTTP header names are case-insensitive: one entry per name, first spelling kept.
    const spelling = new Map<string, string>();
    const add = (name: string, value: string): void => {
      const key = spelling.get(name.toLowerCase()) ?? name;
      spelling.set(name.toLowerCase(), key);
      headers[key] = value;
      (multiValueHeaders[key] ??= []).push(value);
    };
    let forwardedFor: string | undefined;
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i];
      const lower = name.toLowerCase();
      if (lower === 'x-forwarded-for') forwardedFor = req.rawHeaders[i + 1];
      else if (!GATEWAY_HEADERS.has(lower)) add(name, req.rawHeaders[i + 1]);
    }
    add('X-Amzn-Trace-Id', gatewayIds.newTraceId(facts.connectedAt));
    add('X-Forwarded-For', forwardedFor ? `${forwardedFor}, ${facts.sourceIp}` : facts.sourceIp);
    add('X-Forwarded-Port', String(this.config.port));
    // AWS says https; the local gateway speaks plain http.
    add('X-Forwarded-Proto', 'http');

    const queryIndex = (req.url ?? '').indexOf('?');
    const search = queryIndex === -1 ? '' : (req.url ?? '').slice(queryIndex + 1);
    if (search === '') return { headers, multiValueHeaders };
    const queryStringParameters: Record<string, string> = {};
    const multiValueQueryStringParameters: Record<string, string[]> = {};
    for (const [name, value] of new URLSearchParams(search)) {
      queryStringParameters[name] = value;
      (multiValueQueryStringParameters[name] ??= []).push(value);
    }
    return {
      headers,
      multiValueHeaders,
      query: { queryStringParameters, multiValueQueryStringParameters },
    };
  }

  /** `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/$connect` */
  methodArn(): string {
    const { region, apiId, stage } = this.config;
    return `arn:aws:execute-api:${region}:${ACCOUNT_ID}:${apiId}/${stage}/$connect`;
  }

  authorizerEvent(
    handshake: HandshakeRequest,
    facts: ConnectionFacts,
    requestId: string,
    now: number,
  ): WebSocketAuthorizerEvent {
    return {
      type: 'REQUEST',
      methodArn: this.methodArn(),
      headers: handshake.headers,
      multiValueHeaders: handshake.multiValueHeaders,
      // Unlike the integration's event, the authorizer's always carries the query maps.
      queryStringParameters: handshake.query?.queryStringParameters ?? {},
      multiValueQueryStringParameters: handshake.query?.multiValueQueryStringParameters ?? {},
      stageVariables: {},
      requestContext: this.connectRequestContext(facts, requestId, now),
    };
  }

  /** The requestContext fields `$connect` and its authorizer share, in AWS's order. */
  private connectRequestContext(facts: ConnectionFacts, requestId: string, now: number) {
    return {
      routeKey: '$connect',
      eventType: 'CONNECT',
      extendedRequestId: requestId,
      requestTime: this.requestTime(now),
      messageDirection: 'IN',
      stage: this.config.stage,
      connectedAt: facts.connectedAt,
      requestTimeEpoch: now,
      identity: this.identity(facts, 'sourceIpFirst'),
      requestId,
      domainName: this.config.domainName,
      connectionId: facts.connectionId,
      apiId: this.config.apiId,
    } as const;
  }

  connectEvent(
    handshake: HandshakeRequest,
    facts: ConnectionFacts,
    requestId: string,
    now: number,
  ): WebSocketConnectEvent {
    return {
      headers: handshake.headers,
      multiValueHeaders: handshake.multiValueHeaders,
      // The query maps exist only when the URL has a query, as in AWS.
      ...(handshake.query ?? {}),
      requestContext: {
        ...this.connectRequestContext(facts, requestId, now),
        ...this.authorizer(facts),
        messageId: null,
        disconnectStatusCode: null,
        disconnectReason: null,
      },
      isBase64Encoded: false,
    };
  }

  messageEvent(
    facts: ConnectionFacts,
    routeKey: string,
    body: string,
    requestId: string,
    now: number,
  ): WebSocketMessageEvent {
    // No headers and no query on messages: API Gateway forwards them on $connect only.
    return {
      requestContext: {
        routeKey,
        messageId: gatewayIds.newId(),
        eventType: 'MESSAGE',
        extendedRequestId: requestId,
        requestTime: this.requestTime(now),
        messageDirection: 'IN',
        stage: this.config.stage,
        connectedAt: facts.connectedAt,
        requestTimeEpoch: now,
        identity: this.identity(facts, 'userAgentFirst'),
        requestId,
        domainName: this.config.domainName,
        connectionId: facts.connectionId,
        apiId: this.config.apiId,
        ...this.authorizer(facts),
      },
      body,
      isBase64Encoded: false,
    };
  }

  disconnectEvent(
    facts: ConnectionFacts,
    statusCode: number,
    reason: string,
    requestId: string,
    now: number,
  ): WebSocketDisconnectEvent {
    const host = this.config.domainName;
    // $disconnect carries synthetic headers, not the client's.
    return {
      headers: { Host: host, 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' },
      multiValueHeaders: {
        Host: [host],
        'x-api-key': [''],
        'X-Forwarded-For': [''],
        'x-restapi': [''],
      },
      requestContext: {
        routeKey: '$disconnect',
        disconnectStatusCode: statusCode,
        eventType: 'DISCONNECT',
        extendedRequestId: requestId,
        requestTime: this.requestTime(now),
        messageDirection: 'IN',
        disconnectReason: reason,
        stage: this.config.stage,
        connectedAt: facts.connectedAt,
        requestTimeEpoch: now,
        identity: this.identity(facts, 'userAgentFirst'),
        requestId,
        domainName: this.config.domainName,
        connectionId: facts.connectionId,
        apiId: this.config.apiId,
        ...this.authorizer(facts),
      },
      isBase64Encoded: false,
    };
  }

  /** A Lambda context whose remaining time counts down to the integration timeout. */
  lambdaContext(deadline: number): LambdaContext {
    return {
      ...this.container,
      awsRequestId: randomUUID(),
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
  }

  private requestTime(now: number): string {
    const second = Math.floor(now / 1000);
    if (this.lastRequestTime.second !== second) {
      this.lastRequestTime = { second, text: gatewayIds.requestTime(now) };
    }
    return this.lastRequestTime.text;
  }

  private identity(
    facts: ConnectionFacts,
    order: 'sourceIpFirst' | 'userAgentFirst',
  ): WebSocketRequestIdentity {
    const userAgent = facts.userAgent === undefined ? {} : { userAgent: facts.userAgent };
    // Same fields either way; the order only mirrors captured events.
    return order === 'sourceIpFirst'
      ? { sourceIp: facts.sourceIp, ...userAgent }
      : { ...userAgent, sourceIp: facts.sourceIp };
  }

  private authorizer(facts: ConnectionFacts): { authorizer?: Record<string, string> } {
    return facts.authorizer ? { authorizer: { ...facts.authorizer } } : {};
  }
}
