import { defineClassMiddleware, defineMethodMiddleware } from '../metadata/controller-metadata';
import type { Middleware } from '../middleware/middleware';

/**
 * Runs middleware around a controller's routes (on a class) or one route (on a method).
 * Order: global (bootstrap option) -> class -> method, each list in the order written.
 *
 * @example
 * @UseMiddleware(JwtAuth, RateLimit({ perConnection: '10/s' }))
 */
export function UseMiddleware(...middleware: Middleware[]): ClassDecorator & MethodDecorator {
  for (const [index, item] of middleware.entries()) {
    const valid =
      typeof item === 'function' ||
      (typeof item === 'object' &&
        item !== null &&
        typeof (item as { use?: unknown }).use === 'function');
    if (!valid) {
      throw new TypeError(
        `@UseMiddleware(): argument ${index} is not middleware (a function, a class with use(), or an object with use())`,
      );
    }
  }
  const decorator = (target: object, propertyKey?: string | symbol): void => {
    if (propertyKey === undefined) {
      defineClassMiddleware(target, middleware);
      return;
    }
    if (typeof propertyKey !== 'string') {
      throw new TypeError(
        `@UseMiddleware() needs a method with a string name, got ${String(propertyKey)}`,
      );
    }
    defineMethodMiddleware(
      (target as { constructor: object }).constructor,
      propertyKey,
      middleware,
    );
  };
  return decorator;
}
