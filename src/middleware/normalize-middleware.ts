import { errorMessage } from '../errors/error-message';
import type {
  Middleware,
  MiddlewareClass,
  MiddlewareFunction,
  MiddlewareObject,
} from './middleware';

/** A middleware in the one form the onion runs, with what bootstrap needs to know of it. */
export interface NormalizedMiddleware {
  readonly run: MiddlewareFunction;
  /** It refuses events without a verified identity (see `MiddlewareObject.requiresIdentity`). */
  readonly requiresIdentity: boolean;
}

function isClass(fn: MiddlewareFunction | MiddlewareClass): fn is MiddlewareClass {
  const proto = (fn as { prototype?: { use?: unknown } }).prototype;
  return typeof proto?.use === 'function';
}

/** esbuild renames a class with static members to `_Name`; the user wrote `Name`. */
function className(cls: { name: string }): string {
  return cls.name.replace(/^_+(?=[A-Za-z])/, '') || 'class';
}

function fromObject(object: MiddlewareObject, where: string): NormalizedMiddleware {
  object.checkAtBootstrap?.(where);
  return {
    // Bound once here: the onion calls it as a plain function, with no wrapper per layer.
    run: object.use.bind<MiddlewareFunction>(object),
    requiresIdentity: object.requiresIdentity === true,
  };
}

/**
 * Turns any accepted middleware form into a function. Classes are constructed here, once, at
 * bootstrap; `instances` makes the same class used on many routes share one instance. A
 * middleware's own bootstrap check runs here, so its error names the class and method.
 */
export function normalizeMiddleware(
  middleware: Middleware,
  where: string,
  instances: Map<MiddlewareClass, MiddlewareObject>,
): NormalizedMiddleware {
  if (typeof middleware === 'function') {
    if (isClass(middleware)) {
      let instance = instances.get(middleware);
      if (!instance) {
        try {
          instance = new middleware();
        } catch (error) {
          throw new Error(
            `${where}: middleware ${className(middleware)} could not be constructed: ${errorMessage(error)}`,
            { cause: error },
          );
        }
        instances.set(middleware, instance);
      }
      return fromObject(instance, where);
    }
    if (/^class[\s{]/.test(Function.prototype.toString.call(middleware))) {
      throw new Error(
        `${where}: middleware class ${className(middleware)} has no use(ctx, next) method`,
      );
    }
    return { run: middleware, requiresIdentity: false };
  }
  if (
    typeof middleware === 'object' &&
    middleware !== null &&
    typeof middleware.use === 'function'
  ) {
    return fromObject(middleware, where);
  }
  throw new Error(`${where}: a ${typeof middleware} is not middleware`);
}
