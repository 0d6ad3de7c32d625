/**
 * Reads several async iterables at once and yields their items as they arrive: a sharded room's
 * K partitions are queried in parallel instead of one after the other. Each source has at most
 * one page request outstanding, so memory stays at K pages.
 */
export function mergeInParallel<T>(sources: readonly AsyncIterable<T>[]): AsyncIterable<T> {
  return {
    async *[Symbol.asyncIterator]() {
      const iterators = sources.map((source) => source[Symbol.asyncIterator]());
      const pending = new Map<number, Promise<{ index: number; result: IteratorResult<T> }>>();
      const pull = (index: number): void => {
        const iterator = iterators[index];
        if (!iterator) return;
        pending.set(
          index,
          iterator.next().then((result) => ({ index, result })),
        );
      };
      iterators.forEach((_, index) => pull(index));
      try {
        while (pending.size > 0) {
          const { index, result } = await Promise.race(pending.values());
          pending.delete(index);
          if (result.done) continue;
          pull(index);
          yield result.value;
        }
      } finally {
        // An early stop (or a failed shard) closes the others and observes what they still owe.
        for (const promise of pending.values()) promise.catch(() => undefined);
        await Promise.allSettled(
          iterators.map((iterator) => iterator.return?.() ?? Promise.resolve(undefined)),
        );
      }
    },
  };
}
