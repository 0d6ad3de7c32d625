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
