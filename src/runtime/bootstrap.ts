import type { ContextServices, EndpointFacts } from '../context/context-services';
import type { Logger } from '../logging/logger';
import { getManagementClient } from '../management/client-cache';
import type { ManagementApi } from '../management/management-api';
import { resolveEndpoint } from '../management/resolve-endpoint';
import { EmfMetrics } from '../metrics/emf-metrics';
import type { Contract } from '../contract/contract-types';
import type { RouteTable } from '../routing/route-table';
import { scanControllers, type ControllerInput } from '../routing/scan-controllers';
import type { BootstrapOptions } from './bootstrap-options';
import { fallbackRoutes, heartbeatRoute } from './builtin-routes';
import { createEventPipeline, UNROUTED, type LiftWsHandler } from './event-pipeline';
import { resolveSettings, type RuntimeSettings } from './runtime-settings';

export type { LiftWsHandler } from './event-pipeline';

/**
 * Scans the controllers once and returns the Lambda handler. Everything that can be wrong
 * (options, duplicate routes, parameters that cannot be injected) throws here, at cold start,
 * naming the class and method; the handler itself never throws.
 *
 * @example
 * export const handler = bootstrap([ChatController], { connections: new MemoryConnectionStore() });
 */
export function bootstrap(
  controllers: readonly ControllerInput[],
  options: BootstrapOptions = {},
): LiftWsHandler {
  const settings = resolveSettings(options);
  const table = scanControllers(controllers, {
    middleware: options.middleware ?? [],
    actionField: options.actionField ?? 'action',
    fallbacks: fallbackRoutes,
    builtinActions: settings.heartbeat
      ? [
          {
            action: settings.heartbeat.action,
            route: heartbeatRoute(settings.heartbeat, settings.store),
          },
        ]
      : [],
  });
  const metrics = options.metrics
    ? new EmfMetrics(options.metrics === true ? {} : options.metrics, [
        ...table.routeLabels(),
        UNROUTED,
      ])
    : undefined;
  if (options.contract !== undefined) checkContract(options.contract, table, settings);
  warnOfUnverifiableRoutes(settings, table.guardedMessageRoutes);
  return createEventPipeline({
    table,
    services: contextServices(settings, options, metrics !== undefined),
    logger: settings.logger,
    store: settings.store,
    maxMessageBytes: settings.maxMessageBytes,
    errorFrames: settings.errorFrames,
    routeResponses: settings.routeResponses,
    metrics,
    accessLog: infoLevelCheck(settings.logger),
  });
}

/**
 * The routes and the contract must agree both ways, so a client written against the contract
 * finds every action it may send, and the server handles nothing the contract does not say.
 * The built-in heartbeat is the framework's, not the contract's.
 */
function checkContract(contract: Contract, table: RouteTable, settings: RuntimeSettings): void {
  if (typeof contract !== 'object' || contract === null || contract.kind !== 'contract') {
    throw new TypeError('bootstrap option contract must come from defineContract()');
  }
  const routed = new Map(table.actionRoutes().map(({ action, route }) => [action, route]));
  for (const action of Object.keys(contract.actions)) {
    if (!routed.has(action)) {
      throw new Error(`bootstrap: the contract's action "${action}" has no @OnMessage route`);
    }
  }
  for (const [action, route] of routed) {
    if (route.kind === 'builtin' && action === settings.heartbeat?.action) continue;
    if (!Object.hasOwn(contract.actions, action)) {
      throw new Error(
        `bootstrap: ${route.name} handles "${action}", which the contract does not define`,
      );
    }
  }
}

/**
 * Message events carry no token: a JwtAuth-guarded message route sees claims only from a Lambda
 * authorizer's context or from the connection store. Without a store, nothing at bootstrap can
 * tell whether an authorizer will run, and a first-time setup refuses every message with 401
 * without saying why; so it is said once, at cold start.
 */
function warnOfUnverifiableRoutes(settings: RuntimeSettings, routes: readonly string[]): void {
  if (settings.store || routes.length === 0) return;
  const listed =
    routes.length > 3
      ? `${routes.slice(0, 3).join(', ')} and ${routes.length - 3} more`
      : routes.join(', ');
  settings.logger.warn(
    `JwtAuth guards ${listed}, but no connection store is configured: message events carry no ` +
      'token, so these routes refuse every message with 401 unless a Lambda authorizer ' +
      '(createJwtAuthorizer) runs on $connect. Add `connections: new MemoryConnectionStore()` ' +
      '(or DynamoDBConnectionStore) to bootstrap, or deploy createJwtAuthorizer.',
  );
}

/** What every context of this handler shares: the logger, the store, the `@connections` clients. */
function contextServices(
  settings: RuntimeSettings,
  options: BootstrapOptions,
  countOutbound: boolean,
): ContextServices {
  const { broadcast, maxMessageBytes, logger } = settings;
  const factory =
    options.managementClientFactory ??
    ((endpoint: string): ManagementApi =>
      getManagementClient(endpoint, {
        concurrency: broadcast.concurrency,
        timeoutMs: broadcast.timeoutMs,
        retries: broadcast.retries,
        retryTimeouts: broadcast.retryTimeouts,
        maxMessageBytes,
        logger,
      }));
  const endpointOption = options.managementEndpoint;
  return {
    logger,
    store: settings.store,
    roomHistory: settings.roomHistory,
    broadcast,
    fanout: settings.fanout,
    countOutbound,
    management: (facts: EndpointFacts) => factory(resolveEndpoint(facts, endpointOption)),
  };
}

/**
 * winston formats a line before deciding to drop it, so the per-event line is skipped up front
 * when info is off. The answer is cached until the logger's level changes.
 */
function infoLevelCheck(logger: Logger): () => boolean {
  const winstonLike = logger as Logger & { isInfoEnabled?: () => boolean; level?: unknown };
  if (typeof winstonLike.isInfoEnabled !== 'function') return () => true;
  let seenLevel: unknown = Symbol('unset');
  let enabled = true;
  return () => {
    if (winstonLike.level !== seenLevel) {
      seenLevel = winstonLike.level;
      enabled = winstonLike.isInfoEnabled!();
    }
    return enabled;
  };
}
