import winston from 'winston';
import type { Logger } from './logger';
import { redact, redactString } from './redact';

export type LogFormat = 'json' | 'pretty';

export interface LoggerOptions {
  /** `error` | `warn` | `info` | `debug`. Default: LOG_LEVEL, else `info`. */
  level?: string;
  /**
   * `json`: one JSON object per line, for CloudWatch Logs (the default inside Lambda).
   * `pretty`: readable, coloured lines (the default elsewhere).
   */
  format?: LogFormat;
  /** Where lines go. Default: stdout. Tests pass a stream to capture them. */
  stream?: NodeJS.WritableStream;
  /** Fields on every line. */
  defaultMeta?: Record<string, unknown>;
}

const LEVELS = new Set(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']);

/** True inside AWS Lambda (or anything that sets the same variable). */
function runningInLambda(): boolean {
  return Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME);
}

export function defaultLogFormat(): LogFormat {
  const forced = process.env.LIFT_WS_LOG_FORMAT;
  if (forced === 'json' || forced === 'pretty') return forced;
  if (runningInLambda() || process.env.NODE_ENV === 'production') return 'json';
  return 'pretty';
}

/** Removes secrets from the message and every field before any transport sees them. */
const redactFormat = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level') continue;
    info[key] = redact(info[key]);
  }
  if (typeof info.message === 'string') info.message = redactString(info.message);
  return info;
});

const prettyLine = winston.format.printf((info) => {
  const { level, message, timestamp, ...rest } = info as Record<string, unknown>;
  const fields = Object.entries(rest)
    .filter(([key]) => typeof key === 'string')
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${String(timestamp)} ${String(level)} ${String(message)}${fields ? ` ${fields}` : ''}`;
});

/**
 * Creates the framework's default logger: winston, JSON lines in Lambda, readable lines locally.
 *
 * @example
 * const logger = createLogger({ level: 'debug' });
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const requested = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const level = LEVELS.has(requested.toLowerCase()) ? requested.toLowerCase() : 'info';
  const format = options.format ?? defaultLogFormat();
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console();
  const base = [winston.format.errors({ stack: true }), redactFormat()];
  return winston.createLogger({
    level,
    defaultMeta: options.defaultMeta,
    format:
      format === 'json'
        ? winston.format.combine(...base, winston.format.timestamp(), winston.format.json())
        : winston.format.combine(
            ...base,
            winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
            winston.format.colorize(),
            prettyLine,
          ),
    transports: [transport],
  });
}
