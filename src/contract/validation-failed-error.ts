import { WsError, type WsErrorOptions } from '../errors/ws-error';
import type { ValidationIssue } from './validation-issue';

/**
 * 400 `VALIDATION_FAILED`: a message (or its reply, or an event) does not match its schema.
 * The envelope's `details` is `{ issues: [{ path, message }] }`, already bounded by
 * {@link validateWithSchema}.
 *
 * @example
 * throw new ValidationFailedError([{ path: 'text', message: 'Required' }]);
 * // -> {"error":{"code":"VALIDATION_FAILED","message":"...","details":{"issues":[...]}}}
 */
export class ValidationFailedError extends WsError {
  declare readonly details: { readonly issues: readonly ValidationIssue[] };

  constructor(
    issues: readonly ValidationIssue[],
    message = 'the message does not match its schema',
    options?: WsErrorOptions,
  ) {
    super(400, 'VALIDATION_FAILED', message, { issues }, options);
  }
}
