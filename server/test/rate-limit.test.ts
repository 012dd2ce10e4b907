import { describe, expect, it } from 'vitest';
import { KeyedBuckets, TokenBucket } from '../core/rate-limit.ts';

/** A bucket on a clock the test moves by hand. */
function bucketAt(burst: number, perSecond: number) {
  let now = 0;
  const bucket = new TokenBucket({ burst, perSecond }, () => now);
  return {
    bucket,
    advance(ms: number) {
      now += ms;
    },
  };
}

describe('TokenBucket', () => {
  it('lets a burst through, then refuses', () => {
    const { bucket } = bucketAt(3, 1);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it('refills at its rate, never past the burst', () => {
    const { bucket, advance } = bucketAt(2, 10);
    bucket.take();
    bucket.take();
    advance(100);
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
    advance(60_000);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
  });

  it('charges a weighted take in full or not at all', () => {
    const { bucket } = bucketAt(100, 0);
    expect(bucket.take(60)).toBe(true);
    expect(bucket.take(60)).toBe(false);
    expect(bucket.take(40)).toBe(true);
  });

  it('refuses a shape that could never pass a request', () => {
    expect(() => new TokenBucket({ burst: 0, perSecond: 1 })).toThrow(/\[signaling\]/);
  });
});

describe('KeyedBuckets', () => {
  it('limits each key on its own', () => {
    const buckets = new KeyedBuckets({ burst: 1, perSecond: 1 }, 10, () => 0);
    expect([buckets.take('a'), buckets.take('a'), buckets.take('b')]).toEqual([true, false, true]);
    expect(buckets.has('a')).toBe(false);
    expect(buckets.has('never seen')).toBe(true);
  });

  it('forgets buckets that are full again, so a flood of keys leaves nothing behind', () => {
    let now = 0;
    const buckets = new KeyedBuckets({ burst: 2, perSecond: 1 }, 100, () => now);
    for (let index = 0; index < 50; index++) buckets.take(`address-${index}`);
    expect(buckets.size).toBe(50);
    buckets.prune();
    expect(buckets.size).toBe(50);
    now += 1000;
    buckets.prune();
    expect(buckets.size).toBe(0);
  });

  it('never holds more than its most keys: the oldest goes first', () => {
    const buckets = new KeyedBuckets({ burst: 1, perSecond: 0 }, 3, () => 0);
    for (const key of ['a', 'b', 'c', 'd']) buckets.take(key);
    expect(buckets.size).toBe(3);
    expect(buckets.has('a')).toBe(true);
    expect(buckets.has('d')).toBe(false);
  });
});
