/**
 * The message of anything thrown. Checks the shape, not `instanceof Error`: errors from Node's
 * internals or another realm (jest's sandbox, a vm context) are not instances of this realm's
 * Error, and `String(error)` would prefix them with their name and code.
 */
export function errorMessage(error: unknown): string {
  const message = (error as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' ? message : String(error);
}
