/** API Gateway's connection ids are short base64-like strings; this leaves room to spare. */
export const MAX_CONNECTION_ID_LENGTH = 128;

/**
 * The rule for a connection id sent to API Gateway (the management client checks it before any
 * request): 1 to 128 printable ASCII characters, as API Gateway issues them.
 * @internal
 */
export function isConnectionId(value: unknown): value is string {
  if (!isWellFormedConnectionId(value)) return false;
  const length = value.length;
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x21 || code > 0x7e) return false;
  }
  return true;
}

/**
 * What every event's connection id is checked for: a string of 1 to 128 characters that can be
 * encoded (no lone surrogate), so it can be held, logged, used as a store key and put in a URL.
 * Cheaper than `isConnectionId` by a character loop (~50 ns, the cost of a whole `$connect`
 * answer on a slow core; `isWellFormed` is constant time on the one-byte strings API Gateway's
 * ids are), so events pay only this; an id API Gateway could not have issued is refused where it
 * would be sent (ctx.send and friends: 400 before any request).
 * @internal
 */
export function isWellFormedConnectionId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= MAX_CONNECTION_ID_LENGTH &&
    value.isWellFormed()
  );
}
