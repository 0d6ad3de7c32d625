import 'reflect-metadata';
import type { StandardSchemaV1 } from '@standard-schema/spec';
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
  /**
   * A Standard Schema v1 validator the input must pass before the route runs: the message
   * body (without `action` and `id`), or on `$connect` `{ query, headers }`.
   */
  schema?: StandardSchemaV1;
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

/**
 * Where decorators write: a class (experimental decorators, through reflect-metadata) or the
 * `context.metadata` object of TC39 standard decorators, which the runtime then installs as the
 * class's `Symbol.metadata`. Both hold the same frozen object under CONTROLLER_METADATA.
 */
export type MetadataTarget = object;

/**
 * Node 20 has no `Symbol.metadata`, and without it TypeScript's and esbuild's standard decorator
 * emit pass `context.metadata === undefined`, leaving the method decorators nowhere to write
 * before the class exists. Installing the well-known symbol (the TC39 proposal's own polyfill)
 * at import time is enough: lift-ws is imported before the user's classes are evaluated.
 */
const symbolWithMetadata = Symbol as unknown as { metadata?: symbol };
symbolWithMetadata.metadata ??= Symbol.for('Symbol.metadata');
export const SYMBOL_METADATA: symbol = symbolWithMetadata.metadata;

function ownStandardMetadata(target: object): ControllerMetadata | undefined {
  // A subclass's metadata object inherits from its parent's: read own properties only.
  const holder: unknown = Object.prototype.hasOwnProperty.call(target, SYMBOL_METADATA)
    ? (target as Record<symbol, unknown>)[SYMBOL_METADATA]
    : typeof target === 'function'
      ? undefined
      : target;
  if (typeof holder !== 'object' || holder === null) return undefined;
  if (!Object.prototype.hasOwnProperty.call(holder, CONTROLLER_METADATA)) return undefined;
  return (holder as Record<symbol, ControllerMetadata>)[CONTROLLER_METADATA];
}

/** The metadata recorded on this very class (never its parent's), by either decorator kind. */
export function getControllerMetadata(target: MetadataTarget): ControllerMetadata {
  return (
    (Reflect.getOwnMetadata(CONTROLLER_METADATA, target) as ControllerMetadata | undefined) ??
    ownStandardMetadata(target) ??
    EMPTY_METADATA
  );
}

/**
 * Writes a new metadata object built from a copy of the current one, so that a subclass never
 * changes what its parent recorded.
 */
function updateControllerMetadata(
  target: MetadataTarget,
  update: (current: ControllerMetadata) => ControllerMetadata,
): void {
  const next = Object.freeze(update(getControllerMetadata(target)));
  if (typeof target === 'function') {
    Reflect.defineMetadata(CONTROLLER_METADATA, next, target);
    return;
  }
  Object.defineProperty(target, CONTROLLER_METADATA, {
    value: next,
    configurable: true,
    writable: true,
    enumerable: false,
  });
}

export function defineController(target: MetadataTarget, options: ControllerOptions): void {
  updateControllerMetadata(target, (current) => ({
    ...current,
    controller: Object.freeze({ ...options }),
  }));
}

export function defineRoute(target: MetadataTarget, method: string, route: RouteDefinition): void {
  updateControllerMetadata(target, (current) => ({
    ...current,
    routes: {
      ...current.routes,
      [method]: [...(current.routes[method] ?? []), Object.freeze(route)],
    },
  }));
}

export function defineClassMiddleware(
  target: MetadataTarget,
  middleware: readonly Middleware[],
): void {
  // Class decorators run bottom-up; prepend so the list reads top-down like the source.
  updateControllerMetadata(target, (current) => ({
    ...current,
    classMiddleware: [...middleware, ...current.classMiddleware],
  }));
}

export function defineMethodMiddleware(
  target: MetadataTarget,
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

export function defineParam(target: MetadataTarget, method: string, param: ParamDefinition): void {
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
