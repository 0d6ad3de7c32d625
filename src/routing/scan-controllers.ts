import { errorMessage } from '../errors/error-message';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { parseWithSchema } from '../contract/parse-with-schema';
import {
  contextInternals,
  WebSocketContext,
  withoutFrameFields,
} from '../context/websocket-context';
import { lowerCaseHeaders, type HeaderMap } from '../events/header-map';
import {
  getControllerMetadata,
  getDesignParamTypes,
  type ControllerMetadata,
  type ParamDefinition,
  type RouteDefinition,
} from '../metadata/controller-metadata';
import type { Middleware, MiddlewareClass, MiddlewareObject } from '../middleware/middleware';
import { normalizeMiddleware, type NormalizedMiddleware } from '../middleware/normalize-middleware';
import { compose, type ComposedRoute } from '../middleware/compose';
import { parseBodyPath, readBodyPath } from './body-path';
import { RouteSelectionExpression } from './route-selection-expression';
import { RouteTable, type CompiledRoute } from './route-table';

/** A controller class (constructed once, no arguments) or a ready instance. */
export type ControllerInput = (new () => object) | object;

export interface ScanOptions {
  middleware: readonly Middleware[];
  actionField: string;
  /** Built-in routes for events no controller handles. */
  fallbacks: {
    connect: ComposedRoute;
    disconnect: ComposedRoute;
    message: ComposedRoute;
  };
  /**
   * Actions the framework answers itself (heartbeat) unless a controller claims them. They run
   * like messages: through the global middleware and the class middleware of the controller
   * that declares `@OnDefault` (or of the only controller), so its RateLimit sees them too.
   */
  builtinActions?: ReadonlyArray<{ action: string; route: ComposedRoute }>;
}

type ArgumentResolver = (ctx: WebSocketContext) => unknown;

interface Registered {
  route: CompiledRoute;
  where: string;
}

const resolveContext: ArgumentResolver = (ctx) => ctx;

/** What each kind of route answers as in metrics; message routes answer as their action. */
const ROUTE_LABELS: Partial<Record<RouteDefinition['kind'], string>> = {
  connect: '$connect',
  disconnect: '$disconnect',
  default: '$default',
};

function className(target: object): string {
  return (target as { name?: string }).name || 'anonymous class';
}

/** Metadata of the class and its decorated ancestors, base first, the subclass winning. */
function collectMetadata(cls: object): ControllerMetadata {
  const chain: object[] = [];
  for (
    let current: object | null = cls;
    current && current !== Function.prototype;
    current = Object.getPrototypeOf(current) as object | null
  ) {
    chain.unshift(current);
  }
  const merged = {
    controller: getControllerMetadata(cls).controller,
    routes: {} as Record<string, readonly RouteDefinition[]>,
    classMiddleware: [] as Middleware[],
    methodMiddleware: {} as Record<string, readonly Middleware[]>,
    params: {} as Record<string, readonly ParamDefinition[]>,
  };
  for (const link of chain) {
    const own = getControllerMetadata(link);
    Object.assign(merged.routes, own.routes);
    Object.assign(merged.methodMiddleware, own.methodMiddleware);
    Object.assign(merged.params, own.params);
    merged.classMiddleware.push(...own.classMiddleware);
  }
  return merged;
}

function paramResolver(param: ParamDefinition, where: string): ArgumentResolver {
  const name = param.name;
  switch (param.kind) {
    case 'context':
      return resolveContext;
    case 'connectionId':
      return (ctx) => ctx.connectionId;
    case 'claims':
      return (ctx) => ctx.claims;
    case 'query':
      return (ctx) => ctx.query(name ?? '');
    case 'header':
      return (ctx) => ctx.header(name ?? '');
    case 'body': {
      if (!name) return (ctx) => ctx.body();
      const path = parseBodyPath(name);
      if (!path)
        throw new Error(`${where}: @Body('${name}') is not a dotted path such as 'meta.type'`);
      return (ctx) => readBodyPath(ctx.body(), path);
    }
  }
}

function parseSelection(actionField: string): RouteSelectionExpression {
  try {
    return RouteSelectionExpression.parse(actionField);
  } catch (error) {
    throw new TypeError(`bootstrap option actionField: ${errorMessage(error)}`, { cause: error });
  }
}

function describeType(type: unknown): string {
  if (typeof type === 'function') return type.name || 'anonymous';
  return String(type);
}

/**
 * Decides what each parameter of a route method receives. Decorated parameters get their piece of
 * the event; any other parameter gets the context. When the build kept `design:paramtypes` (tsc
 * with emitDecoratorMetadata), undecorated parameters must be typed `WebSocketContext` (or an
 * interface, which TypeScript records as Object); esbuild and tsx record nothing and we trust them.
 */
function buildArgumentResolvers(
  prototype: object,
  method: string,
  fn: (...args: unknown[]) => unknown,
  decorated: readonly ParamDefinition[],
  where: string,
): ArgumentResolver[] {
  const designTypes = getDesignParamTypes(prototype, method);
  const byIndex = new Map<number, ParamDefinition>();
  for (const param of decorated) {
    if (byIndex.has(param.index)) {
      throw new Error(`${where}: parameter ${param.index} has more than one parameter decorator`);
    }
    byIndex.set(param.index, param);
  }
  const count = Math.max(
    fn.length,
    designTypes?.length ?? 0,
    ...decorated.map((p) => p.index + 1),
    1,
  );
  const resolvers: ArgumentResolver[] = [];
  for (let index = 0; index < count; index++) {
    const param = byIndex.get(index);
    if (param) {
      resolvers.push(paramResolver(param, where));
      continue;
    }
    const type = designTypes?.[index];
    if (type !== undefined && type !== WebSocketContext && type !== Object) {
      throw new Error(
        `${where}: parameter ${index} has type ${describeType(type)}, which cannot be injected. ` +
          'Type it WebSocketContext, or use a parameter decorator (@Body, @Query, @Header, @Claims, @ConnectionId).',
      );
    }
    resolvers.push(resolveContext);
  }
  return resolvers;
}

function buildInvoker(
  instance: object,
  fn: (...args: unknown[]) => unknown,
  resolvers: ArgumentResolver[],
): ComposedRoute {
  // The common case, every parameter the context, needs no argument array per event.
  if (resolvers.length === 1 && resolvers[0] === resolveContext)
    return (ctx) => fn.call(instance, ctx);
  return (ctx) => {
    const args = new Array<unknown>(resolvers.length);
    for (let i = 0; i < resolvers.length; i++) args[i] = resolvers[i](ctx);
    return fn.apply(instance, args);
  };
}

/**
 * Checks a route's input with its Standard Schema before the method runs: the message body
 * (without the frame's `action` and `id`), or on `$connect` the query and headers. What the
 * schema outputs is what `ctx.body()` returns. Synchronous when the validator is.
 */
function validatedInvoker(
  schema: StandardSchemaV1,
  kind: RouteDefinition['kind'],
  invoke: ComposedRoute,
): ComposedRoute {
  return (ctx) => {
    const input = kind === 'connect' ? connectInput(ctx) : withoutFrameFields(ctx.body());
    const output = parseWithSchema(schema, input);
    if (output instanceof Promise) {
      return output.then((value) => {
        contextInternals.setValidatedBody(ctx, value);
        return invoke(ctx);
      });
    }
    contextInternals.setValidatedBody(ctx, output);
    return invoke(ctx);
  };
}

/** What a `$connect` schema checks: the query and the (lower-cased) headers, strings only. */
function connectInput(ctx: WebSocketContext): {
  query: Record<string, string>;
  headers: HeaderMap;
} {
  const query: Record<string, string> = {};
  const given = ctx.event.queryStringParameters;
  if (given && typeof given === 'object') {
    for (const [name, value] of Object.entries(given)) {
      if (typeof value === 'string') query[name] = value;
    }
  }
  return { query, headers: lowerCaseHeaders(ctx.event.headers) };
}

/**
 * Scans the controllers once and returns the route table with every middleware chain composed.
 * Throws, naming class and method, on anything that would otherwise fail per event.
 */
export function scanControllers(
  controllers: readonly ControllerInput[],
  options: ScanOptions,
): RouteTable {
  if (!Array.isArray(controllers)) {
    throw new TypeError(
      'bootstrap(controllers): controllers must be an array of classes or instances',
    );
  }
  const instances = new Map<MiddlewareClass, MiddlewareObject>();
  const globalChain = options.middleware.map((m, i) =>
    normalizeMiddleware(m, `bootstrap middleware[${i}]`, instances),
  );
  const selection = parseSelection(options.actionField);

  let connect: Registered | undefined;
  let disconnect: Registered | undefined;
  let fallback: Registered | undefined;
  let fallbackClassChain: NormalizedMiddleware[] | undefined;
  let onlyClassChain: NormalizedMiddleware[] = [];
  const guardedMessageRoutes: string[] = [];
  const actions = new Map<string, Registered>();
  const seen = new Set<object>();

  const claim = (slot: Registered | undefined, label: string, next: Registered): Registered => {
    if (slot) throw new Error(`duplicate ${label} route: ${slot.where} and ${next.where}`);
    return next;
  };

  controllers.forEach((input, position) => {
    if (input === null || (typeof input !== 'function' && typeof input !== 'object')) {
      throw new TypeError(
        `bootstrap(controllers): controllers[${position}] is not a class or an instance`,
      );
    }
    const cls = (
      typeof input === 'function' ? input : (input as { constructor: unknown }).constructor
    ) as new () => object;
    const name = className(cls);
    if (seen.has(cls)) throw new Error(`bootstrap(controllers): ${name} is listed more than once`);
    seen.add(cls);
    const metadata = collectMetadata(cls);
    if (!metadata.controller) {
      throw new Error(`${name} is not a controller: decorate it with @WebSocketController()`);
    }
    let instance: object;
    if (typeof input === 'function') {
      try {
        instance = new cls();
      } catch (error) {
        throw new Error(
          `${name} could not be constructed with no arguments: ${errorMessage(error)}`,
          {
            cause: error,
          },
        );
      }
    } else {
      instance = input as object;
    }
    const controllerName = metadata.controller.name ?? name;
    const classChain = metadata.classMiddleware.map((m, i) =>
      normalizeMiddleware(m, `${controllerName} @UseMiddleware[${i}]`, instances),
    );

    for (const [method, routes] of Object.entries(metadata.routes)) {
      const where = `${controllerName}.${method}`;
      const fn = (instance as Record<string, unknown>)[method];
      if (typeof fn !== 'function')
        throw new Error(`${where} is decorated as a route but is not a method`);
      const resolvers = buildArgumentResolvers(
        cls.prototype as object,
        method,
        fn as (...args: unknown[]) => unknown,
        metadata.params[method] ?? [],
        where,
      );
      const methodChain = (metadata.methodMiddleware[method] ?? []).map((m, i) =>
        normalizeMiddleware(m, `${where} @UseMiddleware[${i}]`, instances),
      );
      const chain = [...globalChain, ...classChain, ...methodChain];
      const invoke = buildInvoker(instance, fn as (...args: unknown[]) => unknown, resolvers);
      const layers = chain.map((m) => m.run);
      const plain = compose(layers, invoke);

      for (const route of routes) {
        // Validation runs innermost: after authentication and rate limits, right before the method.
        const run = route.schema
          ? compose(layers, validatedInvoker(route.schema, route.kind, invoke))
          : plain;
        if (route.kind !== 'connect' && chain.some((m) => m.requiresIdentity)) {
          guardedMessageRoutes.push(where);
        }
        const compiled: CompiledRoute = {
          name: where,
          kind: route.kind,
          action: route.action,
          label: ROUTE_LABELS[route.kind] ?? route.action ?? '',
          run,
          schema: route.schema,
        };
        const entry: Registered = { route: compiled, where };
        if (route.kind === 'connect') connect = claim(connect, '@OnConnect', entry);
        else if (route.kind === 'disconnect')
          disconnect = claim(disconnect, '@OnDisconnect', entry);
        else if (route.kind === 'default') {
          fallback = claim(fallback, '@OnDefault', entry);
          fallbackClassChain = classChain;
        } else {
          const action = route.action ?? '';
          actions.set(action, claim(actions.get(action), `@OnMessage('${action}')`, entry));
        }
      }
    }
    onlyClassChain = classChain;
    for (const method of Object.keys(metadata.methodMiddleware)) {
      if (!metadata.routes[method]) {
        throw new Error(`${controllerName}.${method} has @UseMiddleware but no route decorator`);
      }
    }
    for (const method of Object.keys(metadata.params)) {
      if (!metadata.routes[method]) {
        throw new Error(
          `${controllerName}.${method} has parameter decorators but no route decorator`,
        );
      }
    }
  });

  const builtin = (
    label: string,
    route: ComposedRoute,
    chain: readonly NormalizedMiddleware[] = globalChain,
  ): CompiledRoute => ({
    name: `builtin:${label}`,
    kind: 'builtin',
    action: label.startsWith('$') ? undefined : label,
    label,
    run: compose(
      chain.map((m) => m.run),
      route,
    ),
  });
  const table = new RouteTable(
    connect?.route ?? builtin('$connect', options.fallbacks.connect),
    disconnect?.route ?? builtin('$disconnect', options.fallbacks.disconnect),
    fallback?.route ?? builtin('$default', options.fallbacks.message),
    selection,
    guardedMessageRoutes,
  );
  for (const [action, entry] of actions) table.addAction(action, entry.route);
  const hostChain = fallbackClassChain ?? (controllers.length === 1 ? onlyClassChain : []);
  for (const { action, route } of options.builtinActions ?? []) {
    // A controller's own @OnMessage(action) wins over the built-in one.
    if (table.hasAction(action)) continue;
    table.addAction(action, builtin(action, route, [...globalChain, ...hostChain]));
  }
  return table;
}
