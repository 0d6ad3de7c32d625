import {
  bootstrap,
  MemoryConnectionStore,
  OnDefault,
  OnMessage,
  RateLimit,
  UseMiddleware,
  WebSocketController,
  type WebSocketContext,
} from 'lift-ws';
import { lambdaContext, messageEvent } from 'lift-ws/testing';
import { recordingLogger } from '../support/recording-logger';
import { useConnectionsRecorder } from '../support/recorder-fixture';

/** Issue 13, routing as API Gateway routes, the built-in ping, and error frames. */
describe('routing as API Gateway routes', () => {
  function router(options: Parameters<typeof bootstrap>[1] = {}) {
    const calls: string[] = [];
    @WebSocketController()
    class Routes {
      @OnMessage('admin') admin() {
        calls.push('admin');
      }

      @OnMessage('chat') chat(ctx: WebSocketContext) {
        calls.push(`chat:${ctx.action}`);
      }

      @OnMessage('1') one() {
        calls.push('1');
      }

      @OnMessage('chat/join') join() {
        calls.push('chat/join');
      }

      @OnDefault() fallback(ctx: WebSocketContext) {
        calls.push(`default:${ctx.routeKey}:${ctx.action}`);
      }
    }
    return {
      calls,
      handler: bootstrap([Routes], { logger: recordingLogger(), errorFrames: false, ...options }),
    };
  }

  it('a custom route key is not re-dispatched by the body: chat + {"action":"admin"} runs chat', async () => {
    const { calls, handler } = router();
    await handler(messageEvent({ routeKey: 'chat', body: { action: 'admin' } }), lambdaContext());
    expect(calls).toEqual(['chat:chat']);
  });

  it('a custom route key without its @OnMessage goes to @OnDefault, whatever the body says', async () => {
    const { calls, handler } = router();
    await handler(messageEvent({ routeKey: 'other', body: { action: 'admin' } }), lambdaContext());
    expect(calls).toEqual(['default:other:other']);
  });

  it('a custom route key without a route and without @OnDefault is a 404 naming the route', async () => {
    @WebSocketController()
    class Only {
      @OnMessage('admin') admin() {}
    }
    const handler = bootstrap([Only], { logger: recordingLogger(), errorFrames: false });
    const result = await handler(
      messageEvent({ routeKey: 'other', body: { action: 'admin' } }),
      lambdaContext(),
    );
    expect(result.statusCode).toBe(404);
    expect(JSON.parse(result.body!)).toMatchObject({
      error: { message: 'unknown action "other"' },
    });
  });

  it('$default stringifies a numeric action the way AWS does: {"action":1} selects "1"', async () => {
    const { calls, handler } = router();
    await handler(messageEvent({ body: { action: 1 } }), lambdaContext());
    expect(calls).toEqual(['1']);
  });

  it('the multi-variable expression ${request.body.service}/${request.body.action} selects "chat/join"', async () => {
    const { calls, handler } = router({
      actionField: '${request.body.service}/${request.body.action}',
    });
    await handler(messageEvent({ body: { service: 'chat', action: 'join' } }), lambdaContext());
    await handler(messageEvent({ body: { service: 'chat' } }), lambdaContext());
    expect(calls).toEqual(['chat/join', 'default:$default:undefined']);
  });

  it('an actionField API Gateway could not evaluate fails at bootstrap, naming it', () => {
    expect(() => router({ actionField: '$request.header.x' })).toThrow(
      /actionField.*\$request\.header\.x/,
    );
  });
});

describe('the built-in ping', () => {
  const fixture = useConnectionsRecorder();
  const { recorder } = fixture;

  it("runs through the controller's class middleware: a RateLimit sees pings like messages", async () => {
    @WebSocketController()
    @UseMiddleware(RateLimit({ perConnection: '2/m' }))
    class Limited {
      @OnMessage('hello') hello() {}
    }
    const handler = bootstrap([Limited], {
      managementEndpoint: fixture.endpoint,
      logger: recordingLogger(),
      errorFrames: false,
    });
    const ping = () =>
      handler(
        messageEvent({ connectionId: 'UGluZzAwMDAwMDE=', body: { action: 'ping' } }),
        lambdaContext(),
      );
    expect((await ping()).statusCode).toBe(200);
    expect((await ping()).statusCode).toBe(200);
    expect((await ping()).statusCode).toBe(429);
    expect(recorder.postsTo('UGluZzAwMDAwMDE=').map((post) => post.text)).toEqual([
      '{"type":"pong"}',
      '{"type":"pong"}',
    ]);
  });

  it('touches the stored connection at most once a minute', async () => {
    const store = new MemoryConnectionStore();
    const touches: string[] = [];
    const touch = store.touch.bind(store);
    store.touch = (connectionId, options) => {
      touches.push(connectionId);
      return touch(connectionId, options);
    };
    @WebSocketController()
    class Open {
      @OnMessage('hello') hello() {}
    }
    const handler = bootstrap([Open], {
      connections: store,
      managementEndpoint: fixture.endpoint,
      logger: recordingLogger(),
    });
    const id = 'VG91Y2gwMDAwMDE=';
    await store.save({
      connectionId: id,
      lastSeenAt: new Date(Date.now() - 120_000).toISOString(),
    });
    for (let i = 0; i < 5; i++) {
      await handler(messageEvent({ connectionId: id, body: { action: 'ping' } }), lambdaContext());
    }
    expect(touches).toEqual([id]);
    expect(recorder.postsTo(id)).toHaveLength(5);
  });
});

describe('error frames', () => {
  const fixture = useConnectionsRecorder();
  const { recorder } = fixture;

  it('posts no error frame to a connection whose post just failed', async () => {
    @WebSocketController()
    class Replier {
      @OnMessage('reply') async reply(ctx: WebSocketContext) {
        await ctx.send('answer');
      }
    }
    const handler = bootstrap([Replier], {
      managementEndpoint: fixture.endpoint,
      logger: recordingLogger(),
      broadcast: { timeoutMs: 500, retries: 0 },
    });
    const id = 'RnJhbWUwMDAwMDE=';
    recorder.script(id, 'forbidden');
    const result = await handler(
      messageEvent({ connectionId: id, body: { action: 'reply' } }),
      lambdaContext(),
    );
    expect(result.statusCode).toBe(500);
    // One POST (the route's); no second POST carrying the error envelope.
    expect(recorder.requests.filter((request) => request.connectionId === id)).toHaveLength(1);
  });

  it('still posts the error frame when the route failed for another reason', async () => {
    @WebSocketController()
    class Refuser {
      @OnMessage('nope') nope() {
        throw new Error('boom');
      }
    }
    const handler = bootstrap([Refuser], {
      managementEndpoint: fixture.endpoint,
      logger: recordingLogger(),
    });
    const id = 'RnJhbWUwMDAwMDI=';
    await handler(messageEvent({ connectionId: id, body: { action: 'nope' } }), lambdaContext());
    expect(recorder.postsTo(id).map((post) => JSON.parse(post.text) as unknown)).toEqual([
      expect.objectContaining({
        error: { code: 'INTERNAL_ERROR', message: 'Internal server error' },
      }),
    ]);
  });
});
