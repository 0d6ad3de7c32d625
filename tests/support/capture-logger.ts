import { Writable } from 'node:stream';
import { createLogger, type Logger } from 'lift-ws';

export interface CapturedLogger {
  logger: Logger;
  /** Every line written so far, raw. */
  lines: string[];
  /** The lines parsed as JSON objects. */
  entries(): Array<Record<string, unknown>>;
  /** All output as one string. */
  text(): string;
}

/** A real winston logger (JSON format) writing into memory, so tests can read what was logged. */
export function captureLogger(level = 'debug'): CapturedLogger {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(line);
      callback();
    },
  });
  const logger = createLogger({ level, format: 'json', stream });
  return {
    logger,
    lines,
    entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    text: () => lines.join('\n'),
  };
}
