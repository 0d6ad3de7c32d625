/**
 * Additive-increase / multiplicative-decrease of the sends a worker keeps in flight: halved
 * after a shard met 429s, one more after a clean shard. Every worker adapts on its own, so the
 * account's shared `@connections` budget is shared out instead of being hammered by retries.
 * @internal
 */
export class AimdWindow {
  #size: number;
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
    this.#size = max;
  }

  get size(): number {
    return Math.max(1, Math.floor(this.#size));
  }

  record(throttled: boolean): void {
    this.#size = throttled ? Math.max(1, this.#size / 2) : Math.min(this.#max, this.#size + 1);
  }
}
