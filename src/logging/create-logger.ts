import { writeDirectly } from './direct-write';
import { jsonLineFormat } from './json-line-format';
import { LineTransport } from './line-transport';
import type { Logger } from './logger';
import { prettyLineFormat } from './pretty-line-format';
import { quietSdkNodeVersionWarning } from './quiet-sdk-node-version-warning';
import { createWinstonLogger } from './winston-entry-points';

export type LogFormat = 'json' | 'pretty';

export interface LoggerOptions {
  /** `error` | `warn` | `info` | `debug`. Default: LOG_LEVEL, else `info`. */
  level?: string;
  /**
   * `json`: one JSON object per line, for CloudWatch Logs (the default inside Lambda).
   * `pretty`: readable lines, coloured on a terminal, stacks as lines (the default elsewhere).
   */
  format?: LogFormat;
  /** Where lines go. Default: stdout. Tests pass a stream to capture them. */
  stream?: NodeJS.WritableStream;
  /** Fields on every line (redacted like every other field). */
  defaultMeta?: Record<string, unknown>;
}

const LEVELS = new Set(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']);

/** JSON in Lambda (or anything that sets the same variable) and in production, else pretty. */
function defaultLogFormat(): LogFormat {
  const forced = process.env.LIFT_WS_LOG_FORMAT;
  if (forced === 'json' || forced === 'pretty') return forced;
  if (process.env.AWS_LAMBDA_FUNCTION_NAME || process.env.NODE_ENV === 'production') return 'json';
  return 'pretty';
}

/**
 * Creates the framework's default logger: winston, JSON lines in Lambda, readable lines locally.
 * Every line is redacted (sensitive keys at any depth, tokens inside strings) and bounded in
 * size; lines go straight to stdout (or `stream`), one write per line.
 *
 * @example
 * const logger = createLogger({ level: 'debug' });
 * logger.child({ room: 'lobby' }).info('joined', { userId });
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const requested = String(options.level ?? process.env.LOG_LEVEL ?? 'info').toLowerCase();
  const level = LEVELS.has(requested) ? requested : 'info';
  const format = options.format ?? defaultLogFormat();
  if (format === 'pretty') quietSdkNodeVersionWarning();
  const transport = new LineTransport(options.stream);
  const colors =
    options.stream === undefined && process.stdout.isTTY === true && !process.env.NO_COLOR;
  const logger = createWinstonLogger({
    level,
    defaultMeta: options.defaultMeta,
    format: format === 'json' ? jsonLineFormat() : prettyLineFormat({ colors }),
    transports: [transport],
  });
  writeDirectly(logger, transport);
  return logger;
}
