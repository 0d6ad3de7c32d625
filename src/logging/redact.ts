/**
 * Scrubs secrets from anything about to be logged: values under sensitive keys
 * (Authorization, tokens, Sec-WebSocket-Protocol, which browsers use to carry a JWT, keys and
 * secrets) and JWT-shaped strings anywhere else, such as inside a logged URL or error message.
 */
const SENSITIVE_KEY =
  /authorization|token|secret|password|passwd|api[-_]?key|private[-_]?key|sec-websocket-protocol|cookie|credential|signature/i;
const JWT_PATTERN = /\beyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;
const BEARER_PATTERN = /\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/gi;
const QUERY_SECRET_PATTERN = /([?&](?:authorization|token|access_token|id_token)=)[^&\s"']+/gi;

export const REDACTED = '[REDACTED]';

export function redactString(value: string): string {
  if (value.length < 8) return value;
  return value
    .replace(JWT_PATTERN, REDACTED)
    .replace(BEARER_PATTERN, `$1 ${REDACTED}`)
    .replace(QUERY_SECRET_PATTERN, `$1${REDACTED}`);
}

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

/** Returns a redacted copy; never mutates the input. Cycles and depth are bounded. */
export function redact(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8) return '[Truncated]';
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (value instanceof Error) {
    const copy: Record<string, unknown> = {
      name: value.name,
      message: redactString(value.message),
    };
    if (value.stack) copy.stack = redactString(value.stack);
    for (const [key, inner] of Object.entries(value)) {
      copy[key] = isSensitiveKey(key) ? REDACTED : redact(inner, depth + 1, seen);
    }
    if (value.cause !== undefined) copy.cause = redact(value.cause, depth + 1, seen);
    return copy;
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1, seen));
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] =
      isSensitiveKey(key) && inner !== null && inner !== undefined && inner !== ''
        ? REDACTED
        : redact(inner, depth + 1, seen);
  }
  return out;
}
