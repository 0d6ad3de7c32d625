/**
 * `connecting`: the first connection is being opened. `open`: messages go out now.
 * `reconnecting`: the connection was lost; the client waits (backoff) or is opening a new one,
 * and queues what is sent meanwhile. `closed`: `close()` was called, or the server said not to
 * retry (401/403 on the handshake, close 1008).
 */
export type ClientState = 'connecting' | 'open' | 'reconnecting' | 'closed';
