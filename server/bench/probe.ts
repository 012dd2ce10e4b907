/**
 * Preloaded into each server process the benchmark starts (`--import`), so the production
 * entry stays unchanged: answers the runner's IPC requests with this process's memory and CPU,
 * and profiles the CPU between two requests when asked (so a profile holds only that phase).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { createRequire } from 'node:module';
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';

/**
 * What the runner asks: a sample, numbered, after a full collection when `gc`; `profile`
 * starts the CPU profiler (`'start'`) or stops it and writes the profile to that path.
 */
export interface SampleRequest {
  id?: number;
  gc?: boolean;
  profile?: string;
  /**
   * Answer with the event loop's delay since the previous `lag` request, and measure on from
   * now (the first starts the monitor: it wakes the process every 10 ms, so only when asked).
   */
  lag?: boolean;
}

/** What the probe answers. */
export interface SampleReply {
  id: number;
  memory: NodeJS.MemoryUsage;
  /**
   * Bytes V8 has reserved for its young generation (new space): it grows with the allocation
   * rate, not with the clients held, up to a fixed cap, so it is part of RSS but no cost per
   * client (see docs/scaling.md#what-a-connection-keeps).
   */
  young: number;
  cpu: NodeJS.CpuUsage;
  /** The event loop's delay in ms since the previous `lag` request (none on the first). */
  lag?: { p99: number; max: number };
  /** engine.io connections this server closed or saw close so far, by engine.io's reason. */
  closes: Record<string, number>;
}

/**
 * Counts each engine.io connection's end by its reason (`ping timeout`, `transport close`,
 * `forced close`, ...), so a scale run can say which side ended the connections it lost. The
 * probe has no handle on the server, so it wraps engine.io's `Socket.prototype.onClose` (the
 * one place every reason passes), resolved as the server under test resolves it: the bench
 * only, never the product.
 */
const closes: Record<string, number> = {};
try {
  const require = createRequire(`${process.cwd()}/`);
  const { Socket } = require('engine.io') as {
    Socket: { prototype: { onClose(reason: string, description?: unknown): void } };
  };
  const onClose = Socket.prototype.onClose;
  Socket.prototype.onClose = function (this: { readyState?: string }, reason, description) {
    if (this.readyState !== 'closed') closes[reason] = (closes[reason] ?? 0) + 1;
    onClose.call(this, reason, description);
  };
} catch {
  // A baseline without engine.io (raw ws): nothing to count.
}

/** Bytes of the young generation's spaces (see {@link SampleReply.young}). */
function youngBytes(): number {
  return getHeapSpaceStatistics()
    .filter(
      (space) => space.space_name === 'new_space' || space.space_name === 'new_large_object_space',
    )
    .reduce((total, space) => total + space.space_size, 0);
}

let session: Session | undefined;
let delay: IntervalHistogram | undefined;

/** The delay since the last call (undefined on the first, which starts the monitor). */
function lagSince(): SampleReply['lag'] {
  if (!delay) {
    delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    return undefined;
  }
  const lag = { p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 };
  delay.reset();
  return lag;
}

/** Starts the profiler, or stops it and writes what it took to `path`. */
function profile(path: string, done: () => void): void {
  if (path === 'start') {
    session = new Session();
    session.connect();
    session.post('Profiler.enable', () => session?.post('Profiler.start', done));
    return;
  }
  session?.post('Profiler.stop', (error, result) => {
    if (!error) writeFileSync(path, JSON.stringify(result.profile));
    session?.disconnect();
    session = undefined;
    done();
  });
}

process.on('message', (request: SampleRequest | null) => {
  const { id, gc, profile: path, lag } = request ?? {};
  if (id === undefined) return;
  // Collect first when asked (node runs with --expose-gc): live bytes, not garbage not yet freed.
  if (gc && typeof globalThis.gc === 'function') globalThis.gc();
  const reply: SampleReply = {
    id,
    memory: process.memoryUsage(),
    young: youngBytes(),
    cpu: process.cpuUsage(),
    closes: { ...closes },
  };
  if (lag) reply.lag = lagSince();
  // The sample is taken before the profiler starts and after it stops.
  if (path) profile(path, () => process.send?.(reply));
  else process.send?.(reply);
});
// The runner gone (killed, crashed): the server under test goes too.
process.on('disconnect', () => process.exit(0));
