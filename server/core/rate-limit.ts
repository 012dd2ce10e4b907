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
    checkBucket(options);
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

  /** Whether `count` tokens could be taken now, without taking them. */
  has(count = 1): boolean {
    return this.#refilled() >= count;
  }

  /** Whether the bucket is full again: it then remembers nothing a new bucket would not. */
  get full(): boolean {
    return this.#refilled() >= this.options.burst;
  }

  #refilled(): number {
    const refill = ((this.now() - this.#updatedAt) / 1000) * this.options.perSecond;
    return Math.min(this.options.burst, this.#tokens + refill);
  }
}

/** The default of {@link KeyedBuckets}' `maxKeys`. */
export const DEFAULT_MAX_BUCKET_KEYS = 100_000;

/**
 * One token bucket per key (a client address, a room name), for limits that outlive a socket.
 * Bounded: a full bucket is the same as no bucket, so {@link prune} drops those, and past
 * `maxKeys` the oldest key goes first, so no flood of keys can grow it without end.
 */
export class KeyedBuckets {
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(
    readonly options: BucketOptions,
    readonly maxKeys = DEFAULT_MAX_BUCKET_KEYS,
    readonly now: () => number = () => performance.now(),
  ) {
    checkBucket(options);
  }

  /** Takes `count` tokens from `key`'s bucket if it has that many; returns whether it did. */
  take(key: string, count = 1): boolean {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= this.maxKeys) this.prune();
      if (this.#buckets.size >= this.maxKeys) {
        const oldest = this.#buckets.keys().next().value;
        if (oldest !== undefined) this.#buckets.delete(oldest);
      }
      bucket = new TokenBucket(this.options, this.now);
      this.#buckets.set(key, bucket);
    }
    return bucket.take(count);
  }

  /** Whether `key`'s bucket has `count` tokens now, without taking them. */
  has(key: string, count = 1): boolean {
    return this.#buckets.get(key)?.has(count) ?? this.options.burst >= count;
  }

  /** Drops the buckets that are full again. */
  prune(): void {
    for (const [key, bucket] of this.#buckets) if (bucket.full) this.#buckets.delete(key);
  }

  /** How many keys have a bucket. */
  get size(): number {
    return this.#buckets.size;
  }
}

/** Fills in the limits not given with {@link DEFAULT_RATE_LIMITS}. */
export function resolveRateLimits(given: Partial<RateLimitOptions> = {}): RateLimitOptions {
  return { ...DEFAULT_RATE_LIMITS, ...given };
}

function checkBucket(options: BucketOptions): void {
  if (!(options.burst >= 1) || !(options.perSecond >= 0)) {
    throw new RangeError(
      `[signaling] a rate limit needs burst >= 1 and perSecond >= 0, got ${JSON.stringify(options)}`,
    );
  }
}
