/** What the client itself reports, beside the codes the server sends in its error envelope. */
export type ClientErrorCode =
  | 'TIMEOUT'
  | 'CLOSED'
  | 'CONNECTION_LOST'
  | 'DROPPED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'POLICY_VIOLATION'
  | 'RETRIES_EXHAUSTED'
  | 'CONNECT_FAILED'
  | 'TOKEN_FAILED'
  | 'GATEWAY_ERROR';

/**
 * A failed request or connection, shaped like the server's `WsError` envelope
 * (`{"error":{"code","message","details"}}`): a request refused by the server rejects with the
 * server's `code`, `message` and `details` (e.g. `VALIDATION_FAILED` with `details.issues`).
 *
 * @example
 * try { await client.request('sendMessage', body); }
 * catch (error) { if (error instanceof ClientError && error.code === 'VALIDATION_FAILED') ... }
 */
export class ClientError extends Error {
  /** A server envelope code (`VALIDATION_FAILED`, `FORBIDDEN`...) or a {@link ClientErrorCode}. */
  readonly code: ClientErrorCode | (string & {});
  readonly details?: unknown;
  /** HTTP-like status: the handshake's (401, 403) or the close code's meaning, when known. */
  readonly statusCode?: number;
  /** The AWS request id the server's envelope carried. */
  readonly requestId?: string;

  constructor(
    code: ClientErrorCode | (string & {}),
    message: string,
    extra: { details?: unknown; statusCode?: number; requestId?: string } = {},
  ) {
    super(message);
    this.name = 'ClientError';
    this.code = code;
    if (extra.details !== undefined) this.details = extra.details;
    if (extra.statusCode !== undefined) this.statusCode = extra.statusCode;
    if (extra.requestId !== undefined) this.requestId = extra.requestId;
  }
}
