/**
 * A failed attempt of the lean PostToConnection path, shaped like the SDK's own errors (`name`
 * from `x-amzn-ErrorType`, `Unknown` without it; `$metadata.httpStatusCode`), so one
 * classifier reads both.
 * @internal
 */
export class ConnectionsApiError extends Error {
  readonly $metadata: { httpStatusCode?: number; requestId?: string };
  /** Node's socket error code (`ECONNREFUSED`...), when the socket failed. */
  readonly code?: string;

  constructor(
    name: string,
    message: string,
    details: { statusCode?: number; requestId?: string; code?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = name;
    this.$metadata = {};
    if (details.statusCode !== undefined) this.$metadata.httpStatusCode = details.statusCode;
    if (details.requestId !== undefined) this.$metadata.requestId = details.requestId;
    if (details.code !== undefined) this.code = details.code;
  }
}
