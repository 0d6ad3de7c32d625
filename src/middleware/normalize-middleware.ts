import { errorMessage } from '../errors/error-message';
import type {
  Middleware,
  MiddlewareClass,
  MiddlewareFunction,
  MiddlewareObject,
} from './middleware';

function isClass(fn: MiddlewareFunction | MiddlewareClass): fn is MiddlewareClass {
  const proto = (fn as { prototype?: { use?: unknown } }).prototype;
  return typeof proto?.use === 'function';
}

/**
 * Turns any accepted middleware form into a function. Classes are constructed here, once, at
 * bootstrap; `instances` makes the same class used on many routes share one instance.
 */
export function normalizeMiddleware(
  middleware: Middleware,
  where: string,
  instances: Map<MiddlewareClass, MiddlewareObject>,
): MiddlewareFunction {
  if (typeof middleware === 'function') {
    if (isClass(middleware)) {
      let instance = instances.get(middleware);
      if (!instance) {
        try {
          instance = new middleware();
        } catch (error) {
          throw new Error(
            `${where}: middleware ${middleware.name || 'class'} could not be constructed: ${errorMessage(error)}`,
            { cause: error },
          );
        }
        instances.set(middleware, instance);
      }
      const object = instance;
      return (ctx, next) => object.use(ctx, next);
    }
    if (/^class[\s{]/.test(Function.prototype.toString.call(middleware))) {
      throw new Error(`${where}: middleware class ${middleware.name} has no use(ctx, next) method`);
    }
    return middleware;
  }
  if (
    typeof middleware === 'object' &&
    middleware !== null &&
    typeof middleware.use === 'function'
  ) {
    const object = middleware;
    return (ctx, next) => object.use(ctx, next);
  }
  throw new Error(`${where}: a ${typeof middleware} is not middleware`);
}
