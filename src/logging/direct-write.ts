import type winston from 'winston';
import type { LineTransport } from './line-transport';

const LEVEL = Symbol.for('level');

type Info = Record<string | symbol, unknown>;

/**
 * Runs a line through the logger's level check, format and transport in one call.
 *
 * A winston Logger is an object-mode Transform piped into each transport: every line goes
 * through Writable.write, _transform, push, the pipe's `data` handler and the transport's own
 * Writable before reaching `log()` (profiled: most of winston's cost above the stdout write
 * itself, see bench/logging.bench.ts). With one synchronous transport those steps do nothing a
 * direct call does not, so `write` is replaced the way winston's own `child()` replaces it.
 * The level is checked first, where the stream path formats the line and then drops it. A
 * logger reconfigured afterwards (another transport, a new format, `silent`) takes the stream
 * path again, unchanged.
 */
export function writeDirectly(logger: winston.Logger, transport: LineTransport): void {
  const streamWrite = logger.write.bind(logger) as (info: Info) => boolean;
  const format = logger.format;
  const levels = logger.levels;
  const direct = (info: Info): boolean => {
    const transports = logger.transports;
    if (logger.format !== format || transports.length !== 1 || transports[0] !== transport) {
      return streamWrite(info);
    }
    const wanted = levels[(info[LEVEL] ?? info.level) as string];
    if (wanted === undefined) return streamWrite(info);
    if (logger.silent || wanted > (levels[logger.level] ?? -1)) return true;
    info[LEVEL] ??= info.level;
    const formatted = format.transform(
      info as Parameters<typeof format.transform>[0],
      format.options,
    ) as Info | false;
    if (formatted) transport.writeLine(formatted);
    return true;
  };
  Object.defineProperty(logger, 'write', { value: direct, writable: true, configurable: true });
}
