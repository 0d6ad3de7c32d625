/** How many retries an endpoint may spend. @internal */
export interface RetryBudgetOptions {
  /** Retries earned per first attempt (0.1 = at most one retry per ten requests). */
  ratio: number;
  /** Retries available with no traffic yet, and the most the budget ever holds beyond what it earns. */
  floor: number;
}

/**
 * A token bucket of retries shared by every call to one endpoint: each first attempt earns
 * `ratio` of a retry, each retry spends one. Without it, 32 sends retrying twice each turn a
 * throttled endpoint's 429s into three times the requests, which keeps it throttled; with
 * it, a run of N requests sends at most `floor + ratio * N` retries, whatever fails. The bucket
 * is capped so an idle warm container does not bank retries for a later storm.
 * @internal
 */
export class RetryBudget {
  readonly #ratio: number;
  readonly #cap: number;
  #tokens: number;

  constructor(options: RetryBudgetOptions) {
    this.#ratio = options.ratio;
    this.#cap = options.floor;
    this.#tokens = options.floor;
  }

  /** Retries left right now (fractions are earned, not spendable). */
  get available(): number {
    return Math.floor(this.#tokens);
  }

  /** A first attempt was made: earn a fraction of a retry. */
  earn(): void {
    this.#tokens = Math.min(this.#cap, this.#tokens + this.#ratio);
  }

  /** Takes one retry; false when the budget is spent (the failure is then final). */
  spend(): boolean {
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
