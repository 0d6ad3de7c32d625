/** Polls until `check` gives a value other than undefined/false; rejects after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 3000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    // Polling interval, not a wait for the condition itself.
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
