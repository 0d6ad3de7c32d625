import { isPlainObject } from '../validation/is-plain-object';

/**
 * A dotted path into a JSON message body (`meta.type`), as route selection expressions and
 * `@Body('meta.type')` write it. Undefined when a segment is empty or holds `{`, `}`, `$` or
 * white space.
 */
export function parseBodyPath(path: string): readonly string[] | undefined {
  const segments = path.split('.');
  if (segments.some((segment) => segment === '' || /[\s{}$]/.test(segment))) return undefined;
  return Object.freeze(segments);
}

/**
 * Follows a parsed path into a body; undefined when any step is missing. Own properties of
 * plain objects only: `__proto__`, `constructor` or `toString` in a path never reach
 * Object.prototype, and arrays are not indexed (AWS's JSONPath would need `[0]`).
 */
export function readBodyPath(body: unknown, path: readonly string[]): unknown {
  let value = body;
  for (let i = 0; i < path.length; i++) {
    if (!isPlainObject(value) || !Object.hasOwn(value, path[i])) return undefined;
    value = value[path[i]];
  }
  return value;
}
