/** API Gateway's limit for one WebSocket message (and so for one PostToConnection). */
export const MAX_MESSAGE_BYTES = 128 * 1024;

/** A connection lives at most 2 hours; API Gateway then closes it. */
export const MAX_CONNECTION_MS = 2 * 60 * 60 * 1000;

/** A connection with no traffic either way for 10 minutes is closed. */
export const IDLE_TIMEOUT_MS = 10 * 60 * 1000;

/** The integration timeout of a route: a Lambda answering later is reported as failed. */
export const INTEGRATION_TIMEOUT_MS = 29_000;
