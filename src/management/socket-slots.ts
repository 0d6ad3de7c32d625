/**
 * A counting semaphore sized like the keep-alive agent it guards (`agent.maxSockets`). Every
 * `@connections` attempt holds a slot while it is on the wire, so the agent never queues a
 * request internally: a request waiting for a socket waits here, visibly, and its timeout
 * clock only starts once it holds a slot. Waiters are served first in, first out.
 * @internal
 */
export class SocketSlots {
  #capacity: number;
  #used = 0;
  readonly #waiters: Array<() => void> = [];
  readonly #onResize: (capacity: number) => void;

  constructor(capacity: number, onResize: (capacity: number) => void) {
    this.#capacity = capacity;
    this.#onResize = onResize;
    onResize(capacity);
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** Slots held right now. */
  get used(): number {
    return this.#used;
  }

  /**
   * Raises the capacity to at least `capacity`, so a call asking for 200 sends in flight gets
   * 200 sockets instead of queueing behind 32. Never shrinks: idle keep-alive sockets are
   * closed by the agent, and a warm Lambda usually repeats its last fan-out.
   */
  grow(capacity: number): void {
    if (capacity <= this.#capacity) return;
    this.#capacity = capacity;
    this.#onResize(capacity);
    while (this.#used < this.#capacity && this.#waiters.length > 0) {
      this.#used += 1;
      this.#waiters.shift()?.();
    }
  }

  /**
   * Resolves true once a slot is held, or false when `signal` aborts first (the caller then
   * holds nothing and must not release).
   */
  acquire(signal?: AbortSignal): Promise<boolean> | boolean {
    if (signal?.aborted) return false;
    if (this.#used < this.#capacity && this.#waiters.length === 0) {
      this.#used += 1;
      return true;
    }
    return new Promise<boolean>((resolve) => {
      const granted = (): void => {
        signal?.removeEventListener('abort', aborted);
        resolve(true);
      };
      const aborted = (): void => {
        const index = this.#waiters.indexOf(granted);
        if (index >= 0) this.#waiters.splice(index, 1);
        resolve(false);
      };
      this.#waiters.push(granted);
      signal?.addEventListener('abort', aborted, { once: true });
    });
  }

  release(): void {
    const next = this.#waiters.shift();
    // The slot passes straight to the next waiter: `used` stays the same.
    if (next) next();
    else this.#used -= 1;
  }
}
