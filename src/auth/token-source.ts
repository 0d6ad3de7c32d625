import type { TokenSource } from './jwt-options';

/**
 * What token extraction reads: the context and the authorizer event both offer it. The values
 * are typed `unknown` on purpose: a hand-built or fuzzed event can carry numbers, arrays or
 * objects where API Gateway sends strings, so every reader checks before it parses.
 */
export interface TokenRequest {
  /** A query-string parameter, exact name. */
  query(name: string): unknown;
  /** A request header, case-insensitive. */
  header(name: string): unknown;
}

/** A token found on a `$connect` request. */
export interface FoundToken {
  readonly token: string;
  readonly source: TokenSource;
  /**
   * For the `protocol` source: the subprotocol the `$connect` answer must echo in
   * `Sec-WebSocket-Protocol` (a browser closes a socket whose handshake answer does not pick
   * one of the subprotocols it offered).
   */
  readonly protocol?: string;
}

/** Three base64url segments; the signature may be empty so that `alg: none` is refused by name. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/**
 * An HTTP token (RFC 7230 §3.2.6), what RFC 6455 allows as a subprotocol name. Only such an
 * entry is echoed: a hand-built event could carry CR/LF or other bytes that must never reach a
 * response header.
 */
const SUBPROTOCOL = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** `Bearer <jwt>`, and also a bare `Bearer` (a client that had no token to put after it). */
const BEARER_PREFIX = /^bearer(?:\s+|$)/i;

/** The token after an optional `Bearer` prefix; an empty remainder is no token at all. */
function withoutBearer(value: string): string | undefined {
  return value.trim().replace(BEARER_PREFIX, '').trim() || undefined;
}

function fromQuery(request: TokenRequest, parameter: string): string | undefined {
  // Lift sends the raw token; some clients copy the header form into the URL.
  const value = request.query(parameter);
  return typeof value === 'string' ? withoutBearer(value) : undefined;
}

function fromHeader(request: TokenRequest): string | undefined {
  const value = request.header('authorization');
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  // Other schemes (Basic, AWS SigV4...) are not ours to judge: treat them as no token.
  return BEARER_PREFIX.test(trimmed) ? withoutBearer(trimmed) : undefined;
}

/**
 * Browsers can only add subprotocols to a WebSocket handshake, so clients send the token as one:
 * `new WebSocket(url, [jwt])` or `new WebSocket(url, ['bearer', jwt])`. The header then reads
 * `<jwt>` or `bearer, <jwt>`.
 *
 * The echo prefers a non-token entry (`bearer`, `lift-ws`): the browser accepts any offered
 * value, and echoing a name rather than the credential keeps the token out of the 101 answer
 * (and so out of proxies and access logs that record response headers). Only when the token is
 * the sole entry must it be echoed itself.
 */
function fromProtocol(request: TokenRequest): { token: string; protocol: string } | undefined {
  const value = request.header('sec-websocket-protocol');
  if (typeof value !== 'string' || value.length === 0) return undefined;
  let token: string | undefined;
  let other: string | undefined;
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (entry.length === 0) continue;
    if (token === undefined && JWT_SHAPE.test(entry)) token = entry;
    else if (SUBPROTOCOL.test(entry)) other ??= entry;
  }
  if (token === undefined) return undefined;
  return { token, protocol: other ?? token };
}

/**
 * Looks for the token in the configured sources, in order; the first source that has one wins.
 * An empty source (`?Authorization=Bearer%20`, an empty header) counts as absent, so the next
 * source is still read.
 * @internal
 */
export function findToken(
  request: TokenRequest,
  sources: readonly TokenSource[],
  queryParameter: string,
): FoundToken | undefined {
  for (const source of sources) {
    if (source === 'query') {
      const token = fromQuery(request, queryParameter);
      if (token) return { token, source };
    } else if (source === 'header') {
      const token = fromHeader(request);
      if (token) return { token, source };
    } else {
      const found = fromProtocol(request);
      if (found) return { token: found.token, source, protocol: found.protocol };
    }
  }
  return undefined;
}

/** Describes the configured sources for a "no token" message. @internal */
export function describeTokenSources(
  sources: readonly TokenSource[],
  queryParameter: string,
): string {
  const names: Record<TokenSource, string> = {
    query: `the ${queryParameter} query parameter`,
    header: 'an Authorization: Bearer header',
    protocol: 'Sec-WebSocket-Protocol',
  };
  return sources.map((source) => names[source]).join(', or ');
}
