import type { Logger } from '../logging/logger';

/**
 * Writes a per-event debug line; a logger that throws must not fail the handshake or the
 * message it describes (the event itself already went through).
 */
export function debugQuietly(logger: Logger, line: string): void {
  try {
    logger.debug(line);
  } catch {
    // The line is lost; the event is not.
  }
}
