import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../core/rate-limit.ts';

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
