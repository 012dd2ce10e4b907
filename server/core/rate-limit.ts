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
 * A token bucket: `take(n)` succeeds while tokens last, and tokens come back at a steady rate.
 * Bursts up to `burst` pass; a flood runs the bucket dry and is refused.
 */
export class TokenBucket {
  #tokens: number;
  #updatedAt: number;

  /** @param now the clock, in milliseconds (a parameter so tests of the bucket need no sleeps). */
  constructor(
    readonly options: BucketOptions,
    readonly now: () => number = () => performance.now(),
  ) {
    if (!(options.burst >= 1) || !(options.perSecond >= 0)) {
      throw new RangeError(
        `[signaling] a rate limit needs burst >= 1 and perSecond >= 0, got ${JSON.stringify(options)}`,
      );
    }
    this.#tokens = options.burst;
    this.#updatedAt = now();
  }

  /** Takes `count` tokens if there are that many; returns whether it did. */
  take(count = 1): boolean {
    const now = this.now();
    const refill = ((now - this.#updatedAt) / 1000) * this.options.perSecond;
    this.#tokens = Math.min(this.options.burst, this.#tokens + refill);
    this.#updatedAt = now;
    if (this.#tokens < count) return false;
    this.#tokens -= count;
    return true;
  }
}

/** Fills in the limits not given with {@link DEFAULT_RATE_LIMITS}. */
export function resolveRateLimits(given: Partial<RateLimitOptions> = {}): RateLimitOptions {
  return { ...DEFAULT_RATE_LIMITS, ...given };
}
