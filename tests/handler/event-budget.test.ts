import {
  bootstrap,
  MemoryConnectionStore,
  OnMessage,
  WebSocketController,
  type StoreCallOptions,
  type WebSocketContext,
} from 'lift-ws';
import { lambdaContext, messageEvent } from 'lift-ws/testing';
import { recordingLogger } from '../support/recording-logger';
import { useConnectionsRecorder } from '../support/recorder-fixture';

/** What a frozen DynamoDB looks like from the runtime: a call that settles only when aborted. */
function untilAborted(options: StoreCallOptions | undefined): Promise<never> {
  return new Promise((_resolve, reject) => {
    const signal = options?.signal;
    if (!signal) return; // never settles: the test then fails on jest's timeout
    if (signal.aborted) return reject(new Error('store call aborted'));
    signal.addEventListener('abort', () => reject(new Error('store call aborted')), { once: true });
  });
}

/** Issue 13 item 10: every store call is bounded by the event's deadline. */
describe("the event's budget", () => {
  const fixture = useConnectionsRecorder();

  it('a store that stops answering does not hold the handler past the Lambda budget', async () => {
    const store = new MemoryConnectionStore();
    store.get = (_id, options) => untilAborted(options);
    @WebSocketController()
    class Chat {
      @OnMessage('hello') hello() {}
    }
    const log = recordingLogger();
    const handler = bootstrap([Chat], { connections: store, logger: log, errorFrames: false });
    const context = lambdaContext({ timeoutMs: 1000 });
    const result = await handler(messageEvent({ body: { action: 'hello' } }), context);
    expect(result.statusCode).toBe(500);
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
    expect(log.lines.find((line) => line.message === 'route failed')?.level).toBe('error');
  });

  it('a room listing that stops answering mid-broadcast is cut off at the deadline', async () => {
    const store = new MemoryConnectionStore();
    const log = recordingLogger();
    store.roomMembers = (_room, options) => ({
      [Symbol.asyncIterator]: () => ({ next: () => untilAborted(options) }),
    });
    @WebSocketController()
    class Chat {
      @OnMessage('say') say(ctx: WebSocketContext) {
        return ctx.broadcastToRoom('lobby', 'hi');
      }
    }
    const handler = bootstrap([Chat], {
      connections: store,
      logger: log,
      errorFrames: false,
      managementEndpoint: fixture.endpoint,
    });
    const context = lambdaContext({ timeoutMs: 1000 });
    const result = await handler(messageEvent({ body: { action: 'say' } }), context);
    expect(result.statusCode).toBe(500);
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
    expect(log.lines.find((line) => line.message === 'route failed')?.meta).toMatchObject({
      code: 'BROADCAST_SOURCE_FAILED',
    });
  });
});

/**
 * `AbortSignal.timeout` arms a timer that stays pending until the event's deadline: an event
 * whose store calls finish at once (the memory store) must not pay for one, and a store that
 * reads the signal gets one that fires at the deadline.
 */
describe("the event's deadline signal", () => {
  @WebSocketController()
  class Rooms {
    @OnMessage('join') async join(ctx: WebSocketContext) {
      await ctx.join('lobby');
    }
  }

  it('is not made for an event whose store calls never read it', async () => {
    const timeout = jest.spyOn(AbortSignal, 'timeout');
    try {
      const store = new MemoryConnectionStore();
      const handler = bootstrap([Rooms], { connections: store, logger: recordingLogger() });
      const event = messageEvent({ body: { action: 'join' } });
      await store.save({ connectionId: event.requestContext.connectionId });
      const result = await handler(event, lambdaContext({ timeoutMs: 30_000 }));
      expect(result.statusCode).toBe(200);
      expect(await store.roomsOf(event.requestContext.connectionId)).toEqual(['lobby']);
      expect(timeout).not.toHaveBeenCalled();
    } finally {
      timeout.mockRestore();
    }
  });

  it('is made once, on first read, and fires at the deadline', async () => {
    const store = new MemoryConnectionStore();
    const seen: Array<AbortSignal | undefined> = [];
    const get = store.get.bind(store);
    store.get = (id, options) => {
      seen.push(options?.signal, options?.signal);
      return get(id, options);
    };
    const handler = bootstrap([Rooms], { connections: store, logger: recordingLogger() });
    const context = lambdaContext({ timeoutMs: 1000 });
    await handler(messageEvent({ body: { action: 'join' } }), context);
    expect(seen[0]).toBeInstanceOf(AbortSignal);
    expect(seen[1]).toBe(seen[0]);
    const fired = await new Promise<unknown>((resolve) =>
      seen[0]!.addEventListener('abort', () => resolve(seen[0]!.reason), { once: true }),
    );
    expect(fired).toBeDefined();
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
  });

  it('a memory store call after the deadline is refused without waiting', async () => {
    const store = new MemoryConnectionStore();
    const handler = bootstrap([Rooms], { connections: store, logger: recordingLogger() });
    const result = await handler(messageEvent({ body: { action: 'join' } }), {
      awsRequestId: 'late',
      getRemainingTimeInMillis: () => 0,
    });
    expect(result.statusCode).toBe(500);
  });
});
