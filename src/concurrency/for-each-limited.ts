/** How `forEachLimited` may be stopped early. */
export interface ForEachLimitedOptions {
  /**
   * Once aborted, no further item is read or started; work already started is awaited. Only
   * `aborted` is read: an AbortSignal or a plain flag (a fan-out's, which costs no EventTarget).
   */
  signal?: { readonly aborted: boolean };
}

/**
 * Runs `work` over `items` with at most `limit` in flight, in order of start. Items are read
 * only when a worker is free, one read at a time (a hand-written async iterator need not
 * support overlapping `next()` calls), so a store query streaming 100,000 ids page by page is
 * never loaded at once. The first failure (of `work` or of reading) stops new work from
 * starting and is thrown once the work already started has settled, so no promise is left to
 * reject unobserved. A source left unfinished (failure, `signal`) is closed with `return()`,
 * as `for...of` would.
 *
 * @example
 * await forEachLimited(store.roomMembers('lobby'), 32, (id) => post(id));
 */
export async function forEachLimited<T>(
  items: Iterable<T> | AsyncIterable<T>,
  limit: number,
  work: (item: T, index: number) => Promise<void>,
  options: ForEachLimitedOptions = {},
): Promise<void> {
  if (Array.isArray(items)) return forEachOfArray(items as readonly T[], limit, work, options);
  const isAsync = typeof items === 'object' && items !== null && Symbol.asyncIterator in items;
  const iterator: Iterator<T> | AsyncIterator<T> = isAsync
    ? items[Symbol.asyncIterator]()
    : items[Symbol.iterator]();
  const signal = options.signal;
  let index = 0;
  let done = false;
  let failed = false;
  let failure: unknown;
  let reading: Promise<unknown> = Promise.resolve();
  // A synchronous source is read in place: two reads cannot overlap, and a fan-out of 10,000
  // ids would otherwise chain two promises and a microtask hop per id.
  const readNow = isAsync ? undefined : (iterator as Iterator<T>);
  const read = (): Promise<IteratorResult<T>> => {
    const step = reading.then(() => iterator.next());
    reading = step.catch(() => undefined);
    return step;
  };
  const worker = async (): Promise<void> => {
    while (!done && !failed && !signal?.aborted) {
      let item: T;
      try {
        const step = readNow ? readNow.next() : await read();
        // Another worker may have failed or been stopped while this one waited for its read.
        if (step.done) {
          done = true;
          return;
        }
        item = step.value;
      } catch (error) {
        if (!failed) failure = error;
        failed = true;
        done = true; // a throwing iterator is finished
        return;
      }
      try {
        await work(item, index++);
      } catch (error) {
        if (!failed) failure = error;
        failed = true;
      }
    }
  };
  const workers = Math.max(1, Math.floor(limit));
  await Promise.all(Array.from({ length: workers }, worker));
  if (!done) await closeQuietly(iterator);
  if (failed) throw failure;
}

async function forEachOfArray<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
  { signal }: ForEachLimitedOptions,
): Promise<void> {
  let next = 0;
  let failed = false;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length && !signal?.aborted) {
      const index = next++;
      try {
        await work(items[index], index);
      } catch (error) {
        if (!failed) failure = error;
        failed = true;
      }
    }
  };
  const workers = Math.max(1, Math.min(Math.floor(limit), items.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failed) throw failure;
}

async function closeQuietly(iterator: Iterator<unknown> | AsyncIterator<unknown>): Promise<void> {
  try {
    await iterator.return?.();
  } catch {
    // The source is being abandoned; its cleanup failing changes nothing for the caller.
  }
}
