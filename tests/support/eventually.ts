/**
 * Polls until `check` gives a value other than undefined/false; rejects after `timeoutMs`
 * naming `what`. The one polling helper of the suite: tests wait for conditions, never for time.
 */
export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 3000,
  what = 'condition',
): Promise<T> {
  // performance.now, not Date.now: some tests move Date.now to age caches and tokens.
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    // Polling interval, not a wait for the condition itself.
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
