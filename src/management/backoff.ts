/**
 * "Full jitter" backoff: a random delay in [0, min(max, base * 2^attempt)). Spreads the retries
 * of a throttled fan-out (429) instead of sending them back in lockstep.
 * @internal
 */
export function fullJitterDelay(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.floor(Math.random() * ceiling);
}

/** @internal */
export function sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
