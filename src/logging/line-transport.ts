import { MESSAGE } from './json-line-format';
import { WinstonTransport } from './winston-entry-points';

/** The transport's destination: anything with a stream's `write`. */
export interface LineSink {
  write(line: string): unknown;
}

/**
 * Writes each formatted line straight to a stream, by default `process.stdout`.
 *
 * winston's Console transport writes to `console._stdout` (or calls `console.log`): whatever
 * the global console wraps. Under jest that is jest's buffer, so each line became a four-line
 * console block with a source location. It also
 * schedules a `setImmediate` per line to emit `logged`, which nothing here listens to and
 * which piles up (with its info object) in a synchronous burst of lines.
 */
export class LineTransport extends WinstonTransport {
  readonly #sink: LineSink | undefined;

  /** @param sink Where lines go; default `process.stdout`, looked up per line (tests swap it). */
  constructor(sink?: LineSink) {
    super();
    this.#sink = sink;
  }

  /** Writes one line; synchronous for stdout on files and pipes, as in Lambda. */
  writeLine(info: Record<string | symbol, unknown>): void {
    const line = info[MESSAGE];
    if (typeof line !== 'string') return;
    (this.#sink ?? process.stdout).write(`${line}\n`);
  }

  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    this.writeLine(info);
    next();
  }
}
