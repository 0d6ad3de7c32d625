import type { ConnectionStore, TokenBucketSpec } from '../connections/connection-store';
import { MemoryConnectionStore } from '../connections/memory-connection-store';
import type { WebSocketContext } from '../context/websocket-context';
import { TooManyRequestsError } from '../errors/named-errors';
import type { MiddlewareObject, Next } from './middleware';

/** The units a rate is written in: per second, minute or hour. */
export type RateUnit = 's' | 'sec' | 'second' | 'm' | 'min' | 'minute' | 'h' | 'hour';

/** `'10/s'`, `'100/m'`, `'1000/h'`, or a bucket spelled out. */
export type RateSpec = `${number}/${RateUnit}` | TokenBucketSpec;

export interface RateLimitOptions {
  /** Messages per connection, e.g. `'10/s'`. */
  perConnection?: RateSpec;
  /** Messages per user (all their connections together), e.g. `'100/m'`. Needs `ctx.userId`. */
  perUser?: RateSpec;
  /**
   * Where the buckets live. Default: the bootstrap's connection store (a DynamoDB store makes the
   * limit hold across Lambda containers), else a store private to this container.
   */
  store?: ConnectionStore;
  /** Separates the buckets of different RateLimit instances. Default: derived from the limits. */
  name?: string;
}

const UNITS: Readonly<Record<string, number>> = {
  s: 1,
  sec: 1,
  second: 1,
  m: 60,
  min: 60,
  minute: 60,
  h: 3600,
  hour: 3600,
};

/** Parses `'10/s'` into a bucket of 10 refilled at 10 per second (a burst of one period). */
function parseRate(spec: RateSpec, label: string): TokenBucketSpec {
  if (typeof spec === 'object' && spec !== null) {
    if (!(spec.capacity > 0) || !(spec.refillPerSecond > 0)) {
      throw new TypeError(
        `RateLimit ${label}: capacity and refillPerSecond must be positive numbers`,
      );
    }
    return { capacity: spec.capacity, refillPerSecond: spec.refillPerSecond };
  }
  const match =
    typeof spec === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*\/\s*([a-z]+)\s*$/i.exec(spec) : null;
  const seconds = match ? UNITS[match[2].toLowerCase()] : undefined;
  const count = match ? Number(match[1]) : NaN;
  if (!match || seconds === undefined || !(count > 0)) {
    throw new TypeError(
      `RateLimit ${label}: ${JSON.stringify(spec)} is not a rate like '10/s', '100/m' or '1000/h'`,
    );
  }
  return { capacity: count, refillPerSecond: count / seconds };
}

function specLabel(spec: RateSpec | undefined): string {
  return spec === undefined
    ? '-'
    : typeof spec === 'string'
      ? spec.replace(/\s+/g, '')
      : `${spec.capacity}@${spec.refillPerSecond}`;
}

class RateLimitMiddleware implements MiddlewareObject {
  private readonly perConnection?: TokenBucketSpec;
  private readonly perUser?: TokenBucketSpec;
  private readonly name: string;
  private readonly store?: ConnectionStore;
  private fallbackStore?: ConnectionStore;
  /**
   * A misconfiguration, kept until bootstrap can say where it is used: thrown from the
   * decorator's argument it would name no class or method.
   */
  private readonly problem: string | undefined;

  constructor(options: RateLimitOptions) {
    let problem: string | undefined;
    const parse = (spec: RateSpec | undefined, label: string): TokenBucketSpec | undefined => {
      if (spec === undefined || problem) return undefined;
      try {
        return parseRate(spec, label);
      } catch (error) {
        problem = (error as Error).message;
        return undefined;
      }
    };
    if (!options || (options.perConnection === undefined && options.perUser === undefined)) {
      problem =
        "RateLimit needs perConnection and/or perUser, e.g. RateLimit({ perConnection: '10/s' })";
    }
    this.perConnection = parse(options?.perConnection, 'perConnection');
    this.perUser = parse(options?.perUser, 'perUser');
    this.problem = problem;
    this.store = options?.store;
    this.name =
      options?.name ?? `${specLabel(options?.perConnection)}|${specLabel(options?.perUser)}`;
  }

  checkAtBootstrap(where: string): void {
    if (this.problem) throw new TypeError(`${where}: ${this.problem}`);
  }

  async use(ctx: WebSocketContext, next: Next): Promise<unknown> {
    if (this.problem) throw new TypeError(this.problem);
    // Only messages are metered: $connect and $disconnect happen once per connection.
    if (!ctx.isMessageEvent()) return next();
    const store =
      this.store ?? ctx.connectionStore ?? (this.fallbackStore ??= new MemoryConnectionStore());
    if (this.perConnection) {
      const decision = await store.takeToken(
        `rate:${this.name}:conn:${ctx.connectionId}`,
        this.perConnection,
      );
      if (!decision.allowed) throw this.refuse('connection', decision.retryAfterMs);
    }
    if (this.perUser && ctx.userId) {
      const decision = await store.takeToken(`rate:${this.name}:user:${ctx.userId}`, this.perUser);
      if (!decision.allowed) throw this.refuse('user', decision.retryAfterMs);
    }
    return next();
  }

  private refuse(scope: 'connection' | 'user', retryAfterMs: number): TooManyRequestsError {
    return new TooManyRequestsError(`rate limit exceeded for this ${scope}`, {
      scope,
      retryAfterMs: Math.max(0, Math.ceil(retryAfterMs)),
    });
  }
}

/**
 * A per-connection and/or per-user message rate limit (token buckets kept in the connection
 * store). Over the limit the message is refused with a 429 envelope; nothing else is dropped.
 *
 * @example
 * @UseMiddleware(RateLimit({ perConnection: '10/s', perUser: '100/m' }))
 */
export function RateLimit(options: RateLimitOptions): MiddlewareObject {
  return new RateLimitMiddleware(options);
}
