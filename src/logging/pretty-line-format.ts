import { MESSAGE } from './json-line-format';
import { DEFAULT_LOG_LIMITS, redactRecord, type LogInfo } from './redact';
import { winstonColorizer, winstonFormat } from './winston-entry-points';

/** Made on the first coloured line (winston's level config has already loaded logform's colours). */
let colorizer: ReturnType<typeof winstonColorizer> | undefined;
const STACK_INDENT = '    ';

function clock(now: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(now.getHours())}:${two(now.getMinutes())}:${two(now.getSeconds())}.${String(now.getMilliseconds()).padStart(3, '0')}`;
}

interface ErrorRecord {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  stack?: unknown;
  cause?: unknown;
}

function isErrorRecord(value: unknown): value is ErrorRecord {
  return (
    typeof value === 'object' && value !== null && typeof (value as ErrorRecord).stack === 'string'
  );
}

/** A field as text: strings as they are, anything else as JSON. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function summary(error: ErrorRecord): string {
  const code = error.code === undefined ? '' : ` [${text(error.code)}]`;
  return `${String(error.name)}: ${String(error.message)}${code}`;
}

/** A stack as real lines under the entry, then each cause's, so a terminal shows a trace. */
function stackLines(error: ErrorRecord, out: string[]): void {
  let current: unknown = error;
  let label = '';
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    if (!isErrorRecord(current)) {
      out.push(
        `${STACK_INDENT}${label}${typeof current === 'string' ? current : JSON.stringify(current)}`,
      );
      return;
    }
    const [first, ...frames] = String(current.stack).split('\n');
    const code = current.code === undefined ? '' : ` [${text(current.code)}]`;
    out.push(`${STACK_INDENT}${label}${first}${code}`);
    for (const frame of frames) if (frame.trim()) out.push(`${STACK_INDENT}  ${frame.trim()}`);
    current = current.cause;
    label = 'Caused by: ';
  }
}

/**
 * The readable line for a terminal: `HH:mm:ss.SSS level message key=value ...`, an error field
 * shown as `key=Name: message` with its stack (and its causes') as indented lines below, where
 * JSON would put one line full of `\n` escapes. Same redaction and bounds as the JSON lines.
 */
function prettyLine(info: LogInfo, now: Date, colors: boolean): string {
  const record = redactRecord(info, DEFAULT_LOG_LIMITS);
  const { level, message, ...fields } = record;
  const levelText = String(level);
  const head = [
    clock(now),
    colors ? (colorizer ??= winstonColorizer()).colorize(levelText, levelText) : levelText,
    typeof message === 'string' ? message : JSON.stringify(message),
  ];
  const below: string[] = [];
  // `logger.error('x', err)` merges the error's stack (and cause) into the top level.
  const { stack, cause, ...rest } = fields;
  if (typeof stack === 'string') {
    // `logger.error(err)`: the stack's first line already says the name.
    delete rest.name;
    stackLines({ stack, cause }, below);
  } else if (cause !== undefined) rest.cause = cause;
  for (const [key, value] of Object.entries(rest)) {
    if (isErrorRecord(value)) {
      head.push(`${key}=${summary(value)}`);
      stackLines(value, below);
    } else {
      head.push(`${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
    }
  }
  return below.length ? `${head.join(' ')}\n${below.join('\n')}` : head.join(' ');
}

/** The readable format; `colors` when the destination is a terminal. */
export const prettyLineFormat = winstonFormat((info, options?: unknown) => {
  const now = new Date();
  const colors = (options as { colors?: unknown } | undefined)?.colors === true;
  try {
    (info as LogInfo)[MESSAGE] = prettyLine(info, now, colors);
  } catch {
    // Only a hostile info object itself (a Proxy) gets here; logging must not throw.
    (info as LogInfo)[MESSAGE] = `${clock(now)} ${String(info.level)} [unserializable log entry]`;
  }
  return info;
});
