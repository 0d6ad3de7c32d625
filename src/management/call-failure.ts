import {
  ForbiddenError,
  GoneError,
  PayloadTooLargeError,
  TooManyRequestsError,
} from '../errors/named-errors';
import { WsError } from '../errors/ws-error';

/** What went wrong with one `@connections` call, read off whatever the SDK threw. @internal */
export interface CallFailure {
  /** The HTTP status AWS answered; undefined when no answer came (network, timeout). */
  statusCode: number | undefined;
  /** The SDK's error name (`GoneException`, `Unknown`, `AbortError`, `TimeoutError`...). */
  name: string;
  message: string;
  gone: boolean;
  timedOut: boolean;
  /** 429, 5xx, and failures before an answer (network, timeout) are worth another attempt. */
  retryable: boolean;
}

// Socket-level failures where the request may simply be tried again.
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
]);

const NETWORK_CODE_IN_MESSAGE = new RegExp(`\\b(?:${[...NETWORK_CODES].join('|')})\\b`);

/**
 * By its `code`, or else by its message: when Node's socket error comes from another realm
 * (jest runs modules in a vm context), the SDK's retry middleware fails its `instanceof Error`
 * check and rethrows `new Error("AWS SDK error wrapper for Error: connect ECONNREFUSED ...")`,
 * dropping the code.
 */
function isNetworkError(code: unknown, message: string): boolean {
  if (typeof code === 'string') return NETWORK_CODES.has(code);
  return NETWORK_CODE_IN_MESSAGE.test(message);
}

/**
 * The HTTP status AWS answered, as the SDK records it on the error it throws.
 * @internal
 */
export function httpStatusOf(error: unknown): number | undefined {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | null | undefined)
    ?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** @internal */
export function classifyFailure(error: unknown, timedOut: boolean): CallFailure {
  const err = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
  };
  const name = typeof err.name === 'string' ? err.name : 'Error';
  const message = typeof err.message === 'string' ? err.message : String(error);
  const statusCode = httpStatusOf(error);
  // Without the x-amzn-ErrorType header the SDK names a 410 `Unknown`: the status decides too.
  const gone = name === 'GoneException' || statusCode === 410;
  const network =
    statusCode === undefined &&
    (timedOut || name === 'TimeoutError' || isNetworkError(err.code, message));
  const retryable =
    !gone &&
    (network ||
      statusCode === 429 ||
      name === 'LimitExceededException' ||
      (statusCode !== undefined && statusCode >= 500));
  return { statusCode, name, message, gone, timedOut, retryable };
}

/**
 * The WsError a failed call becomes; the SDK's error is kept as `cause`.
 * @internal
 */
export function toWsError(
  operation: string,
  connectionId: string,
  failure: CallFailure,
  attempts: number,
  timeoutMs: number,
  cause: unknown,
): WsError {
  const what = `${operation} ${connectionId}`;
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  if (failure.gone)
    return new GoneError(`connection ${connectionId} is gone`, undefined, { cause });
  const status = failure.statusCode;
  if (status === 413 || failure.name === 'PayloadTooLargeException') {
    return new PayloadTooLargeError(`${what}: API Gateway refused the payload (413)`, undefined, {
      cause,
    });
  }
  if (status === 429 || failure.name === 'LimitExceededException') {
    return new TooManyRequestsError(`${what}: throttled by API Gateway (429)${tries}`, undefined, {
      cause,
    });
  }
  if (status === 403 || failure.name === 'ForbiddenException') {
    // Our own IAM or endpoint is wrong, not the client: keep the message for the log only.
    return new ForbiddenError(
      `${what}: API Gateway answered 403; check execute-api:ManageConnections and the endpoint's stage`,
      undefined,
      { cause, expose: false },
    );
  }
  if (failure.timedOut) {
    return new WsError(
      504,
      'MANAGEMENT_API_TIMEOUT',
      `${what}: no answer within ${timeoutMs} ms${tries}`,
      undefined,
      { cause },
    );
  }
  const answered = status === undefined ? 'no answer' : `HTTP ${status}`;
  return new WsError(
    502,
    'MANAGEMENT_API_ERROR',
    `${what} failed (${answered}, ${failure.name}: ${failure.message})${tries}`,
    undefined,
    { cause },
  );
}
