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
 * A socket's three token buckets as `[tokens, updatedAt]` pairs, in bucket order, then the time
 * its last `rate-limited` answer's window ends ({@link RATE_LIMITED_WINDOW_MS}), in one array
 * of unboxed doubles: about 80 bytes per socket, where an object per bucket (with its clock)
 * cost some 270, and no closure per socket.
 */
export type BucketLevels = number[];

/** Where in {@link BucketLevels} the end of the current `rate-limited` window is kept. */
const TOLD_UNTIL = 6;

/**
 * A socket is told `rate-limited` at most once per this many milliseconds; its other refusals
 * for rate in that window are dropped unanswered. A flood's answers would otherwise queue for a
 * client that never reads them (a polling client that never polls held 50,000).
 */
export const RATE_LIMITED_WINDOW_MS = 1000;

/** Full buckets for a new socket. */
export function fullBuckets(limits: RateLimitOptions, now = clock()): BucketLevels {
  return [limits.join.burst, now, limits.message.burst, now, limits.messageBytes.burst, now, 0];
}

/**
 * Buckets a recovered socket carries over from its session (a session restored from Redis is
 * JSON): the same levels if they have the shape of {@link fullBuckets}', else full ones. A
 * recovery never refills them: a member's limits are the member's, whichever socket it is on.
 */
export function carriedBuckets(kept: unknown, limits: RateLimitOptions): BucketLevels {
  const full = fullBuckets(limits);
  if (!Array.isArray(kept) || kept.length !== full.length) return full;
  return kept.every((level) => typeof level === 'number' && Number.isFinite(level))
    ? (kept as number[])
    : full;
}

/**
 * Whether a `rate-limited` answer may be sent to the socket of `levels` now: true at most once
 * per {@link RATE_LIMITED_WINDOW_MS}, and the window starts.
 */
export function mayTellRateLimited(levels: BucketLevels, now = clock()): boolean {
  if (now < (levels[TOLD_UNTIL] ?? 0)) return false;
  levels[TOLD_UNTIL] = now + RATE_LIMITED_WINDOW_MS;
  return true;
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
 * Takes one token from bucket `index` and `bytes` from the byte bucket, both or neither: a relay
 * takes both or is refused (by the handler, which then takes them itself: see relay.ts). Returns
 * whether it took them; when not, `levels` are left as they were.
 */
export function takeRelay(
  levels: BucketLevels,
  index: number,
  options: BucketOptions,
  byteOptions: BucketOptions,
  bytes: number,
  now = clock(),
): boolean {
  const at = 2 * index;
  const byteAt = 2 * Bucket.messageBytes;
  const tokens = refilled(levels, at, options, now);
  const byteTokens = refilled(levels, byteAt, byteOptions, now);
  if (tokens < 1 || byteTokens < bytes) return false;
  levels[at] = tokens - 1;
  levels[at + 1] = now;
  levels[byteAt] = byteTokens - bytes;
  levels[byteAt + 1] = now;
  return true;
}

function refilled(levels: BucketLevels, at: number, options: BucketOptions, now: number): number {
  const updatedAt = levels[at + 1] ?? now;
  const refill = (Math.max(0, now - updatedAt) / 1000) * options.perSecond;
  return Math.min(options.burst, (levels[at] ?? 0) + refill);
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

  /** Whether `count` tokens could be taken now, without taking them. */
  has(count = 1): boolean {
    return this.#refilled() >= count;
  }

  /** Whether the bucket is full again: it then remembers nothing a new bucket would not. */
  get full(): boolean {
    return this.#refilled() >= this.options.burst;
  }

  #refilled(): number {
    const [tokens = 0, updatedAt = this.now()] = this.#levels;
    const refill = (Math.max(0, this.now() - updatedAt) / 1000) * this.options.perSecond;
    return Math.min(this.options.burst, tokens + refill);
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
    readonly now: () => number = clock,
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
  const limits = { ...DEFAULT_RATE_LIMITS, ...given };
  checkBucket(limits.join);
  checkBucket(limits.message);
  checkBucket(limits.messageBytes);
  return limits;
}
