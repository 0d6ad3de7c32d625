/** API Gateway's connection ids are short base64-like strings; this leaves room to spare. */
export const MAX_CONNECTION_ID_LENGTH = 128;

/**
 * The one rule for a connection id, shared by event validation and the management client:
 * 1 to 128 printable ASCII characters, as API Gateway issues them. A character loop, not a
 * regular expression: it runs on every event.
 * @internal
 */
export function isConnectionId(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const length = value.length;
  if (length === 0 || length > MAX_CONNECTION_ID_LENGTH) return false;
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x21 || code > 0x7e) return false;
  }
  return true;
}
