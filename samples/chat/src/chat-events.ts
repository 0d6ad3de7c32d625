/**
 * What the chat sends to clients, one JSON object per frame. Errors arrive as lift-ws's error
 * envelope, `{"error":{"code","message","details?"},"requestId"}`, and heartbeats as
 * `{"type":"pong"}`.
 */
export type ChatEvent =
  | { type: 'joined'; room: string; user: string; at: string }
  | { type: 'left'; room: string; user: string; at: string }
  | { type: 'message'; room: string; from: string; text: string; at: string }
  | { type: 'whoami'; userId?: string; tenantId?: string; connectionId: string };

/** What clients send: `{"action": ..., ...}`, routed on `$request.body.action`. */
export type ChatAction =
  | { action: 'join'; room: string }
  | { action: 'leave'; room: string }
  | { action: 'sendMessage'; room: string; text: string }
  | { action: 'whoami' }
  | { action: 'ping' };
