export interface OptionNumberRule {
  /** Smallest allowed value. Default: anything above 0 (`exclusiveMin` 0). */
  min?: number;
  /** Whether the value must be a whole number. Default false. */
  integer?: boolean;
}

/**
 * Validates a numeric option at setup time, so a bad value fails once with a message naming
 * where it came from (`bootstrap option broadcast.concurrency`), never per event.
 * Without `rule.min` the value must be above 0; with it, at least `min`.
 *
 * @example
 * const concurrency = optionNumber(options.concurrency, 32, 'ManagementClient: concurrency', { integer: true });
 */
export function optionNumber(
  value: unknown,
  fallback: number,
  name: string,
  rule: OptionNumberRule = {},
): number {
  if (value === undefined) return fallback;
  const { min, integer = false } = rule;
  const valid =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (min === undefined ? value > 0 : value >= min) &&
    (!integer || Number.isInteger(value));
  if (!valid) {
    const kind = integer ? 'integer' : 'number';
    const range = min === undefined ? `a positive ${kind}` : `a ${kind} of at least ${min}`;
    throw new TypeError(`${name} must be ${range}, got ${describe(value)}`);
  }
  return value;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value === null ? 'null' : typeof value;
}
