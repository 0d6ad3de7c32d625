import { parseBodyPath, readBodyPath } from './body-path';

/** A piece of a parsed expression: literal text, or a path into the message body. */
type Part = string | readonly string[];

const BODY_PREFIX = 'request.body.';
// An unbraced variable ends at the first character that cannot be in a field name; AWS's own
// example (`${request.body.version}-beta`) uses braces to put literal text right after one.
const UNBRACED_VARIABLE = /^[A-Za-z0-9_.-]+/;

/**
 * API Gateway's route selection expression for WebSocket APIs, parsed once and evaluated against
 * each message's already-parsed JSON body. One evaluator for the framework's `actionField` and
 * the local gateway.
 *
 * Accepts `$request.body.a.b`, `${request.body.a.b}`, several variables with literal text between
 * them (`${request.body.service}/${request.body.action}`), `\$` for a literal dollar, and, for
 * `actionField`, a plain dotted path (`meta.type` means `$request.body.meta.type`).
 *
 * @example
 * const expression = RouteSelectionExpression.parse('${request.body.service}/${request.body.action}');
 * expression.evaluate({ service: 'chat', action: 'join' }); // 'chat/join'
 */
export class RouteSelectionExpression {
  readonly #source: string;
  readonly #parts: readonly Part[];

  private constructor(source: string, parts: readonly Part[]) {
    this.#source = source;
    this.#parts = parts;
  }

  /**
   * Parses an expression; throws a TypeError naming it when API Gateway would not evaluate it
   * against a message body.
   */
  static parse(expression: string): RouteSelectionExpression {
    if (typeof expression !== 'string' || expression.trim() === '') {
      throw new TypeError(
        `Unsupported route selection expression ${JSON.stringify(expression)}: use ` +
          '$request.body.<field>, e.g. $request.body.action',
      );
    }
    const source = expression.trim();
    const parts =
      source.includes('$') || source.includes('\\')
        ? parseTemplate(source, expression)
        : [parsePath(source, expression)];
    return new RouteSelectionExpression(source, Object.freeze(parts));
  }

  /**
   * The route key this expression selects for a parsed JSON body, or undefined when a field it
   * references is missing or has no string form (null, an object).
   */
  evaluate(body: unknown): string | undefined {
    const parts = this.#parts;
    // The common case, one variable and nothing else, without building a string.
    if (parts.length === 1) {
      const only = parts[0];
      return typeof only === 'string' ? only : stringify(readBodyPath(body, only));
    }
    let key = '';
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      if (typeof part === 'string') {
        key += part;
        continue;
      }
      const value = stringify(readBodyPath(body, part));
      if (value === undefined) return undefined;
      key += value;
    }
    return key;
  }

  /** The expression as written (trimmed). */
  toString(): string {
    return this.#source;
  }
}

function parseTemplate(source: string, original: string): Part[] {
  const parts: Part[] = [];
  let literal = '';
  let i = 0;
  while (i < source.length) {
    const char = source[i];
    if (char === '\\' && source[i + 1] === '$') {
      literal += '$';
      i += 2;
      continue;
    }
    if (char !== '$') {
      literal += char;
      i += 1;
      continue;
    }
    let variable: string;
    if (source[i + 1] === '{') {
      const end = source.indexOf('}', i + 2);
      if (end === -1) throw unsupported(original, 'a "${" has no closing "}"');
      variable = source.slice(i + 2, end);
      i = end + 1;
    } else {
      const match = UNBRACED_VARIABLE.exec(source.slice(i + 1));
      if (!match) throw unsupported(original, 'a "$" is not followed by a variable');
      variable = match[0];
      i += 1 + variable.length;
    }
    if (literal !== '') parts.push(literal);
    literal = '';
    if (!variable.startsWith(BODY_PREFIX)) {
      throw unsupported(original, `only $request.body.<path> variables are supported`);
    }
    parts.push(parsePath(variable.slice(BODY_PREFIX.length), original));
  }
  if (literal !== '') parts.push(literal);
  return parts;
}

function parsePath(path: string, original: string): readonly string[] {
  const segments = parseBodyPath(path);
  if (!segments) throw unsupported(original, 'a field path has an empty or invalid segment');
  return segments;
}

function unsupported(expression: string, reason: string): TypeError {
  return new TypeError(
    `Unsupported route selection expression ${JSON.stringify(expression)}: ${reason} ` +
      '(only $request.body.<path> expressions, e.g. $request.body.action)',
  );
}

/**
 * AWS documents that the selected value "will be stringified", and that an array of two elements
 * becomes the string "[item1, item2]" (route-selection expressions, API Gateway developer guide).
 * So numbers and booleans select the route named by their text (`{"action":1}` selects "1").
 * Nothing is documented for null or objects: they select nothing, so the message goes to
 * `$default`, as when the field is missing.
 */
function stringify(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
      return String(value);
    default: {
      if (!Array.isArray(value)) return undefined;
      const items: string[] = [];
      for (const item of value as unknown[]) {
        const text = stringify(item);
        if (text === undefined) return undefined;
        items.push(text);
      }
      return `[${items.join(', ')}]`;
    }
  }
}
