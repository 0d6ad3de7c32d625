/**
 * Keys whose values are secrets wherever they appear: credentials, tokens, cookies, and
 * Sec-WebSocket-Protocol (browsers cannot set headers, so a JWT often travels in it).
 */
const SENSITIVE_KEY =
  /authorization|token|secret|password|passwd|passphrase|api[-_]?key|private[-_]?key|sec-websocket-protocol|cookie|credential|signature|^auth$|bearer/i;

/** Keys that name a token without holding one (JwtAuth logs where a refused token came from). */
const NOT_A_SECRET = /^token[-_]?(?:source|type|use|count)$/i;

/** Logged objects repeat the same few keys; remembering the answer makes a check a lookup. */
const known = new Map<string, boolean>();
/** Client-chosen keys (a fuzzed body) must not grow the cache without bound. */
const MAX_REMEMBERED = 1024;

/** True when the value under `key` must never be written to a log. */
export function isSensitiveKey(key: string): boolean {
  let sensitive = known.get(key);
  if (sensitive === undefined) {
    sensitive = SENSITIVE_KEY.test(key) && !NOT_A_SECRET.test(key);
    if (known.size < MAX_REMEMBERED) known.set(key, sensitive);
  }
  return sensitive;
}
