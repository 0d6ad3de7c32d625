import {
  ForbiddenError,
  GoneError,
  PayloadTooLargeError,
  TooManyRequestsError,
} from '../errors/named-errors';
import { WsError } from '../errors/ws-error';

/** What went wrong with one `@connections` attempt, read off whatever was thrown. @internal */
export interface CallFailure {
  /** The HTTP status AWS answered; undefined when no complete answer came (network, timeout). */
  statusCode: number | undefined;
  /** The error's name (`GoneException`, `Unknown`, `AbortError`, `TimeoutError`...). */
  name: string;
  message: string;
  gone: boolean;
  /** The attempt's own timeout fired (before or after the answer's headers). */
  timedOut: boolean;
  /** The call's deadline cut the attempt short. */
  deadline: boolean;
  /** No byte of a complete request can have reached AWS: the connection failed, or the
   * request was not fully written. Trying again cannot deliver anything twice. */
  neverSent: boolean;
  /** AWS answered and refused (429, 5xx): nothing was delivered, another attempt is safe. */
  refused: boolean;
  /** A failure before any answer, where the request may have reached AWS (timeouts, resets). */
  ambiguous: boolean;
}

/** What the attempt runner knows beyond the error itself. @internal */
export interface AttemptFacts {
  timedOut: boolean;
  deadline: boolean;
  /** True when the runner saw the request fully written; undefined when it cannot tell. */
  written?: boolean;
}

// Failures while connecting: the request never left this machine.
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
]);

// Failures of a socket that may already have carried the request.
const SOCKET_CODES = new Set(['ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT']);

const codePattern = (codes: ReadonlySet<string>): RegExp =>
  new RegExp(`\\b(?:${[...codes].join('|')})\\b`);
const CONNECT_CODE_IN_MESSAGE = codePattern(CONNECT_CODES);
const SOCKET_CODE_IN_MESSAGE = codePattern(SOCKET_CODES);

/**
 * By its `code`, or else by its message: when Node's socket error comes from another realm
 * (jest runs modules in a vm context), the SDK's retry middleware fails its `instanceof Error`
 * check and rethrows `new Error("AWS SDK error wrapper for Error: connect ECONNREFUSED ...")`,
 * dropping the code.
 */
function hasCode(code: unknown, message: string, codes: ReadonlySet<string>, inMessage: RegExp) {
  if (typeof code === 'string') return codes.has(code);
  return inMessage.test(message);
}

/**
 * The HTTP status AWS answered, as the SDK (and the lean POST path) records it on the error.
 * @internal
 */
export function httpStatusOf(error: unknown): number | undefined {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | null | undefined)
    ?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** @internal */
export function classifyFailure(error: unknown, facts: AttemptFacts): CallFailure {
  const err = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
  };
  const name = typeof err.name === 'string' ? err.name : 'Error';
  const message = typeof err.message === 'string' ? err.message : String(error);
  const cut = facts.timedOut || facts.deadline;
  // Headers then silence is a timeout: the SDK's error still carries the 200 of the headers.
  const statusCode = cut ? undefined : httpStatusOf(error);
  // Without the x-amzn-ErrorType header the SDK names a 410 `Unknown`: the status decides too.
  const gone = name === 'GoneException' || statusCode === 410;
  const refused =
    statusCode === 429 ||
    name === 'LimitExceededException' ||
    (statusCode !== undefined && statusCode >= 500);
  const noAnswer = statusCode === undefined;
  const connectFailed = hasCode(err.code, message, CONNECT_CODES, CONNECT_CODE_IN_MESSAGE);
  const socketFailed = hasCode(err.code, message, SOCKET_CODES, SOCKET_CODE_IN_MESSAGE);
  const neverSent = noAnswer && (facts.written === false || (!cut && connectFailed));
  const ambiguous =
    noAnswer && !neverSent && (cut || socketFailed || name === 'TimeoutError' || connectFailed);
  return {
    statusCode,
    name,
    message,
    gone,
    timedOut: facts.timedOut,
    deadline: facts.deadline,
    neverSent,
    refused,
    ambiguous,
  };
}

/**
 * The WsError a failed call becomes; the thrown error is kept as `cause`.
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
  if (failure.deadline) {
    const sent = failure.neverSent
      ? 'before it was sent'
      : 'before an answer (it may have been delivered)';
    return new WsError(
      504,
      'MANAGEMENT_API_TIMEOUT',
      `${what}: the call's deadline passed ${sent}${tries}`,
      undefined,
      { cause },
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
