/**
 * The part of the WHATWG `WebSocket` the client uses: browsers' and Node 22's global, and the
 * `ws` package's class on Node 20, all fit.
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  onclose: ((event: { readonly code: number; readonly reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** `new WebSocket(url, protocols)`. */
export type WebSocketConstructor = new (url: string, protocols?: string[]) => WebSocketLike;
