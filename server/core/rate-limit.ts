/** A token bucket's shape: how many requests may come at once, and how fast the bucket refills. */
export interface BucketOptions {
  /** Tokens the bucket holds when full: the largest burst allowed. */
  burst: number;
  /** Tokens added per second, up to `burst`: the sustained rate allowed. */
  perSecond: number;
}

/** The per-socket rate limits of the signaling server. */
export interface RateLimitOptions {
  /**
   * `create or join`, `bye` and `ipaddr`, counted together.
   * @default { burst: 10, perSecond: 1 }
   */
  join: BucketOptions;
  /**
   * `message` events. A call's setup sends an offer or answer and a few dozen candidates at once.
   * @default { burst: 100, perSecond: 20 }
   */
  message: BucketOptions;
  /**
   * Bytes of JSON relayed by `message`. Bounds the memory connection state recovery keeps for
   * replay (every relay is kept for its window).
   * @default { burst: 262144, perSecond: 32768 }
   */
  messageBytes: BucketOptions;
}

/** The defaults of {@link RateLimitOptions}. */
export const DEFAULT_RATE_LIMITS: RateLimitOptions = {
  join: { burst: 10, perSecond: 1 },
  message: { burst: 100, perSecond: 20 },
  messageBytes: { burst: 256 * 1024, perSecond: 32 * 1024 },
};

/**
 * The clock of the buckets, in milliseconds: one function for all of them. `Date.now` costs a
 * fraction of `performance.now` on every relay; a clock set back refills nothing (see below).
 */
const clock = () => Date.now();

/** Which of a socket's buckets, as an index into its {@link BucketLevels}. */
export const Bucket = { join: 0, message: 1, messageBytes: 2 } as const;

/** A bucket's name in {@link RateLimitOptions}. */
export type BucketName = keyof typeof Bucket;

/**
 * A socket's three token buckets as `[tokens, updatedAt]` pairs, in bucket order, in one array
 * of unboxed doubles: about 70 bytes per socket, where an object per bucket (with its clock)
 * cost some 270, and no closure per socket.
 */
export type BucketLevels = number[];

/** Full buckets for a new socket. */
export function fullBuckets(limits: RateLimitOptions, now = clock()): BucketLevels {
  return [limits.join.burst, now, limits.message.burst, now, limits.messageBytes.burst, now];
}

/**
 * Takes `count` tokens from bucket `index` of `levels`, refilled at `options.perSecond` since it
 * was last used, if there are that many; returns whether it did.
 */
export function takeTokens(
  levels: BucketLevels,
  index: number,
  options: BucketOptions,
  count = 1,
  now = clock(),
): boolean {
  const at = 2 * index;
  const updatedAt = levels[at + 1] ?? now;
  const refill = (Math.max(0, now - updatedAt) / 1000) * options.perSecond;
  const tokens = Math.min(options.burst, (levels[at] ?? 0) + refill);
  levels[at + 1] = now;
  if (tokens < count) {
    levels[at] = tokens;
    return false;
  }
  levels[at] = tokens - count;
  return true;
}

/**
 * A token bucket: `take(n)` succeeds while tokens last, and tokens come back at a steady rate.
 * Bursts up to `burst` pass; a flood runs the bucket dry and is refused. Sockets keep theirs
 * in {@link BucketLevels}; this is the same rule for one bucket on its own.
 */
export class TokenBucket {
  readonly #levels: BucketLevels;

  /** @param now the clock, in milliseconds (a parameter so tests of the bucket need no sleeps). */
  constructor(
    readonly options: BucketOptions,
    readonly now: () => number = clock,
  ) {
    checkBucket(options);
    this.#levels = [options.burst, now()];
  }

  /** Takes `count` tokens if there are that many; returns whether it did. */
  take(count = 1): boolean {
    return takeTokens(this.#levels, 0, this.options, count, this.now());
  }
}

/** Throws unless `options` describe a bucket that can ever pass a request. */
export function checkBucket(options: BucketOptions): void {
  if (!(options.burst >= 1) || !(options.perSecond >= 0)) {
    throw new RangeError(
      `[signaling] a rate limit needs burst >= 1 and perSecond >= 0, got ${JSON.stringify(options)}`,
    );
  }
}

/** Fills in the limits not given with {@link DEFAULT_RATE_LIMITS}. */
export function resolveRateLimits(given: Partial<RateLimitOptions> = {}): RateLimitOptions {
  const limits = { ...DEFAULT_RATE_LIMITS, ...given };
  checkBucket(limits.join);
  checkBucket(limits.message);
  checkBucket(limits.messageBytes);
  return limits;
}
