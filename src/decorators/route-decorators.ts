import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { ContractAction } from '../contract/contract-types';
import { isStandardSchema } from '../contract/is-standard-schema';
import { defineRoute, type RouteDefinition } from '../metadata/controller-metadata';

/** Options of a route decorator. */
export interface RouteOptions {
  /**
   * Any Standard Schema v1 validator (zod, valibot, arktype...). Input that fails it is answered
   * with 400 `VALIDATION_FAILED` (`details.issues`) and the route does not run; what passes,
   * as the schema outputs it, is what `ctx.body()` and `@Body()` return. On `@OnMessage` it
   * checks the body (without `action` and `id`); on `@OnConnect`, `{ query, headers }`.
   */
  schema?: StandardSchemaV1;
}

function checkedSchema(
  options: RouteOptions | undefined,
  where: string,
): StandardSchemaV1 | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`@${where}(options): options must be an object such as { schema }`);
  }
  if (options.schema !== undefined && !isStandardSchema(options.schema)) {
    throw new TypeError(
      `@${where}: schema must be a Standard Schema v1 validator (zod, valibot, arktype...)`,
    );
  }
  return options.schema;
}
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
export function OnConnect(options?: RouteOptions): RouteDecorator {
  const schema = checkedSchema(options, 'OnConnect');
  return routeDecorator('OnConnect', { kind: 'connect', ...(schema ? { schema } : {}) });
}

/** Handles `$disconnect` (best effort in AWS: it may never come). */
export function OnDisconnect(): RouteDecorator {
  return routeDecorator('OnDisconnect', { kind: 'disconnect' });
}

/**
 * Handles a message whose action (the body's `action` field on `$default`, or a custom route
 * key) is `action`. Given a contract's action, the route takes its name and its body schema.
 *
 * @example
 * @OnMessage('sendMessage')
 * send(ctx: WebSocketContext) { ... }
 *
 * @OnMessage(chat.actions.sendMessage) // validated by the contract's body schema
 * send(ctx: WebSocketContext) { const { room, text } = ctx.body(chat.actions.sendMessage); }
 */
export function OnMessage(action: string | ContractAction, options?: RouteOptions): RouteDecorator {
  const fromContract = typeof action === 'object' && action !== null && action.kind === 'action';
  const name = fromContract ? action.name : action;
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError('@OnMessage(action) needs a non-empty action name or a contract action');
  }
  if (name === '$connect' || name === '$disconnect' || name === '$default') {
    throw new TypeError(`@OnMessage('${name}'): use @OnConnect(), @OnDisconnect() or @OnDefault()`);
  }
  const schema = checkedSchema(options, 'OnMessage') ?? (fromContract ? action.body : undefined);
  return routeDecorator('OnMessage', {
    kind: 'message',
    action: name,
    ...(schema ? { schema } : {}),
  });
}

/** Handles messages no `@OnMessage` matches (unknown action, non-JSON body). */
export function OnDefault(): RouteDecorator {
  return routeDecorator('OnDefault', { kind: 'default' });
}
