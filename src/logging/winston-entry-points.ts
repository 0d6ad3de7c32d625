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
export const createWinstonLogger = withQuietTracing(
  () =>
    require('winston/lib/winston/create-logger') as (
      options?: winston.LoggerOptions,
    ) => winston.Logger,
);
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

/**
 * winston's modules trace themselves with @dabh/diagnostics (`DEBUG=winston:*`), which picks its
 * build when first required: the development build unless NODE_ENV is `production`. Lambda sets
 * no NODE_ENV, so a cold start loaded the development build with its ANSI colour tables
 * (`@so-ric/colorspace`, ~6 ms of CPU in a bundled cold start, measured in
 * bench/cold-start.bench.ts) to colour tracers that stay silent: the development build enables
 * a namespace only when DEBUG or DIAGNOSTICS names it at the moment winston's modules create
 * their tracers, which is during this require. With neither variable set, both builds hand
 * winston the same no-op tracers, so winston is required with NODE_ENV=production for this one
 * synchronous require and NODE_ENV is removed again right after. @dabh/diagnostics is the only
 * module in winston's tree that reads NODE_ENV (checked on the chat bundle's inputs). With DEBUG
 * or DIAGNOSTICS set, or NODE_ENV set to anything, nothing is changed.
 */
function withQuietTracing<T>(load: () => T): T {
  const env = process.env;
  if (env.NODE_ENV !== undefined || env.DEBUG || env.DIAGNOSTICS) return load();
  env.NODE_ENV = 'production';
  try {
    return load();
  } finally {
    delete env.NODE_ENV;
  }
}
