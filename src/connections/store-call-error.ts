import { errorMessage } from '../errors/error-message';

/** Why a store call was cut short. */
export type StoreCallFailure = 'timeout' | 'aborted';

/**
 * A store call that was stopped: by the store's own per-call timeout, or by the caller's signal
 * (the event's deadline). The message names the operation and the table, so a line in the log
 * says which call hung where.
 */
export class StoreCallError extends Error {
  override readonly name = 'StoreCallError';

  constructor(
    message: string,
    readonly operation: string,
    readonly failure: StoreCallFailure,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The error for a call whose caller's signal has fired. */
  static aborted(operation: string, where: string, signal: AbortSignal): StoreCallError {
    const reason: unknown = signal.reason;
    return new StoreCallError(
      `${operation} on ${where} aborted by the caller's signal` +
        (reason === undefined ? '' : `: ${errorMessage(reason)}`),
      operation,
      'aborted',
      { cause: reason },
    );
  }
}
