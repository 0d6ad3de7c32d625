import { createLogger } from '../logging/create-logger';
import type { Logger } from '../logging/logger';
import { optionNumber } from '../validation/option-number';
import { gatewayIds } from '../events/gateway-ids';
import {
  resolveLimits,
  type LocalAuthorizer,
  type LocalGatewayOptions,
  type LocalHandler,
  type LocalHttpHook,
  type ResolvedLimits,
} from './local-gateway-options';
import { RouteSelector } from './route-selector';

/** One identity source of the authorizer: where API Gateway looks before invoking it. */
export interface IdentitySource {
  kind: 'header' | 'querystring';
  name: string;
}

/**
 * The Lambda functions behind the gateway. Read at each invocation, so replacing them (a
 * `dev --watch` rebuild) takes effect for the next event without touching open connections.
 */
export interface GatewayFunctions {
  handler: LocalHandler;
  authorizer?: LocalAuthorizer;
}

/** Options after validation and defaults. */
export interface GatewaySettings {
  functions: GatewayFunctions;
  identitySource: readonly IdentitySource[];
  routeSelector: RouteSelector;
  /** `routeResponses: true`: the handler's error frames would repeat every route response. */
  allRoutesTwoWay: boolean;
  hasRouteResponse: (routeKey: string) => boolean;
  limits: ResolvedLimits;
  logger: Logger;
  dropDisconnect: (connectionId: string) => boolean;
  env: boolean;
  http?: LocalHttpHook;
  messageOrder: 'concurrent' | 'sequential';
  connectionsTransport: 'http' | 'in-process';
  host: string;
  port: number;
  stage: string;
  apiId: string;
  region: string;
  functionName: string;
}

/** Checks the functions a gateway starts with or is given by `replaceHandlers`. */
export function checkFunctions(
  where: string,
  functions: { handler?: unknown; authorizer?: unknown },
): void {
  if (functions.handler !== undefined && typeof functions.handler !== 'function') {
    throw new TypeError(`${where}: \`handler\` must be a function (event, context) => result`);
  }
  if (functions.authorizer !== undefined && typeof functions.authorizer !== 'function') {
    throw new TypeError(`${where}: \`authorizer\` must be a function`);
  }
}

/** Validates the options once, before the gateway listens. */
export function resolveSettings(options: LocalGatewayOptions): GatewaySettings {
  if (typeof options?.handler !== 'function') {
    throw new TypeError(
      'startLocalGateway: `handler` must be a function (event, context) => result',
    );
  }
  checkFunctions('startLocalGateway', options);
  const port = optionNumber(options.port, 0, 'startLocalGateway: port', { min: 0, integer: true });
  if (port > 65535) {
    throw new TypeError(`startLocalGateway: port must be an integer from 0 to 65535, got ${port}`);
  }
  const stage = options.stage ?? 'local';
  if (typeof stage !== 'string' || !/^[A-Za-z0-9_-]+$/.test(stage)) {
    throw new TypeError(
      `startLocalGateway: stage "${String(stage)}" must be letters, digits, '-' or '_'`,
    );
  }
  const identitySource = (options.authorizerIdentitySource ?? []).map((source) => {
    const match = /^route\.request\.(header|querystring)\.(.+)$/.exec(source);
    if (!match) {
      throw new TypeError(
        `startLocalGateway: identity source "${source}" must be route.request.header.<name> ` +
          'or route.request.querystring.<name>',
      );
    }
    return { kind: match[1] as 'header' | 'querystring', name: match[2] };
  });
  const routeResponses = options.routeResponses ?? false;
  const twoWayRoutes = new Set(Array.isArray(routeResponses) ? routeResponses : []);
  const dropDisconnect = options.dropDisconnect ?? false;
  const connectionsTransport = options.connectionsTransport ?? 'http';
  if (connectionsTransport !== 'http' && connectionsTransport !== 'in-process') {
    throw new TypeError(
      `startLocalGateway: connectionsTransport must be 'http' or 'in-process', got ${String(connectionsTransport)}`,
    );
  }
  return {
    functions: { handler: options.handler, authorizer: options.authorizer },
    identitySource,
    routeSelector: new RouteSelector(
      options.routeSelectionExpression ?? '$request.body.action',
      options.routes ?? ['$default'],
    ),
    allRoutesTwoWay: routeResponses === true,
    hasRouteResponse:
      typeof routeResponses === 'boolean'
        ? () => routeResponses
        : (routeKey) => twoWayRoutes.has(routeKey),
    limits: resolveLimits(options.limits),
    logger: options.logger ?? createLogger(),
    dropDisconnect: typeof dropDisconnect === 'function' ? dropDisconnect : () => dropDisconnect,
    env: options.env ?? true,
    http: options.http,
    messageOrder: options.messageOrder ?? 'concurrent',
    connectionsTransport,
    host: options.host ?? '127.0.0.1',
    port,
    stage,
    apiId: options.apiId ?? gatewayIds.newApiId(),
    region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    functionName: options.functionName ?? 'lift-ws-local',
  };
}

/** Host part of the gateway's URLs: a wildcard address is reached through localhost. */
export function hostForUrls(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
