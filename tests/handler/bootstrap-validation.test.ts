import {
  bootstrap,
  Body,
  OnConnect,
  OnDefault,
  OnMessage,
  UseMiddleware,
  WebSocketController,
  WebSocketContext,
} from 'lift-ws';

describe('bootstrap validates everything once, naming class and method', () => {
  it('names both methods of a duplicate action', () => {
    @WebSocketController()
    class First {
      @OnMessage('send') a() {}
    }
    @WebSocketController()
    class Second {
      @OnMessage('send') b() {}
    }
    expect(() => bootstrap([First, Second])).toThrow(
      "duplicate @OnMessage('send') route: First.a and Second.b",
    );
  });

  it('refuses two @OnConnect and two @OnDefault', () => {
    @WebSocketController()
    class A {
      @OnConnect() c1() {}
      @OnDefault() d1() {}
    }
    @WebSocketController()
    class B {
      @OnConnect() c2() {}
    }
    expect(() => bootstrap([A, B])).toThrow('duplicate @OnConnect route: A.c1 and B.c2');
  });

  it('refuses a class without @WebSocketController', () => {
    class NotAController {
      @OnMessage('x') x() {}
    }
    expect(() => bootstrap([NotAController])).toThrow(
      'NotAController is not a controller: decorate it with @WebSocketController()',
    );
  });

  it('names the method and parameter whose type cannot be injected', () => {
    @WebSocketController()
    class BadParams {
      @OnMessage('x') x(_ctx: WebSocketContext, _count: number) {}
    }
    expect(() => bootstrap([BadParams])).toThrow(
      /BadParams\.x: parameter 1 has type Number, which cannot be injected/,
    );
  });

  it('accepts decorated parameters of any type', () => {
    @WebSocketController()
    class GoodParams {
      @OnMessage('x') x(@Body('n') _n: number, _ctx: WebSocketContext) {}
    }
    expect(() => bootstrap([GoodParams])).not.toThrow();
  });

  it('reports a controller whose constructor throws', () => {
    @WebSocketController()
    class Broken {
      constructor() {
        throw new Error('no database');
      }
    }
    expect(() => bootstrap([Broken])).toThrow(
      'Broken could not be constructed with no arguments: no database',
    );
  });

  it('refuses a controller listed twice and things that are not controllers', () => {
    @WebSocketController()
    class Once {}
    expect(() => bootstrap([Once, Once])).toThrow('Once is listed more than once');
    expect(() => bootstrap([42 as unknown as object])).toThrow(
      'controllers[0] is not a class or an instance',
    );
    expect(() => bootstrap('x' as unknown as [])).toThrow(/must be an array/);
  });

  it('refuses bad options', () => {
    @WebSocketController()
    class Ok {}
    expect(() => bootstrap([Ok], { colour: 'blue' } as never)).toThrow(
      'bootstrap: unknown option "colour"',
    );
    expect(() => bootstrap([Ok], { maxMessageBytes: -1 })).toThrow(
      /maxMessageBytes must be a positive integer/,
    );
    expect(() => bootstrap([Ok], { managementEndpoint: 'not a url' })).toThrow(
      /managementEndpoint is not a URL/,
    );
    expect(() => bootstrap([Ok], { actionField: '$request.header.x' })).toThrow(
      /only \$request\.body/,
    );
    expect(() => bootstrap([Ok], { heartbeat: { reply: 'shout' as never } })).toThrow(
      /heartbeat.reply/,
    );
    expect(() => bootstrap([Ok], { connections: {} as never })).toThrow(
      /must be a ConnectionStore/,
    );
  });

  it('names the route of middleware that is not middleware', () => {
    class NoUse {}
    @WebSocketController()
    class Guarded {
      @UseMiddleware(NoUse as never)
      @OnMessage('x')
      x() {}
    }
    expect(() => bootstrap([Guarded])).toThrow(
      'Guarded.x @UseMiddleware[0]: middleware class NoUse has no use(ctx, next) method',
    );
  });

  it('refuses @UseMiddleware on a method that is not a route', () => {
    @WebSocketController()
    class Stray {
      @UseMiddleware((_c, next) => next()) helper() {}
    }
    expect(() => bootstrap([Stray])).toThrow(
      'Stray.helper has @UseMiddleware but no route decorator',
    );
  });
});
