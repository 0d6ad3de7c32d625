import { WsError, type WsErrorOptions } from './ws-error';

/** 400: the message cannot be understood (not JSON, missing fields). */
export class BadRequestError extends WsError {
  constructor(message = 'bad request', details?: unknown, options?: WsErrorOptions) {
    super(400, 'BAD_REQUEST', message, details, options);
  }
}

/** 401: no or invalid credentials. On `$connect` the handshake is refused. */
export class UnauthorizedError extends WsError {
  constructor(message = 'unauthorized', details?: unknown, options?: WsErrorOptions) {
    super(401, 'UNAUTHORIZED', message, details, options);
  }
}

/** 403: valid credentials, not allowed. */
export class ForbiddenError extends WsError {
  constructor(message = 'forbidden', details?: unknown, options?: WsErrorOptions) {
    super(403, 'FORBIDDEN', message, details, options);
  }
}

/** 404: no route for the action. */
export class NotFoundError extends WsError {
  constructor(message = 'not found', details?: unknown, options?: WsErrorOptions) {
    super(404, 'NOT_FOUND', message, details, options);
  }
}

/** 413: a message over API Gateway's 128 KB limit. */
export class PayloadTooLargeError extends WsError {
  constructor(message = 'payload too large', details?: unknown, options?: WsErrorOptions) {
    super(413, 'PAYLOAD_TOO_LARGE', message, details, options);
  }
}

/** 429: over a rate limit. */
export class TooManyRequestsError extends WsError {
  constructor(message = 'too many requests', details?: unknown, options?: WsErrorOptions) {
    super(429, 'TOO_MANY_REQUESTS', message, details, options);
  }
}

/** 410: the connection is gone (closed, or not yet open during `$connect`). */
export class GoneError extends WsError {
  constructor(message = 'connection is gone', details?: unknown, options?: WsErrorOptions) {
    super(410, 'GONE', message, details, options);
  }
}
