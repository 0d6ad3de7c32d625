/**
 * "Full jitter" backoff: a random delay in [0, min(max, base * 2^attempt)). Spreads the retries
 * of throttled callers (a 429 from `@connections`, unprocessed DynamoDB writes) instead of
 * sending them back in lockstep.
 */
export function fullJitterDelay(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.floor(Math.random() * ceiling);
}
