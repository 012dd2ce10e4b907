/**
 * One target's scenario against servers already started: warm up, ramp every client to a seat,
 * sample memory, relay for a while, sample CPU; and the figures it yields.
 */
import { mkdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { LoadErrors } from './load.ts';
import { joinRate, root, values, workers } from './options.ts';
import type { SampleReply } from './probe.ts';
import {
  cpuSeconds,
  Loads,
  procCpuSeconds,
  type RedisUnderTest,
  type Report,
  redisMemory,
  type ServerProcess,
  sample,
  within,
} from './processes.ts';
import { Histogram } from './stats.ts';

/** One target's figures from one round. */
export interface Result {
  target: string;
  clients: number;
  seated: number;
  joinSeconds: number;
  join: { p50: number; p95: number; p99: number };
  /** Server CPU (all server processes, and Redis) per seated client while seating. */
  cpuMicrosPerJoin: number;
  relay: { p50: number; p99: number };
  relays: number;
  relaysPerSecond: number;
  /** Server CPU (all server processes, and Redis) per relay. */
  cpuMicrosPerRelay: number;
  /** Server CPU during the relay phase, 100 = one core. */
  cpuPercent: number;
  rssKiBPerClient: number;
  heapKiBPerClient: number;
  /**
   * Of the RSS per client, what V8's young generation grew by: a fixed cost that the ramp's
   * allocations set off (capped, whatever the clients), spread here over the clients.
   */
  youngKiBPerClient: number;
  /** Redis memory per seated room (two-process mode). */
  redisBytesPerRoom?: number;
  /** Relays sent that never arrived (must be 0). */
  lost: number;
  /** Each server process's own CPU per relay of the whole run, in start order. */
  cpuEach: number[];
  /**
   * What each server process spends anyway, idle with its clients seated, over as long as the
   * relay phase lasted, per relay (0 for a single process, whose idle is not measured).
   */
  idleEach: number[];
  errors: Record<string, number>;
}

export type LoadProtocol = 'socket.io' | 'ws';

/** Connections a load process makes from one source address at most (see load.ts). */
const PER_SOURCE_ADDRESS = 5_000;

/**
 * The source addresses of load process `index` holding `share` clients: its own block of
 * 127.0.0.x, one address per {@link PER_SOURCE_ADDRESS} clients. Linux routes all of 127/8 to
 * loopback; elsewhere only 127.0.0.1 may exist.
 */
function sourceAddresses(index: number, share: number): string[] {
  if (process.platform !== 'linux') return ['127.0.0.1'];
  const each = Math.ceil(share / PER_SOURCE_ADDRESS);
  return Array.from({ length: each }, (_, k) => `127.0.0.${2 + index * each + k}`);
}

/** Connects and seats every client; resolves with the load processes' reports. */
export async function ramp(
  target: string,
  urls: string[],
  protocol: LoadProtocol,
  loads: Loads,
  share: number,
  roomPrefix = 'w',
) {
  const count = loads.processes.length;
  const started = performance.now();
  const ticker = setInterval(
    () => console.log(`[bench] ${target}: ${loads.sum('seated')}/${count * share} seated`),
    1000,
  );
  const joined = loads.all('joined');
  loads.send((index) => ({
    cmd: 'join',
    config: {
      protocol,
      urls,
      clients: share,
      joinRate: joinRate / count,
      localAddresses: sourceAddresses(index, share),
      roomPrefix: `${roomPrefix}${index}`,
      pairBase: (index * share) / 2,
      codelab: target.startsWith('codelab'),
    },
  }));
  const reports = await within(
    joined,
    // Connected at the rate, then seated at the rate.
    ((2 * count * share) / joinRate) * 1000 + 60_000,
    `${target}: the ramp`,
  );
  clearInterval(ticker);
  return { reports, seconds: (performance.now() - started) / 1000 };
}

/** Every pair relays for `seconds`; resolves with the reports and the servers' CPU seconds. */
async function relayPhase(
  target: string,
  servers: ServerProcess[],
  loads: Loads,
  seconds: number,
  redis: RedisUnderTest | undefined,
) {
  const ticker = setInterval(() => {
    console.log(`[bench] ${target}: ${loads.sum('relays')} relays`);
  }, 1000);
  const before = await Promise.all(
    servers.map((server) => sample(server, false, values.profile ? 'start' : undefined)),
  );
  const redisBefore = redis ? procCpuSeconds(redis.pid) : 0;
  const started = performance.now();
  const relayed = loads.all('relayed');
  loads.send({ cmd: 'relay', durationMs: seconds * 1000 });
  const reports = await within(relayed, seconds * 1000 + 60_000, `${target}: the relay phase`);
  const after = await Promise.all(
    servers.map((server, index) =>
      sample(server, false, values.profile ? profilePath(target, 'relay', index) : undefined),
    ),
  );
  // Up to the sample's answer, which waits behind any backlog the server still had to clear.
  const wall = (performance.now() - started) / 1000;
  clearInterval(ticker);
  const redisCpu = redis ? procCpuSeconds(redis.pid) - redisBefore : 0;
  const each = before.map((start, index) => {
    const end = after[index];
    return end ? cpuSeconds(start.cpu, end.cpu) : 0;
  });
  const cpu = each.reduce((total, value) => total + value, redisCpu);
  return { reports, cpu, each, wall };
}

/** Where a server's CPU profile of one phase goes (`--profile`). */
function profilePath(target: string, phase: string, index: number): string {
  mkdirSync(`${root}bench-results/profiles`, { recursive: true });
  const name = `${target.replace(/\W+/g, '-')}-${phase}-${index}-${Date.now()}`;
  return `${root}bench-results/profiles/${name}.cpuprofile`;
}

/**
 * Each server's CPU seconds per second over a few seconds with every client seated and quiet:
 * heartbeats, Redis's, timers. What an uninvolved process spends on others' relays is what it
 * spends beyond this.
 */
async function idleCpuRates(servers: ServerProcess[], seconds = 3): Promise<number[]> {
  const before = await Promise.all(servers.map((server) => sample(server, false)));
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const after = await Promise.all(servers.map((server) => sample(server, false)));
  const wall = (performance.now() - started) / 1000;
  return before.map((start, index) => {
    const end = after[index];
    return end ? cpuSeconds(start.cpu, end.cpu) / wall : 0;
  });
}

/**
 * A few pairs join, relay for a second and leave, so the code of every path is compiled before
 * the idle sample: otherwise the server with more code counts its compilation as memory per
 * client.
 */
export async function warmUp(target: string, servers: ServerProcess[], protocol: LoadProtocol) {
  const loads = new Loads(1);
  await ramp(
    `${target} warm-up`,
    servers.map((server) => server.url),
    protocol,
    loads,
    8 * servers.length,
    'warm',
  );
  const relayed = loads.all('relayed');
  loads.send({ cmd: 'relay', durationMs: 1000 });
  await within(relayed, 60_000, `${target}: the warm-up`);
  await loads.close(target);
}

/** Runs the scenario against servers already started: ramp, sample memory, relay, sample CPU. */
export async function drive(
  target: string,
  servers: ServerProcess[],
  protocol: LoadProtocol,
  total: number,
  seconds: number,
  redis: RedisUnderTest | undefined,
  urls: string[],
): Promise<Result> {
  await warmUp(target, servers, protocol);
  const idle = await Promise.all(servers.map((server) => sample(server, true)));
  const redisIdle = redis ? await redisMemory(redis.url) : 0;
  const count = Math.min(workers, total / 2);
  const share = Math.floor(total / count / 2) * 2;
  const loads = new Loads(count);
  if (values.profile) await Promise.all(servers.map((server) => sample(server, false, 'start')));
  // The servers' (and Redis's) CPU from the last connection to the last seat: the joins' own.
  const seating = loads
    .all('connected')
    .then(() => Promise.all(servers.map((server) => sample(server, false))))
    .then((samples) => ({ samples, redis: redis ? procCpuSeconds(redis.pid) : 0 }));
  const joined = await ramp(target, urls, protocol, loads, share);
  const seated = await Promise.all(
    servers.map((server, index) =>
      sample(server, false, values.profile ? profilePath(target, 'ramp', index) : undefined),
    ),
  );
  const seatingFrom = await seating;
  const joinCpu = seated.reduce(
    (total, end, index) => {
      const start = seatingFrom.samples[index];
      return total + (start ? cpuSeconds(start.cpu, end.cpu) : 0);
    },
    redis ? procCpuSeconds(redis.pid) - seatingFrom.redis : 0,
  );
  const full = await Promise.all(servers.map((server) => sample(server, true)));
  const redisFull = redis ? await redisMemory(redis.url) : 0;
  const idleRates = servers.length > 1 ? await idleCpuRates(servers) : servers.map(() => 0);
  const relayed = await relayPhase(target, servers, loads, seconds, redis);
  await loads.close(target);

  const latency = summarize(target, joined.reports, relayed.reports);
  const cpuMicrosPerJoin = (joinCpu * 1e6) / Math.max(1, latency.seated);
  // Per client that got a seat: on a loaded machine some connections time out.
  const perServer = Math.max(1, latency.seated) / servers.length;
  const grown = (pick: (sample: SampleReply) => number) =>
    full.reduce((sum, entry, index) => {
      const start = idle[index];
      return sum + pick(entry) - (start ? pick(start) : 0);
    }, 0) /
    1024 /
    servers.length /
    perServer;
  return {
    target,
    clients: count * share,
    seated: latency.seated,
    joinSeconds: joined.seconds,
    join: latency.join,
    cpuMicrosPerJoin,
    relay: latency.relay,
    relays: latency.relays,
    relaysPerSecond: latency.relays / latency.relaySeconds,
    cpuMicrosPerRelay: (relayed.cpu * 1e6) / latency.relays,
    cpuPercent: (relayed.cpu / relayed.wall) * 100,
    rssKiBPerClient: grown((sample) => sample.memory.rss),
    heapKiBPerClient: grown((sample) => sample.memory.heapUsed),
    youngKiBPerClient: grown((sample) => sample.young),
    redisBytesPerRoom: redis ? (redisFull - redisIdle) / (latency.seated / 2) : undefined,
    lost: latency.lost,
    cpuEach: relayed.each.map((cpu) => (cpu * 1e6) / latency.relays),
    idleEach: idleRates.map((rate) => (rate * relayed.wall * 1e6) / latency.relays),
    errors: latency.errors,
  };
}

/** Merges the load processes' histograms and counts. */
function summarize(target: string, joined: Report<'joined'>[], relayed: Report<'relayed'>[]) {
  const joinHistogram = new Histogram();
  const relayHistogram = new Histogram();
  const errors: Record<string, number> = {};
  let seated = 0;
  for (const message of joined) {
    for (const [reason, times] of Object.entries(message.reasons)) {
      console.warn(`[bench] ${target}: ${times} connection(s) failed: ${reason}`);
    }
    joinHistogram.merge(message.joinLatency);
    seated += message.seated;
  }
  let relays = 0;
  let relaySeconds = 0;
  let lost = 0;
  for (const message of relayed) {
    relayHistogram.merge(message.relayLatency);
    relays += message.relays;
    lost += message.lost;
    relaySeconds = Math.max(relaySeconds, message.seconds);
    for (const [key, value] of Object.entries(message.errors as LoadErrors)) {
      errors[key] = (errors[key] ?? 0) + value;
    }
  }
  return {
    seated,
    relays,
    relaySeconds,
    lost,
    errors,
    join: {
      p50: joinHistogram.percentile(50),
      p95: joinHistogram.percentile(95),
      p99: joinHistogram.percentile(99),
    },
    relay: { p50: relayHistogram.percentile(50), p99: relayHistogram.percentile(99) },
  };
}
