import type { Logger } from '../../src/logging/logger';

export interface LoggedLine {
  level: 'error' | 'warn' | 'info' | 'debug';
  message: string;
  /** The call's meta merged over what `child` bound. */
  meta: Record<string, unknown>;
}

/**
 * A logger that keeps raw calls in memory (no formatting, no redaction): tests stay quiet, can
 * assert on the log, and can prove that a token never reached the logger.
 */
export function recordingLogger(
  lines: LoggedLine[] = [],
  bound: Record<string, unknown> = {},
): Logger & { lines: LoggedLine[] } {
  const log =
    (level: LoggedLine['level']) =>
    (message: string, meta: Record<string, unknown> = {}): void => {
      lines.push({ level, message, meta: { ...bound, ...meta } });
    };
  return {
    lines,
    error: log('error'),
    warn: log('warn'),
    info: log('info'),
    debug: log('debug'),
    child: (meta) => recordingLogger(lines, { ...bound, ...meta }),
  };
}
