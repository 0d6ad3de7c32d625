import type { RateLimitDecision, TokenBucketSpec } from './connection-store';

const MICROS_PER_SECOND = 1_000_000;

/**
 * The arithmetic of one take from a token bucket, shared by the stores.
 *
 * The bucket is kept in its GCRA form (generic cell rate algorithm): a single number per key, the
 * "theoretical arrival time" `tat`, the instant at which the bucket would be full again. At time
 * `now` it holds `capacity - max(0, tat - now) / interval` tokens, so it is the same bucket as the
 * classic `tokens` + `updatedAt` pair with continuous refill. The point of this form is that a
 * take is one comparison (`max(tat, now) <= now + tolerance - cost`) and one addition, which
 * DynamoDB can evaluate atomically inside a conditional UpdateItem without reading first.
 *
 * Times are integer epoch microseconds: DynamoDB numbers are decimal, and integers keep its
 * arithmetic exact, while 2^53 µs still reaches the year 2255.
 *
 * Internal: not exported from the package.
 */
export class TokenBucketRule {
  /** Time to earn back one token. */
  readonly intervalUs: number;
  /** How far `tat` may run ahead of now: the whole capacity. */
  readonly toleranceUs: number;
  /** Time the requested tokens are worth. */
  readonly costUs: number;
  readonly capacity: number;

  constructor(spec: TokenBucketSpec, cost = 1) {
    const { capacity, refillPerSecond } = spec;
    if (!Number.isFinite(capacity) || capacity <= 0) {
      throw new RangeError(`token bucket capacity must be a positive number, got ${capacity}`);
    }
    if (!Number.isFinite(refillPerSecond) || refillPerSecond <= 0) {
      throw new RangeError(
        `token bucket refillPerSecond must be a positive number, got ${refillPerSecond}`,
      );
    }
    // A take above the capacity could never succeed: a programming error, not a refusal.
    if (!Number.isFinite(cost) || cost < 0 || cost > capacity) {
      throw new RangeError(
        `token cost must be between 0 and the capacity (${capacity}), got ${cost}`,
      );
    }
    this.capacity = capacity;
    this.intervalUs = Math.max(1, Math.round(MICROS_PER_SECOND / refillPerSecond));
    this.toleranceUs = Math.round(capacity * this.intervalUs);
    this.costUs = Math.round(cost * this.intervalUs);
  }

  /** `now` in the rule's unit. */
  static toMicros(epochMs: number): number {
    return Math.round(epochMs * 1000);
  }

  /** The largest stored `tat` that still lets this take through at `nowUs`. */
  latestTatAllowing(nowUs: number): number {
    return nowUs + this.toleranceUs - this.costUs;
  }

  /** Epoch seconds after which the bucket is full again whatever happened: its TTL. */
  expiresAtSeconds(nowUs: number): number {
    return Math.ceil((nowUs + this.toleranceUs) / MICROS_PER_SECOND) + 1;
  }

  /** The decision for a take that moved the bucket's `tat` to `newTatUs`. */
  allowed(nowUs: number, newTatUs: number): RateLimitDecision {
    return { allowed: true, remaining: this.tokensAt(nowUs, newTatUs), retryAfterMs: 0 };
  }

  /** The decision for a take refused while the bucket's `tat` is `tatUs`. */
  refused(nowUs: number, tatUs: number): RateLimitDecision {
    const effective = Math.max(tatUs, nowUs);
    // Until the requested tokens are back (one token for the usual cost of 1).
    const waitUs = effective - this.latestTatAllowing(nowUs);
    return {
      allowed: false,
      remaining: this.tokensAt(nowUs, effective),
      retryAfterMs: Math.max(1, Math.ceil(waitUs / 1000)),
    };
  }

  private tokensAt(nowUs: number, tatUs: number): number {
    const tokens = Math.floor(
      (nowUs + this.toleranceUs - Math.max(tatUs, nowUs)) / this.intervalUs,
    );
    return Math.min(Math.max(tokens, 0), Math.floor(this.capacity));
  }
}
