import {
  bootstrap,
  OnMessage,
  UseMiddleware,
  WebSocketController,
  WebSocketContext,
  type MiddlewareFunction,
  type Next,
} from 'lift-ws';
import { connectEvent, lambdaContext, messageEvent } from 'lift-ws/testing';
import { captureLogger } from '../support/capture-logger';

describe('middleware', () => {
  it('runs global -> class -> method around the route, onion style', async () => {
    const calls: string[] = [];
    const layer =
      (name: string): MiddlewareFunction =>
      async (_ctx, next) => {
        calls.push(`${name}>`);
        const result = await next();
        calls.push(`<${name}`);
        return result;
      };
    @WebSocketController()
    @UseMiddleware(layer('class1'), layer('class2'))
    class Ordered {
      @UseMiddleware(layer('method'))
      @OnMessage('go')
      go() {
        calls.push('route');
      }
    }
    const handler = bootstrap([Ordered], {
      middleware: [layer('global')],
      logger: captureLogger().logger,
    });
    await handler(messageEvent({ body: { action: 'go' } }), lambdaContext());
    expect(calls).toEqual([
      'global>',
      'class1>',
      'class2>',
      'method>',
      'route',
      '<method',
      '<class2',
      '<class1',
      '<global',
    ]);
  });

  it('constructs class middleware once at bootstrap and shares it between routes', async () => {
    let constructed = 0;
    const seen: string[] = [];
    class Tagger {
      constructor() {
        constructed++;
      }
      use(ctx: WebSocketContext, next: Next) {
        ctx.set('tag', 'tagged');
        return next();
      }
    }
    @WebSocketController()
    @UseMiddleware(Tagger)
    class Tagged {
      @UseMiddleware(Tagger)
      @OnMessage('a')
      a(ctx: WebSocketContext) {
        seen.push(ctx.get<string>('tag') ?? 'none');
      }
      @OnMessage('b') b(ctx: WebSocketContext) {
        seen.push(ctx.get<string>('tag') ?? 'none');
      }
    }
    const handler = bootstrap([Tagged], { logger: captureLogger().logger });
    expect(constructed).toBe(1);
    await handler(messageEvent({ body: { action: 'a' } }), lambdaContext());
    await handler(messageEvent({ body: { action: 'b' } }), lambdaContext());
    expect(constructed).toBe(1);
    expect(seen).toEqual(['tagged', 'tagged']);
  });

  it('accepts object middleware and lets it short-circuit with an answer', async () => {
    let routeRan = false;
    const closed = { use: (ctx: WebSocketContext) => ctx.status(403).json({ closed: true }) };
    @WebSocketController()
    class Shut {
      @UseMiddleware(closed)
      @OnMessage('x')
      x() {
        routeRan = true;
      }
    }
    const handler = bootstrap([Shut], { logger: captureLogger().logger, errorFrames: false });
    const result = await handler(messageEvent({ body: { action: 'x' } }), lambdaContext());
    expect(result).toEqual({ statusCode: 403, body: '{"closed":true}' });
    expect(routeRan).toBe(false);
  });

  it('answers 500 when a middleware calls next() twice, and runs the route once', async () => {
    let runs = 0;
    @WebSocketController()
    class Twice {
      @UseMiddleware(async (_c, next) => {
        await next();
        await next();
      })
      @OnMessage('x')
      x() {
        runs++;
      }
    }
    const log = captureLogger();
    const handler = bootstrap([Twice], { logger: log.logger, errorFrames: false });
    const result = await handler(messageEvent({ body: { action: 'x' } }), lambdaContext());
    expect(result.statusCode).toBe(500);
    expect(runs).toBe(1);
    expect(log.text()).toContain('next() called more than once');
  });

  it('runs global middleware on built-in routes too ($connect without @OnConnect, unknown actions)', async () => {
    const seen: string[] = [];
    @WebSocketController()
    class Empty {}
    const handler = bootstrap([Empty], {
      middleware: [
        async (ctx, next) => {
          seen.push(ctx.routeKey);
          return next();
        },
      ],
      logger: captureLogger().logger,
      errorFrames: false,
    });
    await handler(connectEvent(), lambdaContext());
    await handler(messageEvent({ body: { action: 'nope' } }), lambdaContext());
    expect(seen).toEqual(['$connect', '$default']);
  });
});
