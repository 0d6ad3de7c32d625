import {
  bootstrap,
  MemoryConnectionStore,
  OnConnect,
  OnDisconnect,
  OnMessage,
  WebSocketController,
  WebSocketContext,
} from 'lift-ws';
import { connectEvent, disconnectEvent, lambdaContext, messageEvent } from 'lift-ws/testing';
import { captureLogger } from '../support/capture-logger';

/**
 * Issue 13 item 4: fuzzing produced `GoneError: connection ... is not tracked` from
 * `MemoryConnectionStore.join` as an unhandled rejection. The cause: the route table picks the
 * `$connect` route by routeKey while `ctx.join` defers a join only when the eventType is CONNECT,
 * and a `$connect` event that claimed another eventType was accepted. The `@OnConnect` route's
 * join then ran at once against a connection that was never saved, and a route that did not
 * await it (nothing to await on `$connect`: joins there are applied with the save) left its
 * rejection unobserved.
 */
describe('store rejections never go unobserved', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  beforeAll(() => {
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
  });
  beforeEach(() => {
    unhandled.length = 0;
  });

  /** Node reports an unhandled rejection after the microtasks of a turn: let one turn pass. */
  const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  @WebSocketController()
  class Lobby {
    @OnConnect() connect(ctx: WebSocketContext) {
      // Not awaited on purpose: on $connect the join is only recorded.
      void ctx.join('lobby');
      return { joined: 'lobby' };
    }

    @OnMessage('join') async join(ctx: WebSocketContext) {
      await ctx.join('games');
    }

    @OnDisconnect() disconnect() {}
  }

  function setup() {
    const store = new MemoryConnectionStore();
    const handler = bootstrap([Lobby], { connections: store, logger: captureLogger().logger });
    return { store, handler };
  }

  it('a $connect route whose join is not awaited rejects nothing, whatever eventType the event claims', async () => {
    const { store, handler } = setup();
    const results = [];
    for (const eventType of ['MESSAGE', 'DISCONNECT', 'CONNECT'] as const) {
      const event = connectEvent({ connectionId: `c-${eventType}` });
      (event.requestContext as { eventType: string }).eventType = eventType;
      results.push((await handler(event, lambdaContext())).statusCode);
    }
    await nextTurn();

    expect(unhandled).toEqual([]);
    // Only the consistent event is a $connect; the others are malformed, and nothing is saved.
    expect(results[2]).toBe(200);
    expect(results.slice(0, 2).every((status) => status >= 400 && status < 500)).toBe(true);
    expect(await store.get('c-MESSAGE')).toBeUndefined();
    expect(await store.roomsOf('c-CONNECT')).toEqual(['lobby']);
  });

  it('a join racing the connection’s $disconnect answers 410 and rejects nothing', async () => {
    const { store, handler } = setup();
    const ids = Array.from({ length: 50 }, (_, index) => `r${index}`);
    for (const connectionId of ids) await handler(connectEvent({ connectionId }), lambdaContext());

    const results = await Promise.all(
      ids.flatMap((connectionId) => [
        handler(messageEvent({ connectionId, body: { action: 'join' } }), lambdaContext()),
        handler(disconnectEvent({ connectionId }), lambdaContext()),
        handler(
          messageEvent({ connectionId: `never-${connectionId}`, body: { action: 'join' } }),
          lambdaContext(),
        ),
      ]),
    );
    await nextTurn();

    expect(unhandled).toEqual([]);
    expect(results.every((result) => Number.isInteger(result.statusCode))).toBe(true);
    expect(results.some((result) => result.statusCode === 410)).toBe(true);
    expect(results.every((result) => result.statusCode < 500)).toBe(true);
    expect(await store.count()).toBe(0);
  });
});
