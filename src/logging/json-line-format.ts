import { DEFAULT_LOG_LIMITS, redactRecord, type LogInfo, type LogValueLimits } from './redact';
import { winstonFormat } from './winston-entry-points';

/** winston's key for the formatted line (triple-beam's MESSAGE). */
export const MESSAGE = Symbol.for('message');

/** CloudWatch takes 256 KB per event; a line of more than 16 KB is a dump, not a log line. */
const MAX_LINE_BYTES = 16 * 1024;
/** The second try for a line over the bound: keep every field, less of each. */
const TIGHT_LIMITS: LogValueLimits = { maxString: 200, maxEntries: 10, maxDepth: 3, maxNodes: 100 };
const MESSAGE_OF_A_CUT_LINE = 1000;

function fits(line: string): boolean {
  // A UTF-16 unit is at most 3 UTF-8 bytes: only measure when the line could be over.
  return line.length * 3 <= MAX_LINE_BYTES || Buffer.byteLength(line) <= MAX_LINE_BYTES;
}

/** One JSON line (no newline): redacted, every value bounded, the whole line bounded. */
function jsonLine(info: LogInfo, timestamp: string): string {
  const record = redactRecord(info, DEFAULT_LOG_LIMITS);
  record.timestamp = timestamp;
  const line = JSON.stringify(record);
  if (fits(line)) return line;
  const bytes = Buffer.byteLength(line);
  const tight = redactRecord(info, TIGHT_LIMITS);
  tight.timestamp = timestamp;
  tight.lineCut = `${bytes} bytes cut to fit ${MAX_LINE_BYTES}`;
  const tightLine = JSON.stringify(tight);
  if (fits(tightLine)) return tightLine;
  const message = typeof record.message === 'string' ? record.message : '';
  return JSON.stringify({
    level: record.level,
    message:
      message.length > MESSAGE_OF_A_CUT_LINE
        ? `${message.slice(0, MESSAGE_OF_A_CUT_LINE)}…[${message.length - MESSAGE_OF_A_CUT_LINE} more chars]`
        : message,
    timestamp,
    lineCut: `${bytes} bytes; fields dropped to fit ${MAX_LINE_BYTES}`,
  });
}

let lastMs = Number.NaN;
let lastIso = '';
/** Lines come in bursts: one ISO string per millisecond, not one per line. */
function isoNow(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastIso = new Date(now).toISOString();
  }
  return lastIso;
}

/**
 * The JSON format as one winston format: redaction, bounds, timestamp and serialisation in a
 * single pass over the fields, where `errors() + redact + timestamp() + json()` made four
 * passes, three copies and a safe-stable-stringify with key sorting checks.
 */
export const jsonLineFormat = winstonFormat((info) => {
  const timestamp = isoNow();
  try {
    (info as LogInfo)[MESSAGE] = jsonLine(info, timestamp);
  } catch {
    // Only a hostile info object itself (a Proxy) gets here; logging must not throw.
    (info as LogInfo)[MESSAGE] = JSON.stringify({
      level: String(info.level),
      message: '[unserializable log entry]',
      timestamp,
    });
  }
  return info;
});
