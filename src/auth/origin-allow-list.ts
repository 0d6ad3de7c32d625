/**
 * `https://Chat.Example.com/` and `https://chat.example.com` are the same origin.
 * @internal
 */
export function normalizeOrigin(origin: string): string {
  const lower = origin.trim().toLowerCase();
  return lower.endsWith('/') ? lower.slice(0, -1) : lower;
}

/**
 * Whether a `$connect` may proceed given its `Origin` header. Browsers always send `Origin` on a
 * WebSocket handshake and any page may open a socket to any host, so this is the only defence
 * against cross-site WebSocket hijacking. Non-browser clients send no `Origin`; they cannot ride
 * a user's browser session, so they pass and the token decides. A value that is not a string
 * cannot come from a browser (API Gateway delivers header values as strings): it is treated as
 * absent, like the context's header map does, and the token decides.
 * @internal
 */
export function isOriginAllowed(
  allowed: ReadonlySet<string> | undefined,
  origin: unknown,
): boolean {
  if (allowed === undefined || typeof origin !== 'string') return true;
  return allowed.has(normalizeOrigin(origin));
}
