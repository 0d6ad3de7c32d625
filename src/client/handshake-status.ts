/**
 * The HTTP status of a refused handshake, where the WebSocket implementation tells it: `ws`
 * reports "Unexpected server response: 401". Browsers never expose it (a refused handshake is
 * a bare close 1006), so there a refusal looks like a network failure and is retried.
 */
export function handshakeStatus(event: unknown): number | undefined {
  const candidates = [
    (event as { message?: unknown } | null)?.message,
    (event as { error?: { message?: unknown } } | null)?.error?.message,
  ];
  for (const text of candidates) {
    const match = typeof text === 'string' ? /server response: (\d{3})/.exec(text) : null;
    if (match) return Number(match[1]);
  }
  return undefined;
}
