import type { MetadataTarget } from '../metadata/controller-metadata';

/**
 * The second argument of a TC39 standard decorator. Experimental (legacy) decorators get a
 * property key there, or nothing on a class, so `kind` tells the two call shapes apart.
 */
export interface StandardContext {
  readonly kind: string;
  readonly name?: string | symbol;
  readonly static?: boolean;
  readonly private?: boolean;
  readonly metadata?: object;
}

export function isStandardContext(value: unknown): value is StandardContext {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { kind?: unknown }).kind === 'string'
  );
}

/**
 * Where a standard decorator writes: `context.metadata`, which becomes the class's
 * `Symbol.metadata`. It is missing only when `Symbol.metadata` was absent as the class was
 * compiled-in-place, i.e. when the class was evaluated before lift-ws was imported.
 */
export function standardTarget(decorator: string, context: StandardContext): MetadataTarget {
  if (typeof context.metadata !== 'object' || context.metadata === null) {
    throw new TypeError(
      `@${decorator}(): the decorator context has no metadata object; import lift-ws before ` +
        'the classes it decorates are evaluated (it installs Symbol.metadata on Node 20)',
    );
  }
  return context.metadata;
}

/** The method a standard member decorator sits on, or a message naming what is wrong. */
export function standardMemberName(decorator: string, context: StandardContext): string {
  if (context.kind !== 'method' && context.kind !== 'field') {
    throw new TypeError(`@${decorator}() decorates methods, not a ${context.kind}`);
  }
  if (context.static) {
    throw new TypeError(
      `@${decorator}() needs an instance method, got static ${String(context.name)}`,
    );
  }
  if (typeof context.name !== 'string' || context.private) {
    throw new TypeError(
      `@${decorator}() needs a method with a string name, got ${String(context.name)}`,
    );
  }
  return context.name;
}
