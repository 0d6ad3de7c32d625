import type { Format, FormatWrap, TransformFunction } from 'logform';
import type winston from 'winston';
import type TransportStream from 'winston-transport';

/*
 * The three pieces of winston the default logger is built from, each required from its own
 * module rather than from winston's index. The index also creates a default logger at require
 * time and carries the Console, File, Http and Stream transports (with their zlib, async and
 * tail-file code), a Container and its package.json: ~20 KB of a minified bundle that a cold
 * start compiles and partly runs for nothing. These are the modules the index itself
 * re-exports (`createLogger`, `format`, `Transport`), so the logger is the same winston
 * logger; logform and winston-transport are dependencies of lift-ws at winston's own ranges.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- winston ships no types for its inner modules */
export const createWinstonLogger = require('winston/lib/winston/create-logger') as (
  options?: winston.LoggerOptions,
) => winston.Logger;
export const winstonFormat = require('logform/format') as (
  transform: TransformFunction,
) => FormatWrap;
export const WinstonTransport = require('winston-transport') as typeof TransportStream;

/** winston's colorizer (logform's `colorize`), required when a coloured line needs it. */
export function winstonColorizer(): Format & { colorize(level: string, text: string): string } {
  const colorize = require('logform/colorize') as () => Format & {
    colorize(level: string, text: string): string;
  };
  return colorize();
}
/* eslint-enable @typescript-eslint/no-require-imports */
