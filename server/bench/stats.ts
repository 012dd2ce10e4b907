/** Latency histograms that load processes fill and the runner merges: 20 µs buckets to 2 s. */

const BUCKET_MS = 0.02;
const BUCKETS = 100_000;

/** A histogram as it crosses IPC: its non-empty buckets as `[index, count]` pairs. */
export interface HistogramJson {
  buckets: [number, number][];
  count: number;
  max: number;
}

/** A mergeable latency histogram in milliseconds; values past 2 s land in the last bucket. */
export class Histogram {
  counts = new Uint32Array(BUCKETS);
  count = 0;
  max = 0;

  /** Counts one latency of `ms` milliseconds. */
  add(ms: number): void {
    const index = Math.min(BUCKETS - 1, Math.max(0, Math.floor(ms / BUCKET_MS)));
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  /** Non-empty buckets as `[index, count]` pairs, small enough for an IPC message. */
  toJSON(): HistogramJson {
    const buckets: [number, number][] = [];
    this.counts.forEach((count, index) => {
      if (count > 0) buckets.push([index, count]);
    });
    return { buckets, count: this.count, max: this.max };
  }

  /** Adds another process's histogram to this one. */
  merge(other: HistogramJson): this {
    for (const [index, count] of other.buckets) {
      this.counts[index] = (this.counts[index] ?? 0) + count;
    }
    this.count += other.count;
    this.max = Math.max(this.max, other.max);
    return this;
  }

  /** The `p`-th percentile (0..100) in milliseconds, at the bucket's upper edge. */
  percentile(p: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let index = 0; index < BUCKETS; index++) {
      seen += this.counts[index] ?? 0;
      if (seen >= rank) return index === BUCKETS - 1 ? this.max : (index + 1) * BUCKET_MS;
    }
    return this.max;
  }
}

/** The median of `list` (0 for none). */
export function median(list: number[]): number {
  const sorted = [...list].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}
