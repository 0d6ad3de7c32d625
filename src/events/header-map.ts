/**
 * A case-insensitive view of an event's headers. Only string values are kept: an event built
 * by hand (or fuzzed) may carry any type, and a header that is not a string is treated as
 * absent rather than crashing a reader that calls `.trim()` on it.
 */
export type HeaderMap = Readonly<Record<string, string | undefined>>;

const EMPTY: HeaderMap = Object.freeze(Object.create(null) as Record<string, string>);

export function lowerCaseHeaders(headers: unknown): HeaderMap {
  if (typeof headers !== 'object' || headers === null) return EMPTY;
  const lower = Object.create(null) as Record<string, string>;
  for (const key of Object.keys(headers)) {
    const value = (headers as Record<string, unknown>)[key];
    if (typeof value === 'string') lower[key.toLowerCase()] = value;
  }
  return lower;
}
