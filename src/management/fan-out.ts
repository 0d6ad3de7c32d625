import { forEachLimited } from '../concurrency/for-each-limited';
import { errorMessage } from '../errors/error-message';
import { WsError } from '../errors/ws-error';
import type { BroadcastResult } from './management-api';

/**
 * How one send of a fan-out ended. `skipped`: nothing was sent (the deadline came while it
 * waited for a socket). `elapsedMs` on a sent one tells the fan-out how long a send takes.
 * @internal
 */
export type SendOutcome =
  | { kind: 'sent'; elapsedMs?: number }
  | { kind: 'gone' }
  | { kind: 'skipped' }
  | { kind: 'failed'; error: string; statusCode?: number };

/** @internal */
export interface FanOutOptions {
  concurrency: number;
  deadline?: number;
  exclude?: ReadonlySet<string> | readonly string[];
  /** Called as soon as a send finds its connection gone (before the fan-out ends). */
  onGone?: (connectionId: string) => void;
}

// How many times the slowest recent send to leave before the deadline: a send started later
// would most likely be cut off in flight, and a cut-off post is reported failed although it
// may have been delivered; not starting it keeps the answer exact (`skipped`).
const FINISH_MARGIN = 2;
// The slowest-send estimate forgets an outlier over a few dozen sends.
const ESTIMATE_DECAY = 0.95;

/**
 * Runs `send` for every distinct id with at most `concurrency` sends in flight (one bounded
 * worker pool: `forEachLimited`). Ids are pulled from the source only when a worker is free, so
 * a store query streaming 100,000 ids page by page is never loaded at once (only the set of
 * ids already seen, for de-duplication, grows).
 *
 * Near the deadline no new send starts. Ids already read are reported as `skipped`; a
 * synchronous source (array, Set) is cheap to read to its end, so its remaining ids are listed
 * too, while an asynchronous one (a store query) is closed instead: each further read would cost
 * a database call in a Lambda that is out of time. `truncated: true` says the list may be partial.
 * @internal
 */
export async function fanOut(
  connectionIds: Iterable<string> | AsyncIterable<string>,
  send: (connectionId: string) => Promise<SendOutcome>,
  options: FanOutOptions,
): Promise<BroadcastResult> {
  // A lone string is iterable (by character); it surely means one id.
  const source: Iterable<string> | AsyncIterable<string> =
    typeof connectionIds === 'string' ? [connectionIds] : connectionIds;
  // A synchronous source is read through a wrapper without `return()`, so that stopping the
  // pool leaves its iterator open for listing the skipped ids. A source that is both (the memory
  // store's listings) is read synchronously: the same ids without a promise each.
  const syncIterator = Symbol.iterator in source ? source[Symbol.iterator]() : undefined;
  const items: Iterable<string> | AsyncIterable<string> = syncIterator
    ? { [Symbol.iterator]: () => ({ next: () => syncIterator.next() }) }
    : source;
  const excluded = toSet(options.exclude);
  const deadline = options.deadline;
  const seen = new Set<string>();
  const result: BroadcastResult = { sent: 0, gone: [], failed: [] };
  const skipped: string[] = [];
  // Set once no new send may start. A plain flag: an AbortController costs a few µs per
  // broadcast (an EventTarget), and nothing here listens for the moment it flips.
  const stop = { aborted: false };
  let slowestMs = 0;

  const fresh = (id: unknown): id is string => {
    if (typeof id !== 'string' || id.length === 0 || seen.has(id) || excluded?.has(id)) {
      return false;
    }
    seen.add(id);
    return true;
  };

  const tooLate = (): boolean => {
    if (deadline === undefined) return false;
    const now = Date.now();
    return now >= deadline || now + slowestMs * FINISH_MARGIN > deadline;
  };

  const sendOne = async (id: string): Promise<void> => {
    if (!fresh(id)) return;
    if (stop.aborted || tooLate()) {
      skipped.push(id);
      stop.aborted = true;
      return;
    }
    let outcome: SendOutcome;
    try {
      outcome = await send(id);
    } catch (error) {
      outcome = { kind: 'failed', error: errorMessage(error) };
    }
    switch (outcome.kind) {
      case 'sent':
        result.sent += 1;
        slowestMs = Math.max(slowestMs * ESTIMATE_DECAY, outcome.elapsedMs ?? 0);
        break;
      case 'gone':
        result.gone.push(id);
        options.onGone?.(id);
        break;
      case 'skipped':
        skipped.push(id);
        stop.aborted = true;
        break;
      default:
        result.failed.push({
          connectionId: id,
          error: outcome.error,
          statusCode: outcome.statusCode,
        });
    }
  };

  try {
    await forEachLimited(items, options.concurrency, sendOne, { signal: stop });
  } catch (error) {
    throw new WsError(
      500,
      'BROADCAST_SOURCE_FAILED',
      `reading the recipients failed after ${result.sent} sends`,
      { result },
      { cause: error },
    );
  }

  if (stop.aborted) {
    if (syncIterator) {
      try {
        for (let step = syncIterator.next(); !step.done; step = syncIterator.next()) {
          if (fresh(step.value)) skipped.push(step.value);
        }
      } catch {
        // A source failing while being listed only shortens the skipped list; truncated says so.
      }
    }
    result.skipped = skipped;
    result.truncated = true;
  }
  return result;
}

function toSet(
  exclude: ReadonlySet<string> | readonly string[] | undefined,
): ReadonlySet<string> | undefined {
  if (exclude === undefined) return undefined;
  return Array.isArray(exclude) ? new Set(exclude) : (exclude as ReadonlySet<string>);
}
