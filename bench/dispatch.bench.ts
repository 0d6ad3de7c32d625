import middy from '@middy/core';
import {
  bootstrap,
  MemoryConnectionStore,
  OnConnect,
  OnMessage,
  UseMiddleware,
  WebSocketController,
  WebSocketContext,
  type MiddlewareFunction,
  type WebSocketEvent,
} from 'lift-ws';
import { connectEvent, lambdaContext, messageEvent } from 'lift-ws/testing';
import { floorHandler } from './dispatch-floor';
import { compare, fullGc, round2 } from './measure';

/**
 * Per-event cost of the framework (issue 8, goal 1): a `$default` message whose action is read
 * from the JSON body and a custom-route-key message, each through one global and one class
 * pass-through middleware, to a route that reads one field; `$connect` without JwtAuth. The
 * baseline is what teams write by hand: one switch over routeKey and action with the same JSON
 * parse. The event log is off (level warn) here: its cost is the logging bench's.
 */

type Result = { statusCode: number; body?: string };

function answer(action: string | undefined, body: { text?: string }): Result {
  switch (action) {
    case 'sendMessage':
      return { statusCode: 200, body: JSON.stringify({ length: body.text?.length ?? 0 }) };
    case 'typing':
      return { statusCode: 200 };
    default:
      return { statusCode: 404, body: '{"error":"unknown action"}' };
  }
}

// eslint-disable-next-line @typescript-eslint/require-await -- a Lambda handler is async: the baseline pays the same promise
async function handWritten(event: WebSocketEvent): Promise<Result> {
  const routeKey = event.requestContext.routeKey;
  switch (routeKey) {
    case '$connect':
      return { statusCode: 200 };
    case '$disconnect':
      return { statusCode: 200 };
    default: {
      let body: { action?: string; text?: string };
      try {
        body = JSON.parse(event.body ?? '') as typeof body;
      } catch {
        return { statusCode: 400, body: '{"error":"not json"}' };
      }
      return answer(routeKey === '$default' ? body.action : routeKey, body);
    }
  }
}

const passThrough: MiddlewareFunction = (_ctx, next) => next();

class ClassPassThrough {
  use(_ctx: WebSocketContext, next: () => Promise<unknown>): Promise<unknown> {
    return next();
  }
}

@WebSocketController()
@UseMiddleware(ClassPassThrough)
class ChatController {
  @OnConnect() connect() {}
  @OnMessage('sendMessage') send(ctx: WebSocketContext) {
    return { length: ctx.body<{ text: string }>().text.length };
  }
  @OnMessage('typing') typing() {}
}

@WebSocketController()
class BareController {
  @OnConnect() connect() {}
  @OnMessage('sendMessage') send(ctx: WebSocketContext) {
    return { length: ctx.body<{ text: string }>().text.length };
  }
}

/**
 * A hand-written handler that keeps its connections in memory, as a baseline for lift-ws with a
 * MemoryConnectionStore: it looks up the caller's record (who it is) before answering.
 */
function handWrittenWithRegistry(registry: Map<string, { userId: string }>) {
  return (event: WebSocketEvent): Promise<Result> => {
    const caller = registry.get(event.requestContext.connectionId);
    if (caller === undefined) return Promise.resolve({ statusCode: 401 });
    return handWritten(event);
  };
}

export async function runDispatchBench(): Promise<Record<string, number>> {
  const options = { logger: { level: 'warn' }, errorFrames: false } as const;
  const withMiddleware = bootstrap([ChatController], { ...options, middleware: [passThrough] });
  const bare = bootstrap([BareController], options);
  const middyHandler = middy(handWritten);
  const body = { action: 'sendMessage', room: 'lobby', text: 'hello world' };
  const byAction = messageEvent({ body });
  const byRouteKey = messageEvent({ routeKey: 'sendMessage', body });
  const connect = connectEvent();
  const context = lambdaContext();

  // Sanity: every candidate answers the same.
  for (const event of [byAction, byRouteKey, connect]) {
    const expected = JSON.stringify(await handWritten(event));
    for (const answered of [
      await withMiddleware(event, context),
      await bare(event, context),
      await middyHandler(event, context as never),
      await floorHandler(event),
    ]) {
      if (JSON.stringify(answered) !== expected)
        throw new Error(`candidates disagree: ${JSON.stringify(answered)} vs ${expected}`);
    }
  }

  const run = { iterations: 20_000, rounds: 9, warmup: 20_000 };
  const summary: Record<string, number> = {};
  const table = async (key: string, title: string, event: WebSocketEvent) => {
    const results = await compare(
      title,
      [
        { name: 'hand-written switch (baseline)', run: () => handWritten(event) },
        {
          name: 'lift-ws, global + class middleware',
          run: () => withMiddleware(event, context),
        },
        { name: 'lift-ws, no middleware', run: () => bare(event, context) },
        {
          name: '@middy/core around the same switch',
          run: () => middyHandler(event, context as never),
        },
        { name: 'floor: the contract in one function', run: () => floorHandler(event) },
      ],
      run,
    );
    summary[`dispatch.${key}`] = round2(results[1].cpuRatio);
    summary[`dispatch.${key}.no_middleware`] = round2(results[2].cpuRatio);
    summary[`dispatch.${key}.floor`] = round2(results[4].cpuRatio);
    console.log(
      `lift-ws with middleware against the floor: ${(results[1].cpuRatio / results[4].cpuRatio).toFixed(2)}x CPU`,
    );
  };
  await table(
    'default_by_action',
    '$default message -> action from the body (goal 1.2x)',
    byAction,
  );
  await table('custom_route_key', 'custom route key message (goal 1.2x)', byRouteKey);
  await table('connect', '$connect without JwtAuth (goal 1.5x)', connect);

  // With a store, a message event first reads the caller's record (identity) under the event's
  // deadline: the Lambda context has a remaining time, as in Lambda and the local gateway.
  const store = new MemoryConnectionStore();
  const connectionId = byAction.requestContext.connectionId;
  await store.save({ connectionId, userId: 'u-1' });
  const withStore = bootstrap([BareController], { ...options, connections: store });
  const registry = new Map([[connectionId, { userId: 'u-1' }]]);
  const registryHandler = handWrittenWithRegistry(registry);
  const timed = lambdaContext({ timeoutMs: 900_000 });
  const stored = await compare(
    '$default message with a MemoryConnectionStore (identity from the store)',
    [
      { name: 'hand-written switch + Map of connections', run: () => registryHandler(byAction) },
      { name: 'lift-ws, MemoryConnectionStore', run: () => withStore(byAction, timed) },
    ],
    run,
  );
  summary['dispatch.memory_store'] = round2(stored[1].cpuRatio);

  // Lambda's heap sees full collections too. Between two events lift-ws holds no per-event
  // object, and V8's optimized code holds the maps of those objects weakly: each batch here
  // starts right after a full GC, so a map collected there shows as the batch's events running
  // unoptimized until V8 has compiled the path again (src/engine/keep-shape.ts).
  if (fullGc) {
    const afterGc = await compare(
      '$default message, global + class middleware: 5,000 events right after a full GC',
      [
        { name: 'hand-written switch (baseline)', run: () => handWritten(byAction) },
        {
          name: 'lift-ws, global + class middleware',
          run: () => withMiddleware(byAction, context),
        },
        { name: 'lift-ws, MemoryConnectionStore', run: () => withStore(byAction, timed) },
      ],
      { iterations: 5_000, rounds: 9, warmup: 20_000, afterFullGc: true },
    );
    summary['dispatch.after_full_gc'] = round2(afterGc[1].cpuRatio);
    summary['dispatch.after_full_gc.memory_store'] = round2(afterGc[2].cpuRatio);
  }
  return summary;
}
