import { types } from 'node:util';
import { REDACTED, redactString } from './redact-string';
import { isSensitiveKey } from './sensitive-key';

/** How much of one logged value is kept. */
export interface LogValueLimits {
  /** Characters kept of a string; the rest is replaced by a marker saying how much was cut. */
  maxString: number;
  /** Items kept of an array, keys of an object. */
  maxEntries: number;
  /** Nesting kept below the logged value (an error's cause counts as one level). */
  maxDepth: number;
  /** Objects and arrays copied in all: shared references must not multiply the work. */
  maxNodes: number;
}

/** One walk's state: the path from the root (for cycles) and what is left of the budget. */
interface WalkState {
  readonly limits: LogValueLimits;
  readonly ancestors: object[];
  nodesLeft: number;
}

/**
 * Bounds that keep a line readable and a fuzzed event from writing megabytes (100,000 fuzzed
 * events once wrote 460 MB); the line as a whole is bounded again by the format.
 */
export const DEFAULT_LOG_LIMITS: LogValueLimits = {
  maxString: 2000,
  maxEntries: 50,
  maxDepth: 8,
  maxNodes: 1000,
};

/** Stacks are longer than values and worth more: ten frames of long paths. */
const STACK_FACTOR = 3;

/** What winston hands a format: the merged call, bindings and defaultMeta, plus symbols. */
export type LogInfo = Record<string | symbol, unknown>;

/**
 * The plain copy of one log call that is safe to serialise and safe to ship: `level`,
 * `message`, then every other field, with values under sensitive keys replaced at every depth,
 * secrets scrubbed from strings, sizes bounded, errors written as
 * `{ name, message, code, stack, ..., cause }` with the cause chain once, cycles marked. Never
 * mutates the input and never throws inside a value (a throwing getter or `toJSON` becomes a
 * marker).
 *
 * winston merges the call's meta, a child's bindings and defaultMeta into the top level of
 * `info`, so top-level keys are checked like nested ones (`log.info('x', { password })`).
 * `logger.error(err)` hands winston the error itself: its name, stack, code and cause are kept.
 */
export function redactRecord(info: LogInfo, limits: LogValueLimits): Record<string, unknown> {
  const state: WalkState = { limits, ancestors: [], nodesLeft: limits.maxNodes };
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

/** A string cut to `max` characters, then scrubbed (scrubbing a megabyte first would cost). */
function boundString(value: string, max: number): string {
  if (value.length <= max) return redactString(value);
  return `${redactString(value.slice(0, max))}…[${value.length - max} more chars]`;
}

/** The value kept under `key`: a secret is replaced unless it is empty (its absence is useful). */
function keyedValue(key: string, value: unknown, depth: number, state: WalkState): unknown {
  if (isSensitiveKey(key) && value !== undefined && value !== null && value !== '') return REDACTED;
  return walk(value, depth, state);
}

/**
 * `state.ancestors` holds the objects on the path from the root, not every object seen: an object
 * logged twice side by side (an error and the same error as another's cause) is written twice
 * instead of as "[Circular]"; only a real cycle is cut.
 */
function walk(value: unknown, depth: number, state: WalkState): unknown {
  switch (typeof value) {
    case 'string':
      return boundString(value, state.limits.maxString);
    case 'number':
      // JSON writes NaN and Infinity as null, which reads as "missing".
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
    case 'undefined':
      return value;
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'function':
      return `[Function ${value.name || 'anonymous'}]`;
  }
  if (value === null) return null;
  const object = value as object;
  if (state.ancestors.includes(object)) return '[Circular]';
  if (depth >= state.limits.maxDepth || state.nodesLeft <= 0) return '[Truncated]';
  state.nodesLeft--;
  state.ancestors.push(object);
  try {
    return walkObject(object, depth, state);
  } catch {
    // A throwing getter, Proxy trap or toJSON: the line is still written.
    return '[Unserializable]';
  } finally {
    state.ancestors.pop();
  }
}

function walkObject(object: object, depth: number, state: WalkState): unknown {
  if (types.isNativeError(object) || object instanceof Error) {
    return walkError(object, depth, state);
  }
  if (Array.isArray(object)) return walkArray(object, depth, state);
  if (ArrayBuffer.isView(object)) return `[${object.byteLength} bytes]`;
  if (object instanceof ArrayBuffer) return `[${object.byteLength} bytes]`;
  if (object instanceof Date) {
    return Number.isNaN(object.getTime()) ? 'Invalid Date' : object.toISOString();
  }
  if (object instanceof Map) return `[Map: ${object.size} entries]`;
  if (object instanceof Set) return `[Set: ${object.size} entries]`;
  const toJSON = (object as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    return walk((toJSON as () => unknown).call(object), depth + 1, state);
  }
  const out: Record<string, unknown> = {};
  let kept = 0;
  let skipped = 0;
  for (const key in object) {
    if (!Object.prototype.hasOwnProperty.call(object, key)) continue;
    if (kept === state.limits.maxEntries) {
      skipped++;
      continue;
    }
    out[key] = keyedValue(key, (object as Record<string, unknown>)[key], depth + 1, state);
    kept++;
  }
  if (skipped > 0) out['…'] = `${skipped} more keys`;
  return out;
}

function walkArray(items: unknown[], depth: number, state: WalkState): unknown[] {
  const kept = Math.min(items.length, state.limits.maxEntries);
  const out: unknown[] = new Array<unknown>(kept);
  for (let i = 0; i < kept; i++) out[i] = walk(items[i], depth + 1, state);
  if (items.length > kept) out.push(`…[${items.length - kept} more items]`);
  return out;
}

/** Own properties an error copy writes itself, or must not write. */
const ERROR_OWN_SKIPPED = new Set([
  'name',
  'message',
  'stack',
  'cause',
  // The SDK's raw HTTP response: sockets and streams, hundreds of lines, no diagnosis.
  '$response',
]);

function walkError(error: Error, depth: number, state: WalkState): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: typeof error.name === 'string' ? error.name : 'Error',
    message: boundString(String(error.message), state.limits.maxString),
  };
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) out.code = walk(code, depth + 1, state);
  if (typeof error.stack === 'string') {
    out.stack = boundString(error.stack, state.limits.maxString * STACK_FACTOR);
  }
  let kept = 0;
  for (const key in error) {
    if (!Object.prototype.hasOwnProperty.call(error, key)) continue;
    if (ERROR_OWN_SKIPPED.has(key) || key === 'code' || kept === state.limits.maxEntries) continue;
    out[key] = keyedValue(
      key,
      (error as unknown as Record<string, unknown>)[key],
      depth + 1,
      state,
    );
    kept++;
  }
  // `errors` of an AggregateError and `cause` are own but not enumerable when set by the
  // constructor, enumerable when assigned: written once here in both cases.
  const errors = (error as { errors?: unknown }).errors;
  if (Array.isArray(errors) && !('errors' in out)) {
    out.errors = walk(errors, depth + 1, state);
  }
  if (error.cause !== undefined) out.cause = walk(error.cause, depth + 1, state);
  return out;
}
