/**
 * Time kept back from the Lambda's remaining time so a `$connect` (or the authorizer) can still
 * answer and log after a key fetch is cut off: a quarter of the budget, at most 1.5 s, the same
 * reserve the runtime keeps for an event's other calls.
 */
const MAX_RESERVE_MS = 1500;

/**
 * The point in time (epoch ms) by which token verification, a JWKS fetch included, must have
 * ended; undefined when the Lambda context cannot tell (a hand-made context), and then the
 * fetch's own timeout bounds it. The context is read defensively: it may be hand-built.
 * @internal
 */
export function verificationDeadline(lambdaContext: unknown): number | undefined {
  const getRemaining = (lambdaContext as { getRemainingTimeInMillis?: unknown } | null | undefined)
    ?.getRemainingTimeInMillis;
  if (typeof getRemaining !== 'function') return undefined;
  let remaining: unknown;
  try {
    remaining = (getRemaining as () => unknown).call(lambdaContext);
  } catch {
    return undefined;
  }
  if (typeof remaining !== 'number' || !Number.isFinite(remaining)) return undefined;
  const reserve = Math.min(MAX_RESERVE_MS, Math.max(0, remaining) / 4);
  return Date.now() + remaining - reserve;
}
