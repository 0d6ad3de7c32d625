import type { ConnectionStore } from '../connections/connection-store';
import type { ContextServices, OutboundStats } from '../context/context-services';
import { contextInternals, NO_REPLY, type WebSocketContext } from '../context/websocket-context';
import { WebSocketResponse } from '../context/websocket-response';
import { errorMessage } from '../errors/error-message';
import { WsError } from '../errors/ws-error';
import type { LambdaContext, WebSocketEvent, WebSocketResult } from '../events/websocket-event';
import type { Logger } from '../logging/logger';
import type { EmfMetrics } from '../metrics/emf-metrics';
import type { RouteTable } from '../routing/route-table';
import { checkBody } from './check-body';
import { forgetDisconnected, saveAcceptedConnection } from './connection-tracking';
import { errorResult, mapError, type MappedError } from './error-envelope';
import { validateEvent } from './event-validation';
import { resolveIdentity } from './identity';
import { toResult, withBody } from './result-mapper';

/** The Lambda handler `bootstrap` returns. It never throws and never rejects. */
export type LiftWsHandler = (
  event: WebSocketEvent,
  context?: LambdaContext,
) => Promise<WebSocketResult>;

/**
 * What the pipeline runs with, wired once by `bootstrap`.
 * @internal
 */
export interface EventPipeline {
  readonly table: RouteTable;
  readonly services: ContextServices;
  readonly logger: Logger;
  readonly store: ConnectionStore | undefined;
  readonly maxMessageBytes: number;
  /** Post error envelopes to the caller on message routes; default: unless routes are two-way. */
  readonly errorFrames: boolean | undefined;
  /** Routes are two-way (replies and errors go back as the response); default: env. */
  readonly routeResponses: boolean | undefined;
  readonly metrics: EmfMetrics | undefined;
  /** Whether the per-event access line is written (info enabled), asked once per event. */
  readonly accessLog: () => boolean;
}

/**
 * The metrics label of an event that never reached a route (a value of ours, not the client's).
 * @internal
 */
export const UNROUTED = 'unrouted';
const NOTHING_SENT: Readonly<OutboundStats> = Object.freeze({
  bytesOut: 0,
  messagesOut: 0,
  fanoutSent: 0,
  fanoutGone: 0,
  fanoutFailed: 0,
});
let anonymousInvocations = 0;

/**
 * The per-event path. Its entry reads in the order an event flows:
 * validate -> context -> identity -> route -> onion -> result -> tracking -> access log and metrics.
 * Each step below is a function of its own, in that order.
 *
 * Every step answers synchronously when it can, so an event whose route and middleware are
 * synchronous (and that needs no store call) is answered without a single await: the handler
 * is a plain function returning a resolved promise. Anything asynchronous, and every error,
 * goes through `settleEvent`.
 * @internal
 */
export function createEventPipeline(pipeline: EventPipeline): LiftWsHandler {
  return function liftWsHandler(
    rawEvent: unknown,
    lambdaContext?: LambdaContext,
  ): Promise<WebSocketResult> {
    // Asked once per event: the access line and the metrics need the latency, nothing else does.
    const accessLog = pipeline.accessLog();
    const started = accessLog || pipeline.metrics !== undefined ? performance.now() : 0;
    const awsContext = lambdaContext ?? anonymousLambdaContext();

    let event: WebSocketEvent;
    try {
      event = validateEvent(rawEvent);
    } catch (error) {
      return refuseMalformedEvent(pipeline, error, awsContext, started);
    }
    const ctx = contextInternals.create(event, awsContext, pipeline.services);

    let answer: WebSocketResult | Promise<WebSocketResult>;
    try {
      answer = answerEvent(pipeline, ctx);
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- whatever was thrown: settleEvent maps any value
      answer = Promise.reject(error);
    }
    if (isThenable(answer) || (ctx.isDisconnectEvent() && pipeline.store)) {
      return settleEvent(pipeline, ctx, awsContext, answer, accessLog, started);
    }
    return Promise.resolve(finishEvent(pipeline, ctx, answer, undefined, accessLog, started));
  };
}

/**
 * Identity, route, onion, result, reply and tracking: the answer to a valid event, as a value
 * when every step was synchronous. Each step is a plain function handed the previous step's
 * value (see `thenStep`): the synchronous path allocates no closure per step.
 */
function answerEvent(
  pipeline: EventPipeline,
  ctx: WebSocketContext,
): WebSocketResult | Promise<WebSocketResult> {
  return thenStep(pipeline, ctx, runRoute(pipeline, ctx), answerValue);
}

/** The route's value -> the result, the reply to a request frame, the connection's tracking. */
function answerValue(
  pipeline: EventPipeline,
  ctx: WebSocketContext,
  value: unknown,
): WebSocketResult | Promise<WebSocketResult> {
  const answered = answerRequest(pipeline, ctx, value, shapeResult(ctx, value));
  return thenStep(pipeline, ctx, answered, tracked);
}

type Step<T> = (
  pipeline: EventPipeline,
  ctx: WebSocketContext,
  value: T,
) => WebSocketResult | Promise<WebSocketResult>;

/** `step(value)` now when `value` is a plain value, after it settles when it is a promise. */
function thenStep<T>(
  pipeline: EventPipeline,
  ctx: WebSocketContext,
  value: T | PromiseLike<T>,
  step: Step<T>,
): WebSocketResult | Promise<WebSocketResult> {
  if (!isThenable(value)) return step(pipeline, ctx, value);
  return Promise.resolve(value).then((settled) => step(pipeline, ctx, settled));
}

function tracked(
  pipeline: EventPipeline,
  ctx: WebSocketContext,
  result: WebSocketResult,
): WebSocketResult | Promise<WebSocketResult> {
  const saving = trackConnection(pipeline, ctx, result);
  return saving === undefined ? result : saving.then(() => result);
}

/** The asynchronous end of an event: its answer awaited, or its error mapped and reported. */
async function settleEvent(
  pipeline: EventPipeline,
  ctx: WebSocketContext,
  awsContext: LambdaContext,
  answer: WebSocketResult | Promise<WebSocketResult>,
  accessLog: boolean,
  started: number,
): Promise<WebSocketResult> {
  let result: WebSocketResult;
  let errorCode: string | undefined;
  try {
    result = await answer;
  } catch (error) {
    const mapped = mapError(error, ctx.requestId || awsContext.awsRequestId);
    const frameId = refusedFrameId(pipeline, ctx);
    if (frameId !== undefined) mapped.envelope.id = frameId;
    errorCode = mapped.envelope.error.code;
    // Reporting never decides the answer: a throwing logger leaves the error result as is.
    await reportError(pipeline, ctx, mapped, error).catch(() => undefined);
    result = errorResult(mapped);
  }
  if (ctx.isDisconnectEvent() && pipeline.store) await forgetDisconnected(ctx, pipeline.store);
  return finishEvent(pipeline, ctx, result, errorCode, accessLog, started);
}

/**
 * The access line (when `accessLog`: info is enabled) and the metrics, then the answer.
 * `started` is the arrival time, taken only when one of them needs the latency.
 */
function finishEvent(
  pipeline: EventPipeline,
  ctx: WebSocketContext,
  result: WebSocketResult,
  errorCode: string | undefined,
  accessLog: boolean,
  started: number,
): WebSocketResult {
  if (!accessLog && pipeline.metrics === undefined) return result;
  const latencyMs = performance.now() - started;
  try {
    if (accessLog) writeAccessLine(pipeline, ctx, result, latencyMs);
    recordMetrics(pipeline, ctx, result, errorCode, latencyMs);
  } catch {
    // A logger or metrics sink that throws must not turn an answered event into a failure.
  }
  return result;
}

// ---- 1. validate ---------------------------------------------------------------------------

function refuseMalformedEvent(
  pipeline: EventPipeline,
  error: unknown,
  awsContext: LambdaContext,
  started: number,
): Promise<WebSocketResult> {
  const mapped = mapError(error, awsContext.awsRequestId);
  try {
    pipeline.logger.warn('malformed event', {
      reason: errorMessage(error),
      awsRequestId: awsContext.awsRequestId,
    });
    pipeline.metrics?.record({
      eventType: 'INVALID',
      route: 'invalid',
      statusCode: mapped.statusCode,
      errorCode: mapped.envelope.error.code,
      latencyMs: pipeline.metrics ? performance.now() - started : 0,
      bytesIn: 0,
      outbound: NOTHING_SENT,
    });
  } catch {
    // As for any event: a throwing logger or metrics sink does not change the answer.
  }
  return Promise.resolve(errorResult(mapped));
}

// ---- 2-5. identity, route, onion -------------------------------------------------------------

/**
 * Checks the body, resolves who is calling, selects the route and runs its onion. Stays
 * synchronous as long as every step is: a plain route on an event that needs no store lookup
 * costs no promise beyond the route's own.
 */
function runRoute(pipeline: EventPipeline, ctx: WebSocketContext): unknown {
  if (ctx.isMessageEvent()) checkBody(ctx.event, pipeline.maxMessageBytes);
  const identity = resolveIdentity(ctx, pipeline.store);
  if (isThenable(identity)) return identity.then(() => dispatch(pipeline, ctx));
  return dispatch(pipeline, ctx);
}

function dispatch(pipeline: EventPipeline, ctx: WebSocketContext): unknown {
  return pipeline.table.select(ctx).run(ctx);
}

// ---- 6. result -----------------------------------------------------------------------------

function shapeResult(ctx: WebSocketContext, value: unknown): WebSocketResult {
  return toResult(value, contextInternals.pendingResponse(ctx));
}

/**
 * A request frame (`{"action":..., "id":"7"}`, what `client.request` sends) is answered with
 * `{"type":"reply","id":"7","body":...}`: the route's return value, or what it gave
 * `ctx.reply()`, also when that is nothing (the client waits for every request it made). On a
 * two-way route the reply is the response; on a one-way route it is posted to the caller.
 */
function answerRequest(
  pipeline: EventPipeline,
  ctx: WebSocketContext,
  value: unknown,
  result: WebSocketResult,
): WebSocketResult | Promise<WebSocketResult> {
  if (!ctx.isMessageEvent()) return result;
  const id = contextInternals.requestFrameId(ctx);
  if (id === undefined) return result;
  const explicit = contextInternals.explicitReply(ctx);
  const body = explicit !== NO_REPLY ? explicit : replyBody(value);
  const frame = JSON.stringify({ type: 'reply', id, body });
  if (routeResponses(pipeline)) return withBody(result, frame);
  return ctx.send(frame).then(() => result);
}

/** The id of a refused request frame; a body refused for its size is never parsed for it. */
function refusedFrameId(pipeline: EventPipeline, ctx: WebSocketContext): string | undefined {
  const body = ctx.event.body;
  if (!ctx.isMessageEvent() || typeof body !== 'string' || body.length > pipeline.maxMessageBytes) {
    return undefined;
  }
  return contextInternals.requestFrameId(ctx);
}

function replyBody(value: unknown): unknown {
  if (!(value instanceof WebSocketResponse)) return value;
  if (value.body === undefined) return undefined;
  try {
    return JSON.parse(value.body) as unknown;
  } catch {
    return value.body;
  }
}

function routeResponses(pipeline: EventPipeline): boolean {
  // The env is read per request, not at bootstrap: `lift-ws dev` starts its gateway (which
  // sets it) after loading the handler module.
  return pipeline.routeResponses ?? process.env.LIFT_WS_ROUTE_RESPONSES === 'true';
}

// ---- 7. tracking ---------------------------------------------------------------------------

/**
 * An accepted `$connect` is saved (with the rooms it joined) before the handshake completes.
 * Nothing to await on other events (`$disconnect` is forgotten whatever the route answered).
 */
function trackConnection(
  pipeline: EventPipeline,
  ctx: WebSocketContext,
  result: WebSocketResult,
): Promise<void> | undefined {
  if (!ctx.isConnectEvent() || !pipeline.store) return undefined;
  return saveAcceptedConnection(ctx, pipeline.store, result);
}

/**
 * Logs a refusal (info) or a failure (error, with its cause), and on message routes tells the
 * client with an error frame — unless the error came from posting to that very connection.
 */
async function reportError(
  pipeline: EventPipeline,
  ctx: WebSocketContext,
  mapped: MappedError,
  error: unknown,
): Promise<void> {
  const log = ctx.logger;
  if (mapped.expected) {
    log.info('request refused', {
      statusCode: mapped.statusCode,
      code: mapped.envelope.error.code,
      reason: errorMessage(error),
    });
  } else {
    log.error('route failed', {
      statusCode: mapped.statusCode,
      ...(error instanceof WsError ? { code: error.code } : {}),
      error,
    });
  }
  if (!ctx.isMessageEvent() || contextInternals.ownPostFailed(ctx)) return;
  if (!(pipeline.errorFrames ?? !routeResponses(pipeline))) return;
  try {
    await ctx.send(JSON.stringify(mapped.envelope));
  } catch (sendError) {
    log.warn('could not send the error frame', { error: errorMessage(sendError) });
  }
}

// ---- 8. access log and metrics ---------------------------------------------------------------

function writeAccessLine(
  pipeline: EventPipeline,
  ctx: WebSocketContext,
  result: WebSocketResult,
  latencyMs: number,
): void {
  const action = ctx.action;
  pipeline.logger.info(
    `${ctx.routeKey}${action && action !== ctx.routeKey ? ` ${action}` : ''} ${result.statusCode}`,
    {
      connectionId: ctx.connectionId,
      routeKey: ctx.routeKey,
      action,
      statusCode: result.statusCode,
      durationMs: Math.round(latencyMs * 100) / 100,
      requestId: ctx.requestId,
    },
  );
}

function recordMetrics(
  pipeline: EventPipeline,
  ctx: WebSocketContext,
  result: WebSocketResult,
  errorCode: string | undefined,
  latencyMs: number,
): void {
  const metrics = pipeline.metrics;
  if (!metrics) return;
  const body = ctx.event.body;
  metrics.record({
    eventType: ctx.eventType,
    // The selected route's label from the route table: a dimension never takes client values.
    route: contextInternals.routeLabel(ctx) ?? UNROUTED,
    statusCode: result.statusCode,
    errorCode,
    latencyMs,
    bytesIn: typeof body === 'string' ? Buffer.byteLength(body) : 0,
    outbound: contextInternals.outbound(ctx) ?? NOTHING_SENT,
  });
}

// ---- helpers -------------------------------------------------------------------------------

function anonymousLambdaContext(): LambdaContext {
  return { awsRequestId: `local-${++anonymousInvocations}` };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
