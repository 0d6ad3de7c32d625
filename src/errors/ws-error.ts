export interface WsErrorOptions {
  /** The underlying error, kept for logs; never sent to the client. */
  cause?: unknown;
  /** Whether `message` may be shown to the client. Defaults to `statusCode < 500`. */
  expose?: boolean;
}

/**
 * An error with an HTTP-like status that lift-ws turns into an error answer:
 * `{ statusCode, body: {"error":{"code","message"},"requestId"} }`.
 *
 * @example
 * throw new WsError(400, 'ROOM_REQUIRED', 'room is required');
 */
export class WsError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly details?: unknown;
  readonly expose: boolean;
  override readonly cause?: unknown;

  constructor(
    statusCode: number,
    code: string,
    message: string,
    details?: unknown,
    options: WsErrorOptions = {},
  ) {
    super(message);
    this.name = new.target.name;
    this.statusCode =
      Number.isInteger(statusCode) && statusCode >= 400 && statusCode <= 599 ? statusCode : 500;
    this.code = code;
    this.details = details;
    this.expose = options.expose ?? this.statusCode < 500;
    if (options.cause !== undefined) this.cause = options.cause;
  }
}
