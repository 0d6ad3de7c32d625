import 'reflect-metadata';
import {
  Body,
  Claims,
  ConnectionId,
  Header,
  OnConnect,
  OnDefault,
  OnDisconnect,
  OnMessage,
  Query,
  UseMiddleware,
  WebSocketController,
  type MiddlewareFunction,
} from 'lift-ws';
import { getControllerMetadata, SYMBOL_METADATA } from '../../src/metadata/controller-metadata';
import { CONTROLLER_METADATA } from '../../src/metadata/keys';

const first: MiddlewareFunction = (_ctx, next) => next();
const second: MiddlewareFunction = (_ctx, next) => next();
const third: MiddlewareFunction = (_ctx, next) => next();

describe('decorators record metadata and nothing else', () => {
  it('stores one metadata object under a Symbol key on the class', () => {
    @WebSocketController({ name: 'Chat' })
    class ChatController {
      @OnConnect() connect() {}
      @OnDisconnect() disconnect() {}
      @OnMessage('sendMessage') send() {}
      @OnDefault() fallback() {}
    }
    const keys = Reflect.getOwnMetadataKeys(ChatController) as unknown[];
    expect(keys).toContain(CONTROLLER_METADATA);
    expect(typeof CONTROLLER_METADATA).toBe('symbol');
    const metadata = getControllerMetadata(ChatController);
    expect(metadata.controller).toEqual({ name: 'Chat' });
    expect(metadata.routes).toEqual({
      connect: [{ kind: 'connect' }],
      disconnect: [{ kind: 'disconnect' }],
      send: [{ kind: 'message', action: 'sendMessage' }],
      fallback: [{ kind: 'default' }],
    });
  });

  it('records several actions on one method', () => {
    @WebSocketController()
    class Multi {
      @OnMessage('a')
      @OnMessage('b')
      both() {}
    }
    const actions = getControllerMetadata(Multi).routes.both.map((route) => route.action);
    expect(actions.sort()).toEqual(['a', 'b']);
  });

  it('keeps class and method middleware in source order', () => {
    @WebSocketController()
    @UseMiddleware(first)
    @UseMiddleware(second)
    class Guarded {
      @UseMiddleware(second, third)
      @OnMessage('x')
      x() {}
    }
    const metadata = getControllerMetadata(Guarded);
    expect(metadata.classMiddleware).toEqual([first, second]);
    expect(metadata.methodMiddleware.x).toEqual([second, third]);
  });

  it('records parameter decorators with index and name', () => {
    @WebSocketController()
    class Params {
      @OnMessage('p')
      p(
        @Body('room') _room: string,
        @Query('q') _q: string,
        @Header('x-h') _h: string,
        @Claims() _claims: unknown,
        @ConnectionId() _id: string,
      ) {}
    }
    const params = [...getControllerMetadata(Params).params.p].sort((a, b) => a.index - b.index);
    expect(params).toEqual([
      { index: 0, kind: 'body', name: 'room' },
      { index: 1, kind: 'query', name: 'q' },
      { index: 2, kind: 'header', name: 'x-h' },
      { index: 3, kind: 'claims', name: undefined },
      { index: 4, kind: 'connectionId', name: undefined },
    ]);
  });

  it('never changes a parent class when a subclass is decorated', () => {
    @WebSocketController()
    class Parent {
      @OnMessage('parent') parent() {}
    }
    const before = getControllerMetadata(Parent);
    @WebSocketController()
    class Child extends Parent {
      @OnMessage('child') child() {}
    }
    expect(getControllerMetadata(Parent)).toBe(before);
    expect(Object.keys(getControllerMetadata(Parent).routes)).toEqual(['parent']);
    expect(Object.keys(getControllerMetadata(Child).routes)).toEqual(['child']);
  });

  it('freezes stored metadata so it is copied, never mutated', () => {
    @WebSocketController()
    class Frozen {
      @OnMessage('a') a() {}
    }
    const metadata = getControllerMetadata(Frozen);
    expect(Object.isFrozen(metadata)).toBe(true);
  });

  it('a class without decorators has empty metadata', () => {
    class Plain {}
    expect(getControllerMetadata(Plain).controller).toBeUndefined();
    expect(getControllerMetadata(Plain).routes).toEqual({});
  });

  it('rejects bad decorator arguments where they are written', () => {
    expect(() => OnMessage('')).toThrow(/non-empty action/);
    expect(() => OnMessage('$connect')).toThrow(/@OnConnect/);
    expect(() => UseMiddleware(42 as unknown as MiddlewareFunction)).toThrow(
      /argument 0 is not middleware/,
    );
  });

  describe('TC39 standard call shape (value, context)', () => {
    /** Calls decorators as a standard runtime does: members first, then the class, bottom-up. */
    function decorateStandard(
      memberDecorators: Array<[string, Array<(value: unknown, context: object) => void>]>,
      classDecorators: Array<(value: unknown, context: object) => void>,
    ): new () => object {
      const metadata: Record<PropertyKey, unknown> = {};
      class Target {}
      for (const [name, decorators] of memberDecorators) {
        for (const decorate of [...decorators].reverse()) {
          decorate(undefined, { kind: 'method', name, static: false, private: false, metadata });
        }
      }
      for (const decorate of [...classDecorators].reverse()) {
        decorate(Target, { kind: 'class', name: 'Target', metadata });
      }
      Object.defineProperty(Target, SYMBOL_METADATA, { value: metadata });
      return Target;
    }
    const standard = (decorator: unknown) => decorator as (value: unknown, context: object) => void;

    it('records the same metadata as experimental decorators, in source order', () => {
      const Target = decorateStandard(
        [
          [
            'x',
            [
              standard(UseMiddleware(second, third)),
              standard(OnMessage('a')),
              standard(OnMessage('b')),
            ],
          ],
          ['connect', [standard(OnConnect())]],
        ],
        [
          standard(WebSocketController({ name: 'Std' })),
          standard(UseMiddleware(first)),
          standard(UseMiddleware(second)),
        ],
      );
      const metadata = getControllerMetadata(Target);
      expect(metadata.controller).toEqual({ name: 'Std' });
      expect(metadata.routes.connect).toEqual([{ kind: 'connect' }]);
      expect(metadata.routes.x.map((route) => route.action).sort()).toEqual(['a', 'b']);
      expect(metadata.classMiddleware).toEqual([first, second]);
      expect(metadata.methodMiddleware.x).toEqual([second, third]);
      expect(Object.isFrozen(metadata)).toBe(true);
    });

    it('reads only the class own metadata, never a parent class metadata object', () => {
      const Parent = decorateStandard([['p', [standard(OnMessage('p'))]]], []);
      class Child extends Parent {}
      expect(Object.keys(getControllerMetadata(Parent).routes)).toEqual(['p']);
      expect(getControllerMetadata(Child).routes).toEqual({});
    });

    it('names what is wrong: static, symbol-named or private members, missing metadata', () => {
      const metadata = {};
      const onMessage = standard(OnMessage('x'));
      expect(() =>
        onMessage(undefined, { kind: 'method', name: 'm', static: true, metadata }),
      ).toThrow('@OnMessage() needs an instance method, got static m');
      expect(() =>
        onMessage(undefined, { kind: 'method', name: '#m', private: true, metadata }),
      ).toThrow('@OnMessage() needs a method with a string name, got #m');
      expect(() => onMessage(undefined, { kind: 'getter', name: 'g', metadata })).toThrow(
        '@OnMessage() decorates methods, not a getter',
      );
      expect(() => onMessage(undefined, { kind: 'method', name: 'm' })).toThrow(
        /no metadata object; import lift-ws before/,
      );
    });
  });
});
