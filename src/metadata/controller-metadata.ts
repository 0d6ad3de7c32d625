import 'reflect-metadata';
import type { Middleware } from '../middleware/middleware';
import { CONTROLLER_METADATA, DESIGN_PARAM_TYPES } from './keys';

export interface ControllerOptions {
  /** A name for logs and errors; defaults to the class name. */
  name?: string;
}

export type RouteKind = 'connect' | 'disconnect' | 'message' | 'default';

export interface RouteDefinition {
  kind: RouteKind;
  /** The action (or custom route key) for `message` routes. */
  action?: string;
}

export type ParamKind = 'context' | 'body' | 'query' | 'header' | 'claims' | 'connectionId';

export interface ParamDefinition {
  index: number;
  kind: ParamKind;
  /** Query or header name, or a dotted path into the body. */
  name?: string;
}

/** Everything the decorators recorded about one class. Never mutated once stored. */
export interface ControllerMetadata {
  readonly controller?: Readonly<ControllerOptions>;
  readonly routes: Readonly<Record<string, readonly RouteDefinition[]>>;
  readonly classMiddleware: readonly Middleware[];
  readonly methodMiddleware: Readonly<Record<string, readonly Middleware[]>>;
  readonly params: Readonly<Record<string, readonly ParamDefinition[]>>;
}

const EMPTY_METADATA: ControllerMetadata = Object.freeze({
  routes: Object.freeze({}),
  classMiddleware: Object.freeze([]),
  methodMiddleware: Object.freeze({}),
  params: Object.freeze({}),
});

// Fail at import, not with a puzzling TypeError on the first decorator.
if (typeof Reflect !== 'object' || typeof Reflect.getOwnMetadata !== 'function') {
  throw new Error('lift-ws needs reflect-metadata: it could not be loaded');
}

/** The metadata recorded on this very class (never its parent's). */
export function getControllerMetadata(target: object): ControllerMetadata {
  return (
    (Reflect.getOwnMetadata(CONTROLLER_METADATA, target) as ControllerMetadata | undefined) ??
    EMPTY_METADATA
  );
}

/**
 * Writes a new metadata object built from a copy of the current one, so that a subclass never
 * changes what its parent recorded.
 */
function updateControllerMetadata(
  target: object,
  update: (current: ControllerMetadata) => ControllerMetadata,
): void {
  Reflect.defineMetadata(
    CONTROLLER_METADATA,
    Object.freeze(update(getControllerMetadata(target))),
    target,
  );
}

export function defineController(target: object, options: ControllerOptions): void {
  updateControllerMetadata(target, (current) => ({
    ...current,
    controller: Object.freeze({ ...options }),
  }));
}

export function defineRoute(target: object, method: string, route: RouteDefinition): void {
  updateControllerMetadata(target, (current) => ({
    ...current,
    routes: {
      ...current.routes,
      [method]: [...(current.routes[method] ?? []), Object.freeze(route)],
    },
  }));
}

export function defineClassMiddleware(target: object, middleware: readonly Middleware[]): void {
  // Class decorators run bottom-up; prepend so the list reads top-down like the source.
  updateControllerMetadata(target, (current) => ({
    ...current,
    classMiddleware: [...middleware, ...current.classMiddleware],
  }));
}

export function defineMethodMiddleware(
  target: object,
  method: string,
  middleware: readonly Middleware[],
): void {
  updateControllerMetadata(target, (current) => ({
    ...current,
    methodMiddleware: {
      ...current.methodMiddleware,
      [method]: [...middleware, ...(current.methodMiddleware[method] ?? [])],
    },
  }));
}

export function defineParam(target: object, method: string, param: ParamDefinition): void {
  updateControllerMetadata(target, (current) => ({
    ...current,
    params: {
      ...current.params,
      [method]: [...(current.params[method] ?? []), Object.freeze(param)],
    },
  }));
}

/** TypeScript's recorded parameter types of a method, when the build kept them. */
export function getDesignParamTypes(
  prototype: object,
  method: string,
): readonly unknown[] | undefined {
  return Reflect.getMetadata(DESIGN_PARAM_TYPES, prototype, method) as unknown[] | undefined;
}
