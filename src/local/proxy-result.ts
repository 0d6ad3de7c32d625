/** A Lambda proxy result as API Gateway reads it, made safe to put on the wire. */
export interface ProxyResult {
  /** Undefined when the handler returned no status (read as 200 on `$connect`). */
  statusCode?: number;
  /** Header name and value pairs, names and values free of CR/LF. */
  headers: Array<[string, string]>;
  body?: string;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function readBody(value: Record<string, unknown>): string | undefined {
  const { body, isBase64Encoded } = value;
  if (body === undefined || body === null) return undefined;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return isBase64Encoded === true ? Buffer.from(text, 'base64').toString('utf8') : text;
}

/**
 * Reads whatever the handler returned: `{ statusCode, headers, body }`, a bare string
 * (taken as the body), or nothing.
 */
export function readProxyResult(value: unknown): ProxyResult {
  if (typeof value === 'string') return { headers: [], body: value };
  if (value === null || typeof value !== 'object') return { headers: [] };
  const record = value as Record<string, unknown>;
  const statusCode = typeof record.statusCode === 'number' ? record.statusCode : undefined;
  const headers: Array<[string, string]> = [];
  if (record.headers !== null && typeof record.headers === 'object') {
    for (const [name, raw] of Object.entries(record.headers)) {
      if (raw === undefined || raw === null || typeof raw === 'object') continue;
      const headerValue = String(raw as string | number | boolean);
      // A header must never be able to inject lines into the handshake response.
      if (!TOKEN.test(name) || /[\r\n]/.test(headerValue)) continue;
      headers.push([name, headerValue]);
    }
  }
  return { statusCode, headers, body: readBody(record) };
}
