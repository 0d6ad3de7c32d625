import { defineRoute, type RouteDefinition } from '../metadata/controller-metadata';
import { isStandardContext, standardMemberName, standardTarget } from './decorator-call';

/**
 * A route decorator. It fits methods and function-valued properties alike (the latter for
 * `@OnMessage('x') legacy = adaptLegacyHandler(fn)`), under `experimentalDecorators` and under
 * TC39 standard decorators (TypeScript 5+ without the flag, esbuild); it only records the
 * member's name.
 */
export interface RouteDecorator {
  /** `experimentalDecorators`: a method or property of the class's prototype. */
  (target: object, propertyKey: string | symbol, descriptor?: PropertyDescriptor): void;
  /** TC39 standard decorators. */
  (
    value: unknown,
    context: ClassMethodDecoratorContext<never> | ClassFieldDecoratorContext<never>,
  ): void;
}

function routeDecorator(name: string, route: RouteDefinition): RouteDecorator {
  return (target: unknown, key: unknown): void => {
    if (isStandardContext(key)) {
      defineRoute(standardTarget(name, key), standardMemberName(name, key), route);
      return;
    }
    if (typeof key !== 'string') {
      throw new TypeError(`@${name}() needs a method with a string name, got ${String(key)}`);
    }
    defineRoute((target as { constructor: object }).constructor, key, route);
  };
}

/**
 * Handles `$connect`. Return nothing (or a value) to accept; throw a `WsError` or return
 * `ctx.status(4xx)` to refuse the handshake with that HTTP status.
 */
export function OnConnect(): RouteDecorator {
  return routeDecorator('OnConnect', { kind: 'connect' });
}

/** Handles `$disconnect` (best effort in AWS: it may never come). */
export function OnDisconnect(): RouteDecorator {
  return routeDecorator('OnDisconnect', { kind: 'disconnect' });
}

/**
 * Handles a message whose action (the body's `action` field on `$default`, or a custom route
 * key) is `action`.
 *
 * @example
 * @OnMessage('sendMessage')
 * send(ctx: WebSocketContext) { ... }
 */
export function OnMessage(action: string): RouteDecorator {
  if (typeof action !== 'string' || action.length === 0) {
    throw new TypeError('@OnMessage(action) needs a non-empty action name');
  }
  if (action === '$connect' || action === '$disconnect' || action === '$default') {
    throw new TypeError(
      `@OnMessage('${action}'): use @OnConnect(), @OnDisconnect() or @OnDefault()`,
    );
  }
  return routeDecorator('OnMessage', { kind: 'message', action });
}

/** Handles messages no `@OnMessage` matches (unknown action, non-JSON body). */
export function OnDefault(): RouteDecorator {
  return routeDecorator('OnDefault', { kind: 'default' });
}
