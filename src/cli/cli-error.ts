/**
 * A mistake the user can fix (bad flag, wrong path, missing export): the CLI prints its
 * message on one line and exits with 1, without a stack trace.
 */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}
