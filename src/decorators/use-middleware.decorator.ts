import { defineClassMiddleware, defineMethodMiddleware } from '../metadata/controller-metadata';
import type { Middleware } from '../middleware/middleware';
import { isStandardContext, standardMemberName, standardTarget } from './decorator-call';

/** `@UseMiddleware(...)` on a class or a method, with either kind of decorators. */
export interface MiddlewareDecorator {
  /** `experimentalDecorators` on a class. */
  (target: abstract new (...args: never[]) => unknown): void;
  /** `experimentalDecorators` on a method. */
  (target: object, propertyKey: string | symbol, descriptor?: PropertyDescriptor): void;
  /** TC39 standard decorators on a class or a method. */
  (value: unknown, context: ClassDecoratorContext | ClassMethodDecoratorContext<never>): void;
}

/**
 * Runs middleware around a controller's routes (on a class) or one route (on a method).
 * Order: global (bootstrap option) -> class -> method. Within one list, and across several
 * `@UseMiddleware` on the same class or method, the one written first runs first (outermost).
 *
 * @example
 * @UseMiddleware(JwtAuth, RateLimit({ perConnection: '10/s' }))
 */
export function UseMiddleware(...middleware: Middleware[]): MiddlewareDecorator {
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
  return (target: unknown, key?: unknown): void => {
    if (isStandardContext(key)) {
      const holder = standardTarget('UseMiddleware', key);
      if (key.kind === 'class') defineClassMiddleware(holder, middleware);
      else defineMethodMiddleware(holder, standardMemberName('UseMiddleware', key), middleware);
      return;
    }
    if (key === undefined) {
      defineClassMiddleware(target as object, middleware);
      return;
    }
    if (typeof key !== 'string') {
      throw new TypeError(
        `@UseMiddleware() needs a method with a string name, got ${typeof key === 'symbol' ? key.toString() : typeof key}`,
      );
    }
    defineMethodMiddleware((target as { constructor: object }).constructor, key, middleware);
  };
}
