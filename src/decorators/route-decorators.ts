import { defineRoute, type RouteDefinition } from '../metadata/controller-metadata';

/**
 * Route decorators fit methods and function-valued properties alike (the latter for
 * `@OnMessage('x') legacy = adaptLegacyHandler(fn)`); they only record the member's name.
 */
export type RouteDecorator = MethodDecorator & PropertyDecorator;

function routeDecorator(name: string, route: RouteDefinition): RouteDecorator {
  return (target: object, propertyKey: string | symbol) => {
    if (typeof propertyKey !== 'string') {
      throw new TypeError(
        `@${name}() needs a method with a string name, got ${String(propertyKey)}`,
      );
    }
    defineRoute(target.constructor, propertyKey, route);
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
