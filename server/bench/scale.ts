/**
 * `npm run bench -- --scale`: one fleet at scale. N production processes on one redis-server
 * (N as the 20,000 open files per process require: 15,000 clients each at most), driven by
 * load processes of up to 12,500 clients each, each on its own 127.0.0.x source address (one
 * address has about 28,000 ephemeral ports). Two stages, each on a fresh fleet of the same
 * size: 4,000 clients (the figure the docs extrapolated from), then --clients (100,000). Each:
 *
 * 1. connect every client at --join-rate a second, then seat them two to a room at that rate
 *    (every room split across two processes, as rooms fall without sticky sessions);
 * 2. memory after a full collection: RSS and heap per client, Redis `used_memory` per room;
 * 3. --idle-seconds (30, longer than one 25 s heartbeat) with every client seated and quiet:
 *    the CPU the heartbeats, Redis's and sweeps cost, per process and in total;
 * 4. every room relays one candidate-sized message each way, rooms started at --join-rate a
 *    second; a message not received within 10 s of the last is lost;
 * 5. close.
 *
 * Bounded: every phase has its timeout, and the whole run a hard one; any failure stops every
 * process the bench started.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
  benchLimits,
  clients,
  idleSeconds,
  joinRate,
  PRODUCTION_ENTRY,
  pin,
  processes,
  root,
  SCALE_PER_SERVER,
  serverNodeVersion,
  workers,
} from './options.ts';
import type { SampleReply } from './probe.ts';
import {
  abort,
  cpuSeconds,
  Loads,
  procCpuSeconds,
  type RedisUnderTest,
  redisMemory,
  type ServerProcess,
  sample,
  startRedis,
  startServer,
  stop,
  within,
} from './processes.ts';
import { ramp, warmUp } from './scenario.ts';
import { Histogram } from './stats.ts';

/** The clients the docs' one-process figures were measured at: the scale run's baseline. */
const BASELINE_CLIENTS = 4000;
/** How long a relay may take to arrive before it counts as lost. */
const RELAY_WAIT_MS = 10_000;

interface Lag {
  /** The worst process's 99th percentile and maximum event-loop delay, ms. */
  p99: number;
  max: number;
}

/** One stage's figures. */
export interface ScaleResult {
  target: string;
  clients: number;
  seated: number;
  servers: number;
  loads: number;
  rampSeconds: number;
  join: { p50: number; p99: number };
  /** Servers' CPU over the ramp, 100 = one core, and their event-loop delay. */
  rampCpuPercent: number;
  rampLag: Lag;
  rssKiBPerClient: number;
  heapKiBPerClient: number;
  /** Each server's RSS once every client is seated, MiB. */
  rssMiBEach: number[];
  redisBytesPerRoom: number;
  redisUsedMiB: number;
  /** The most file descriptors one server process held once every client was seated. */
  filesMax: number;
  /** Seated and quiet: each server's CPU, 100 = one core; and Redis's. */
  idleCpuEach: number[];
  idleCpuTotal: number;
  idleRedisCpu: number;
  idleLag: Lag;
  rooms: number;
  relays: number;
  /** Seated rooms that did not relay, a member already disconnected. */
  broken: number;
  relay: { p50: number; p99: number };
  /** Servers' and Redis's CPU per relay in the relay phase, µs. */
  cpuMicrosPerRelay: number;
  lost: number;
  /** Load processes' RSS per client they hold (their Node's own included), KiB. */
  loadRssKiBPerClient: number;
  loadHeapKiBPerClient: number;
  errors: Record<string, number>;
  reasons: Record<string, number>;
  /** engine.io connections the servers saw end during the ramp, by engine.io's reason. */
  serverCloses: Record<string, number>;
}

const sum = (list: number[]) => list.reduce((total, value) => total + value, 0);

/**
 * Each server's memory after a full collection, one server after the other: the servers share
 * one core, and seven full collections at once at 15,000 clients each stalled the last one
 * past its 3 s Redis heartbeat (it was swept, and took its seats back).
 */
async function collected(servers: ServerProcess[]): Promise<SampleReply[]> {
  const replies: SampleReply[] = [];
  for (const server of servers) replies.push(await sample(server, true));
  return replies;
}

const worst = (replies: SampleReply[]): Lag => ({
  p99: Math.max(0, ...replies.map((reply) => reply.lag?.p99 ?? 0)),
  max: Math.max(0, ...replies.map((reply) => reply.lag?.max ?? 0)),
});
const openFiles = (pid: number | undefined) => {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return Number.NaN;
  }
};
/** The servers' CPU seconds between two samples each, and per process. */
const cpuBetween = (before: SampleReply[], after: SampleReply[]) =>
  before.map((start, index) => {
    const end = after[index];
    return end ? cpuSeconds(start.cpu, end.cpu) : 0;
  });

async function stage(target: string, total: number): Promise<ScaleResult> {
  const redis = await startRedis();
  const env = { ...benchLimits, REDIS_URL: redis.url };
  console.log(`[scale] ${target}: ${processes} processes on ${redis.url}`);
  const servers = await Promise.all(
    Array.from({ length: processes }, (_, index) =>
      startServer(`scale ${index}`, PRODUCTION_ENTRY, [], env),
    ),
  );
  try {
    return await measure(target, total, servers, redis);
  } finally {
    await Promise.all(servers.map((server) => stop(server.child)));
    await stop(redis.child);
  }
}

async function measure(
  target: string,
  total: number,
  servers: ServerProcess[],
  redis: RedisUnderTest,
): Promise<ScaleResult> {
  await warmUp(target, servers, 'socket.io');
  const fresh = await collected(servers);
  const redisFresh = await redisMemory(redis.url);
  const count = Math.min(workers, total / 2);
  const share = Math.floor(total / count / 2) * 2;
  const loads = new Loads(count);

  // 1. The ramp. Client i of a load process talks to server i mod N: a room's two members are
  // on two processes (N >= 2).
  const rampStart = await Promise.all(
    servers.map((server) => sample(server, false, undefined, true)),
  );
  const rampWall = performance.now();
  const urls = servers.map((server) => server.url);
  const joined = await ramp(target, urls, 'socket.io', loads, share, 's');
  const rampEnd = await Promise.all(
    servers.map((server) => sample(server, false, undefined, true)),
  );
  const rampSeconds = (performance.now() - rampWall) / 1000;
  const joinHistogram = new Histogram();
  const errors: Record<string, number> = {};
  const reasons: Record<string, number> = {};
  for (const report of joined.reports) {
    joinHistogram.merge(report.joinLatency);
    for (const [key, value] of Object.entries(report.errors))
      errors[key] = (errors[key] ?? 0) + value;
    for (const [key, value] of Object.entries(report.reasons))
      reasons[key] = (reasons[key] ?? 0) + value;
  }
  const seated = sum(joined.reports.map((report) => report.seated));
  const serverCloses: Record<string, number> = {};
  for (const reply of rampEnd) {
    for (const [reason, times] of Object.entries(reply.closes ?? {})) {
      serverCloses[reason] = (serverCloses[reason] ?? 0) + times;
    }
  }
  for (const [reason, times] of Object.entries(reasons)) {
    console.warn(`[scale] ${target}: ${times} connection(s) failed: ${reason}`);
  }

  // 2. Memory, every client seated.
  const full = await collected(servers);
  const redisFull = await redisMemory(redis.url);
  const filesMax = Math.max(...servers.map((server) => openFiles(server.child.pid)));
  const grown = (pick: (memory: NodeJS.MemoryUsage) => number) =>
    sum(
      full.map((entry, index) => pick(entry.memory) - pick(fresh[index]?.memory ?? entry.memory)),
    ) /
    1024 /
    Math.max(1, seated);

  // 3. Idle, seated.
  console.log(`[scale] ${target}: ${seated} seated; idle for ${idleSeconds} s`);
  const idleStart = await Promise.all(
    servers.map((server) => sample(server, false, undefined, true)),
  );
  const redisIdleStart = procCpuSeconds(redis.pid);
  const idleWall = performance.now();
  await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
  const idleEnd = await Promise.all(
    servers.map((server) => sample(server, false, undefined, true)),
  );
  const idleWallSeconds = (performance.now() - idleWall) / 1000;
  const idleRedis = (procCpuSeconds(redis.pid) - redisIdleStart) / idleWallSeconds;
  const idleEach = cpuBetween(idleStart, idleEnd).map((cpu) => (cpu / idleWallSeconds) * 100);

  // 4. One relay each way per room.
  const rooms = Math.floor(seated / 2);
  console.log(`[scale] ${target}: every room relays once each way, ${joinRate} rooms a second`);
  const relayStart = await Promise.all(servers.map((server) => sample(server, false)));
  const redisRelayStart = procCpuSeconds(redis.pid);
  const ticker = setInterval(
    () => console.log(`[scale] ${target}: ${loads.sum('relays')} relays`),
    5000,
  );
  const relayed = loads.all('relayed');
  loads.send({ cmd: 'relay-once', rate: joinRate / count, waitMs: RELAY_WAIT_MS });
  const relayReports = await within(
    relayed,
    (rooms / joinRate) * 1000 + RELAY_WAIT_MS + 60_000,
    `${target}: the relays`,
  );
  clearInterval(ticker);
  const relayEnd = await Promise.all(servers.map((server) => sample(server, false)));
  const relayCpu =
    sum(cpuBetween(relayStart, relayEnd)) + procCpuSeconds(redis.pid) - redisRelayStart;
  const relayHistogram = new Histogram();
  for (const report of relayReports) {
    relayHistogram.merge(report.relayLatency);
    for (const [key, value] of Object.entries(report.errors)) {
      // The ramp's errors are in these counts too: keep the larger.
      errors[key] = Math.max(errors[key] ?? 0, value);
    }
    for (const [key, value] of Object.entries(report.reasons)) {
      reasons[key] = Math.max(reasons[key] ?? 0, value);
    }
  }
  const relays = sum(relayReports.map((report) => report.relays));
  await loads.close(target);

  const loadRss = sum(joined.reports.map((report) => report.rss));
  const loadHeap = sum(joined.reports.map((report) => report.heapUsed));
  const perLoadClient = Math.max(1, count * share);
  return {
    target,
    clients: count * share,
    seated,
    servers: servers.length,
    loads: count,
    rampSeconds,
    join: { p50: joinHistogram.percentile(50), p99: joinHistogram.percentile(99) },
    rampCpuPercent: (sum(cpuBetween(rampStart, rampEnd)) / rampSeconds) * 100,
    rampLag: worst(rampEnd),
    rssKiBPerClient: grown((memory) => memory.rss),
    heapKiBPerClient: grown((memory) => memory.heapUsed),
    rssMiBEach: full.map((entry) => entry.memory.rss / 2 ** 20),
    redisBytesPerRoom: (redisFull - redisFresh) / Math.max(1, seated / 2),
    redisUsedMiB: redisFull / 2 ** 20,
    filesMax,
    idleCpuEach: idleEach,
    idleCpuTotal: sum(idleEach),
    idleRedisCpu: idleRedis * 100,
    idleLag: worst(idleEnd),
    rooms,
    relays,
    broken: sum(relayReports.map((report) => report.broken ?? 0)),
    relay: { p50: relayHistogram.percentile(50), p99: relayHistogram.percentile(99) },
    cpuMicrosPerRelay: (relayCpu * 1e6) / Math.max(1, relays),
    lost: sum(relayReports.map((report) => report.lost)),
    loadRssKiBPerClient: loadRss / 1024 / perLoadClient,
    loadHeapKiBPerClient: loadHeap / 1024 / perLoadClient,
    errors,
    reasons,
    serverCloses,
  };
}

const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

/** Prints the stages side by side, the ratios, and writes the JSON to bench-results/. */
function print(results: ScaleResult[], started: Date): void {
  console.log('');
  console.table(
    results.map((r) => ({
      stage: r.target,
      'seated / clients': `${r.seated} / ${r.clients}`,
      'join p50/p99 ms': `${fixed(r.join.p50)} / ${fixed(r.join.p99)}`,
      'RSS KiB/client': fixed(r.rssKiBPerClient, 2),
      'heap KiB/client': fixed(r.heapKiBPerClient, 2),
      'Redis B/room': fixed(r.redisBytesPerRoom, 0),
      'idle CPU % (servers + Redis)': `${fixed(r.idleCpuTotal)} + ${fixed(r.idleRedisCpu)}`,
      'relays (lost)': `${r.relays} (${r.lost})`,
      'rooms broken': String(r.broken),
      'CPU µs/relay': fixed(r.cpuMicrosPerRelay, 0),
      errors: String(sum(Object.values(r.errors))),
    })),
  );
  for (const r of results) {
    const each = r.idleCpuEach.map((value) => fixed(value, 2)).join(', ');
    console.log(
      `[scale] ${r.target}: ${r.servers} servers, ${r.loads} load processes; ramp ` +
        `${fixed(r.rampSeconds, 0)} s at ${fixed(r.rampCpuPercent, 0)} % of a core (servers), ` +
        `event-loop delay p99/max ${fixed(r.rampLag.p99)}/${fixed(r.rampLag.max)} ms`,
    );
    console.log(
      `[scale] ${r.target}: idle ${idleSeconds} s, CPU % per server ${each}; ` +
        `per 10,000 clients ${fixed((r.idleCpuTotal * 10_000) / Math.max(1, r.seated), 2)} %; ` +
        `event-loop delay p99/max ${fixed(r.idleLag.p99)}/${fixed(r.idleLag.max)} ms`,
    );
    console.log(
      `[scale] ${r.target}: server RSS MiB ${r.rssMiBEach.map((v) => fixed(v, 0)).join(', ')}; ` +
        `most open files in one process ${r.filesMax} of 20,000; Redis used_memory ` +
        `${fixed(r.redisUsedMiB)} MiB; relay p50/p99 ${fixed(r.relay.p50)}/${fixed(r.relay.p99)} ms; ` +
        `load processes ${fixed(r.loadRssKiBPerClient)} KiB RSS, ` +
        `${fixed(r.loadHeapKiBPerClient)} KiB heap per client; errors ${JSON.stringify(r.errors)}`,
    );
    if (Object.keys(r.reasons).length > 0) {
      console.log(`[scale] ${r.target}: failures by reason ${JSON.stringify(r.reasons)}`);
    }
    if (Object.keys(r.serverCloses).length > 0) {
      console.log(
        `[scale] ${r.target}: connections the servers saw end during the ramp, by reason ` +
          JSON.stringify(r.serverCloses),
      );
    }
  }
  const [base, big] = results;
  if (base && big && base !== big) {
    console.log(
      `[scale] ${big.target} / ${base.target}: RSS per client ` +
        `${fixed(big.rssKiBPerClient / base.rssKiBPerClient, 2)} x, heap per client ` +
        `${fixed(big.heapKiBPerClient / base.heapKiBPerClient, 2)} x, Redis bytes per room ` +
        `${fixed(big.redisBytesPerRoom / base.redisBytesPerRoom, 2)} x, idle CPU per client ` +
        `${fixed(big.idleCpuTotal / big.seated / (base.idleCpuTotal / base.seated), 2)} x`,
    );
  }
  mkdirSync(`${root}bench-results`, { recursive: true });
  const file = `${root}bench-results/scale-${started.toISOString().replace(/[:.]/g, '-')}.json`;
  const options = { clients, processes, workers, joinRate, idleSeconds, pin: pin ?? 'off' };
  const json = { started: started.toISOString(), serverNode: serverNodeVersion, options, results };
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`[scale] results written to ${file}`);
}

/** The scale run: the baseline stage, then the full one; bounded by a hard timeout. */
export async function runScale(started: Date): Promise<void> {
  const perServer = clients / processes;
  if (perServer > SCALE_PER_SERVER) {
    console.warn(
      `[scale] ${Math.round(perServer)} clients per server process: past ${SCALE_PER_SERVER}, ` +
        'the 20,000 open files per process come near',
    );
  }
  const sizes = clients > BASELINE_CLIENTS ? [BASELINE_CLIENTS, clients] : [clients];
  // Each stage: a warm-up, the ramp (connect, then seat), the idle, the relays, the close.
  const stageSeconds = (n: number) => 30 + (2 * n) / joinRate + idleSeconds + n / 2 / joinRate + 90;
  const budget = 2 * sum(sizes.map(stageSeconds)) + 120;
  console.log(`[scale] ${clients} clients, hard timeout ${Math.round(budget)} s`);
  const hard = setTimeout(
    () => abort(`the scale run passed ${Math.round(budget)} s`),
    budget * 1000,
  );
  const results: ScaleResult[] = [];
  for (const size of sizes) {
    const target = `${size.toLocaleString('en')} clients`;
    results.push(await stage(target, size));
    // Printed (and written) after each stage, so a later stage's failure keeps the earlier.
    print(results, started);
  }
  clearTimeout(hard);
}
