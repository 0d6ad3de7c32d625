/**
 * Parses where the action lives in a message body, written like API Gateway's route selection
 * expression (`$request.body.action`, `$request.body.meta.type`) or as a plain dotted path
 * (`action`, `meta.type`).
 */
export function parseActionPath(expression: string): readonly string[] {
  if (typeof expression !== 'string' || expression.trim() === '') {
    throw new Error(
      'actionField must be a non-empty string such as "action" or "$request.body.action"',
    );
  }
  let path = expression.trim();
  if (path.startsWith('$request.body.')) path = path.slice('$request.body.'.length);
  else if (path.startsWith('$')) {
    throw new Error(
      `actionField "${expression}": only $request.body.<path> selection expressions are supported`,
    );
  }
  const segments = path.split('.');
  if (segments.some((segment) => segment.length === 0)) {
    throw new Error(`actionField "${expression}" has an empty path segment`);
  }
  return Object.freeze(segments);
}

/** Follows a parsed path into a value; undefined when any step is missing. */
export function readPath(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (let i = 0; i < path.length; i++) {
    if (current === null || typeof current !== 'object') return undefined;
    const key = path[i];
    if (!Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
