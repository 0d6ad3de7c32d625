import { types } from 'node:util';
import { boundString, keyedValue, walk, walkState, type LogValueLimits } from './redact';

/** What winston hands a format: the merged call, bindings and defaultMeta, plus symbols. */
export type LogInfo = Record<string | symbol, unknown>;

/**
 * The plain, redacted, bounded record of one log call: `level`, `message`, then every other
 * field. winston merges the call's meta, a child's bindings and defaultMeta into the top level
 * of `info`, so top-level keys are checked like nested ones (`log.info('x', { password })`).
 * `logger.error(err)` hands winston the error itself: its name, stack, code and cause are kept.
 */
export function logRecord(info: LogInfo, limits: LogValueLimits): Record<string, unknown> {
  const state = walkState(limits);
  const record: Record<string, unknown> = { level: info.level, message: '' };
  if (types.isNativeError(info) || info instanceof Error) {
    const copy = walk(info, 0, state);
    if (typeof copy === 'object' && copy !== null) Object.assign(record, copy);
    record.level = info.level;
    return record;
  }
  const message = info.message;
  record.message =
    typeof message === 'string' ? boundString(message, limits.maxString) : walk(message, 0, state);
  for (const key in info) {
    if (key === 'level' || key === 'message') continue;
    if (!Object.prototype.hasOwnProperty.call(info, key)) continue;
    record[key] = keyedValue(key, info[key], 0, state);
  }
  return record;
}
