import { errorMessage } from '../errors/error-message';
import { WsError } from '../errors/ws-error';
import type { BroadcastResult } from './management-api';

/** How one send of a fan-out ended. @internal */
export type SendOutcome =
  { kind: 'sent' } | { kind: 'gone' } | { kind: 'failed'; error: string; statusCode?: number };

/** @internal */
export interface FanOutOptions {
  concurrency: number;
  deadline?: number;
  exclude?: ReadonlySet<string> | readonly string[];
  /** Called as soon as a send finds its connection gone (before the fan-out ends). */
  onGone?: (connectionId: string) => void;
}

type AnyIterator = Iterator<string> | AsyncIterator<string>;

/**
 * Runs `send` for every distinct id with at most `concurrency` sends in flight. Ids are pulled
 * from the source only when a worker is free, so a store query streaming 100,000 ids page by
 * page is never loaded at once (only the set of ids already seen, for de-duplication, grows).
 *
 * After the deadline no new send starts. Ids already read are reported as `skipped`; a
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
  const syncIterator = Symbol.asyncIterator in source ? undefined : source[Symbol.iterator]();
  const iterator: AnyIterator =
    syncIterator ?? (source as AsyncIterable<string>)[Symbol.asyncIterator]();
  const excluded = toSet(options.exclude);
  const seen = new Set<string>();
  const result: BroadcastResult = { sent: 0, gone: [], failed: [] };
  const skipped: string[] = [];
  let stopped = false;
  let exhausted = false;
  let sourceFailed = false;
  let sourceError: unknown;

  // One read at a time: a hand-written async iterator need not support overlapping next().
  let reading: Promise<unknown> = Promise.resolve();
  const read = (): Promise<IteratorResult<string>> => {
    const step = reading.then(() => iterator.next());
    reading = step.catch(() => undefined);
    return step;
  };

  const fresh = (id: unknown): id is string => {
    if (typeof id !== 'string' || id.length === 0 || seen.has(id) || excluded?.has(id)) {
      return false;
    }
    seen.add(id);
    return true;
  };

  const worker = async (): Promise<void> => {
    while (!stopped && !exhausted && !sourceFailed) {
      let step: IteratorResult<string>;
      try {
        step = await read();
      } catch (error) {
        if (!sourceFailed) sourceError = error;
        sourceFailed = true;
        return;
      }
      if (step.done) {
        exhausted = true;
        return;
      }
      const id = step.value;
      if (!fresh(id)) continue;
      if (options.deadline !== undefined && Date.now() >= options.deadline) {
        stopped = true;
        skipped.push(id);
        return;
      }
      const outcome = await settle(send, id);
      if (outcome.kind === 'sent') {
        result.sent += 1;
      } else if (outcome.kind === 'gone') {
        result.gone.push(id);
        options.onGone?.(id);
      } else {
        result.failed.push({
          connectionId: id,
          error: outcome.error,
          statusCode: outcome.statusCode,
        });
      }
    }
  };

  const workers = Math.max(1, Math.floor(options.concurrency));
  await Promise.all(Array.from({ length: workers }, worker));

  if (sourceFailed) {
    throw new WsError(
      500,
      'BROADCAST_SOURCE_FAILED',
      `reading the recipients failed after ${result.sent} sends`,
      { result },
      { cause: sourceError },
    );
  }
  if (stopped) {
    if (syncIterator) {
      try {
        for (let step = syncIterator.next(); !step.done; step = syncIterator.next()) {
          if (fresh(step.value)) skipped.push(step.value);
        }
      } catch {
        // A source failing while being listed only shortens the skipped list; truncated says so.
      }
    } else {
      await closeQuietly(iterator);
    }
    result.skipped = skipped;
    result.truncated = true;
  }
  return result;
}

async function settle(
  send: (connectionId: string) => Promise<SendOutcome>,
  connectionId: string,
): Promise<SendOutcome> {
  try {
    return await send(connectionId);
  } catch (error) {
    return { kind: 'failed', error: errorMessage(error) };
  }
}

async function closeQuietly(iterator: AnyIterator): Promise<void> {
  try {
    await iterator.return?.();
  } catch {
    // The source is being abandoned; its cleanup failing changes nothing for the fan-out.
  }
}

function toSet(
  exclude: ReadonlySet<string> | readonly string[] | undefined,
): ReadonlySet<string> | undefined {
  if (exclude === undefined) return undefined;
  return Array.isArray(exclude) ? new Set(exclude) : (exclude as ReadonlySet<string>);
}
