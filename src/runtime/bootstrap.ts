import { errorMessage } from '../errors/error-message';
import type { ConnectionStore } from '../connections/connection-store';
import { WebSocketContext, type ContextServices } from '../context/websocket-context';
import { MAX_MESSAGE_BYTES } from '../events/api-gateway-limits';
import { BadRequestError, NotFoundError, PayloadTooLargeError } from '../errors/named-errors';
import type { LambdaContext, WebSocketEvent, WebSocketResult } from '../events/websocket-event';
import { createLogger } from '../logging/create-logger';
import type { Logger } from '../logging/logger';
import { getManagementClient } from '../management/client-cache';
import type { ManagementApi } from '../management/management-api';
import { resolveEndpoint } from '../management/resolve-endpoint';
import { EmfMetrics } from '../metrics/emf-metrics';
import { scanControllers, type ControllerInput } from '../routing/scan-controllers';
import type { BootstrapOptions, HeartbeatOptions } from './bootstrap-options';
import type { ComposedRoute } from './compose';
import { errorResult, mapError, type MappedError } from './error-envelope';
import { validateEvent } from './event-validation';
import { hydrateIdentity } from './identity';
import { toResult } from './result-mapper';

/** The Lambda handler `bootstrap` returns. It never throws and never rejects. */
export type LiftWsHandler = (
  event: WebSocketEvent,
  context?: LambdaContext,
) => Promise<WebSocketResult>;

const PONG = JSON.stringify({ type: 'pong' });
const NOTHING_SENT = Object.freeze({
  bytesOut: 0,
  messagesOut: 0,
  fanoutSent: 0,
  fanoutGone: 0,
  fanoutFailed: 0,
});
let anonymousInvocations = 0;

function isLogger(value: unknown): value is Logger {
  return (
    typeof value === 'object' &&
    value !== null &&
    ['error', 'warn', 'info', 'debug', 'child'].every(
      (method) => typeof (value as Record<string, unknown>)[method] === 'function',
    )
  );
}

function positiveInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new TypeError(
      `bootstrap option ${name} must be a positive integer, got ${JSON.stringify(value) ?? typeof value}`,
    );
  }
  return value;
}

function validateOptions(options: BootstrapOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('bootstrap(controllers, options): options must be an object');
  }
  const known = new Set([
    'middleware',
    'actionField',
    'managementEndpoint',
    'managementClientFactory',
    'logger',
    'errorFrames',
    'connections',
    'broadcast',
    'maxMessageBytes',
    'heartbeat',
    'metrics',
  ]);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new TypeError(`bootstrap: unknown option "${key}"`);
  }
  if (options.middleware !== undefined && !Array.isArray(options.middleware)) {
    throw new TypeError('bootstrap option middleware must be an array');
  }
  if (options.managementEndpoint !== undefined) {
    try {
      new URL(options.managementEndpoint);
    } catch {
      throw new TypeError(
        `bootstrap option managementEndpoint is not a URL: ${options.managementEndpoint}`,
      );
    }
  }
  const store = options.connections as Partial<ConnectionStore> | undefined;
  if (store !== undefined && (typeof store !== 'object' || typeof store?.save !== 'function')) {
    throw new TypeError('bootstrap option connections must be a ConnectionStore');
  }
}

function heartbeatOptions(
  option: BootstrapOptions['heartbeat'],
): Required<HeartbeatOptions> | undefined {
  if (option === false) return undefined;
  const settings = option === undefined || option === true ? {} : option;
  const action = settings.action ?? 'ping';
  if (typeof action !== 'string' || action.length === 0)
    throw new TypeError('heartbeat.action must be a string');
  const reply = settings.reply ?? 'frame';
  if (reply !== 'frame' && reply !== 'response')
    throw new TypeError("heartbeat.reply must be 'frame' or 'response'");
  return { action, reply };
}

/**
 * Scans the controllers once and returns the Lambda handler.
 *
 * @example
 * export const handler = bootstrap([ChatController], { connections: new MemoryConnectionStore() });
 */
export function bootstrap(
  controllers: readonly ControllerInput[],
  options: BootstrapOptions = {},
): LiftWsHandler {
  validateOptions(options);
  const logger: Logger = isLogger(options.logger)
    ? options.logger
    : createLogger(options.logger ?? {});
  // winston formats a line before its transport drops it; skip the work when info is off.
  const infoEnabled = infoLevelCheck(logger);
  const store = options.connections;
  const maxMessageBytes = positiveInteger(
    options.maxMessageBytes,
    'maxMessageBytes',
    MAX_MESSAGE_BYTES,
  );
  const broadcast = {
    concurrency: positiveInteger(options.broadcast?.concurrency, 'broadcast.concurrency', 32),
    timeoutMs: positiveInteger(options.broadcast?.timeoutMs, 'broadcast.timeoutMs', 5000),
    retries: options.broadcast?.retries ?? 2,
  };
  const errorFrames = options.errorFrames ?? true;
  const heartbeat = heartbeatOptions(options.heartbeat);
  const metrics = options.metrics
    ? new EmfMetrics(options.metrics === true ? {} : options.metrics)
    : undefined;
  const factory =
    options.managementClientFactory ??
    ((endpoint: string) =>
      getManagementClient(endpoint, {
        concurrency: broadcast.concurrency,
        timeoutMs: broadcast.timeoutMs,
        retries: broadcast.retries,
        maxMessageBytes,
        logger,
      }));
  const endpointOption = options.managementEndpoint;

  const services: ContextServices = {
    logger,
    store,
    broadcast,
    countOutbound: metrics !== undefined,
    management(ctx: WebSocketContext): ManagementApi {
      return factory(resolveEndpoint(ctx, endpointOption));
    },
  };

  const fallbacks = {
    connect: () => undefined,
    disconnect: () => undefined,
    message: (ctx: WebSocketContext) => {
      if (ctx.tryBody() === undefined) {
        throw new BadRequestError(
          'the message is not JSON, so it has no action; send {"action": "...", ...}',
        );
      }
      if (ctx.action === undefined) throw new BadRequestError('the message has no action field');
      throw new NotFoundError(`unknown action "${ctx.action}"`);
    },
  };
  const builtinActions: Array<{ action: string; route: ComposedRoute }> = [];
  if (heartbeat) {
    builtinActions.push({
      action: heartbeat.action,
      route: async (ctx) => {
        if (store) await store.touch(ctx.connectionId);
        if (heartbeat.reply === 'response') return ctx.status(200).text(PONG);
        await ctx.send(PONG);
        return undefined;
      },
    });
  }

  const table = scanControllers(controllers, {
    middleware: options.middleware ?? [],
    actionField: options.actionField ?? 'action',
    fallbacks,
    builtinActions,
  });

  async function reportError(
    ctx: WebSocketContext,
    mapped: MappedError,
    error: unknown,
  ): Promise<void> {
    const log = ctx.logger;
    if (mapped.expected)
      log.info('request refused', {
        statusCode: mapped.statusCode,
        code: mapped.envelope.error.code,
        reason: errorMessage(error),
      });
    else log.error('route failed', { statusCode: mapped.statusCode, error });
    if (!errorFrames || !ctx.isMessageEvent()) return;
    try {
      await ctx.send(JSON.stringify(mapped.envelope));
    } catch (sendError) {
      log.warn('could not send the error frame', { error: errorMessage(sendError) });
    }
  }

  // The pipeline stays synchronous as long as every step is: a plain route on an event that
  // needs no store lookup costs no promise beyond the handler's own.
  type MaybePromise<T> = T | Promise<T>;

  function run(ctx: WebSocketContext): MaybePromise<WebSocketResult> {
    if (ctx.isMessageEvent()) checkBody(ctx.event, maxMessageBytes);
    if (!ctx.isConnectEvent() && (store || ctx.event.requestContext.authorizer)) {
      return hydrateIdentity(ctx, store).then(() => dispatch(ctx));
    }
    return dispatch(ctx);
  }

  function dispatch(ctx: WebSocketContext): MaybePromise<WebSocketResult> {
    const route = table.select(ctx);
    ctx.matchedRoute = route.label;
    const value = route.run(ctx);
    return isThenable(value)
      ? Promise.resolve(value).then((settled) => finish(ctx, settled))
      : finish(ctx, value);
  }

  function finish(ctx: WebSocketContext, value: unknown): MaybePromise<WebSocketResult> {
    const result = toResult(value, ctx.pendingResponse);
    if (ctx.isConnectEvent() && store && result.statusCode >= 200 && result.statusCode < 300) {
      // Saved only once $connect is accepted: a refused handshake leaves nothing behind.
      return store
        .save({
          connectionId: ctx.connectionId,
          userId: ctx.userId,
          tenantId: ctx.tenantId,
          claims: ctx.claims,
          connectedAt: toIso(ctx.event.requestContext.connectedAt),
        })
        .then(async () => {
          for (const room of ctx.pendingJoins ?? []) await store.join(ctx.connectionId, room);
          return result;
        });
    }
    return result;
  }

  return async function liftWsHandler(
    rawEvent: unknown,
    lambdaContext?: LambdaContext,
  ): Promise<WebSocketResult> {
    const timed = metrics !== undefined || infoEnabled();
    const started = timed ? performance.now() : 0;
    const awsContext: LambdaContext = lambdaContext ?? {
      awsRequestId: `local-${++anonymousInvocations}`,
    };
    let event: WebSocketEvent;
    try {
      event = validateEvent(rawEvent);
    } catch (error) {
      const mapped = mapError(error, awsContext.awsRequestId);
      logger.warn('malformed event', {
        reason: errorMessage(error),
        awsRequestId: awsContext.awsRequestId,
      });
      metrics?.record({
        eventType: 'INVALID',
        route: 'invalid',
        statusCode: mapped.statusCode,
        errorCode: mapped.envelope.error.code,
        latencyMs: performance.now() - started,
        bytesIn: 0,
        outbound: NOTHING_SENT,
      });
      return errorResult(mapped);
    }
    const ctx = new WebSocketContext(event, awsContext, services);
    let result: WebSocketResult;
    let errorCode: string | undefined;
    try {
      const outcome = run(ctx);
      result = isThenable(outcome) ? await outcome : outcome;
    } catch (error) {
      const mapped = mapError(error, ctx.requestId || awsContext.awsRequestId);
      errorCode = mapped.envelope.error.code;
      await reportError(ctx, mapped, error);
      result = errorResult(mapped);
    }
    if (ctx.isDisconnectEvent() && store) {
      try {
        await store.delete(ctx.connectionId);
      } catch (error) {
        // TTL removes it later; $disconnect's answer is ignored by API Gateway anyway.
        ctx.logger.warn('could not delete the connection on $disconnect', { error });
      }
    }
    const latencyMs = timed ? performance.now() - started : 0;
    if (timed && infoEnabled()) {
      logger.info(
        `${ctx.routeKey}${ctx.action && ctx.action !== ctx.routeKey ? ` ${ctx.action}` : ''} ${result.statusCode}`,
        {
          connectionId: ctx.connectionId,
          routeKey: ctx.routeKey,
          action: ctx.action,
          statusCode: result.statusCode,
          durationMs: Math.round(latencyMs * 100) / 100,
          requestId: ctx.requestId,
        },
      );
    }
    metrics?.record({
      eventType: ctx.eventType,
      // The matched route, never the raw action: a dimension must not take client-chosen values.
      route: ctx.matchedRoute ?? ctx.routeKey,
      statusCode: result.statusCode,
      errorCode,
      latencyMs,
      bytesIn: typeof event.body === 'string' ? Buffer.byteLength(event.body) : 0,
      outbound: ctx.outbound,
    });
    return result;
  };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
/** A lone surrogate cannot be encoded as UTF-8. Native check where Node has it (20+). */
const isWellFormed: (text: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (text) => (text as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (text) => !LONE_SURROGATE.test(text);

/** Inbound size and encoding, checked before anything parses the body. */
function checkBody(event: WebSocketEvent, maxMessageBytes: number): void {
  const body = event.body;
  if (typeof body !== 'string' || body.length === 0) return;
  if (event.isBase64Encoded) {
    const bytes = Buffer.from(body, 'base64');
    if (bytes.byteLength > maxMessageBytes)
      throw new PayloadTooLargeError(`message is over the ${maxMessageBytes}-byte limit`);
    try {
      strictUtf8.decode(bytes);
    } catch {
      throw new BadRequestError('the message body is not valid UTF-8');
    }
    return;
  }
  // A UTF-8 string is at most 3 bytes per UTF-16 unit; only measure when it could be over.
  if (body.length * 3 > maxMessageBytes && Buffer.byteLength(body, 'utf8') > maxMessageBytes) {
    // API Gateway refuses these itself; a hand-made or local event still must not be parsed.
    throw new PayloadTooLargeError(`message is over the ${maxMessageBytes}-byte limit`);
  }
  if (!isWellFormed(body)) throw new BadRequestError('the message body is not valid UTF-8');
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

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

function toIso(epochMs: unknown): string | undefined {
  return typeof epochMs === 'number' && Number.isFinite(epochMs)
    ? new Date(epochMs).toISOString()
    : undefined;
}
