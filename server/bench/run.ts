/**
 * `npm run bench [-- options]`: the load benchmark. Starts each server under test in its own
 * process (the production build, then the baselines), drives it from several load processes
 * over loopback, and prints join/relay latency, throughput, server memory and CPU.
 *
 *   --clients N          clients of ours, bare Socket.IO and raw ws, in N/2 rooms (4000)
 *   --codelab-clients L  comma list of client counts for the codelab's design (96,400)
 *   --workers W          load processes, each on its own 127.0.0.x source address (4)
 *   --join-rate R        clients connected, then seated, per second over all workers (1000)
 *   --relay-seconds S    how long every pair relays (8; the codelab's runs use half)
 *   --redis              also run two production processes on one Redis, pairs split across
 *   --processes N        also run a fleet of N production processes on one Redis (N >= 2):
 *                        every room on the first process (co-located; the others are
 *                        uninvolved), then rooms split across the first two; beside `ours`
 *   --only LIST          comma list of ours,socket.io,ws,codelab,redis,fleet
 *   --repeat K           run everything K times, interleaved, and print medians (1)
 *   --pin auto|off|S/L   CPUs for the servers / for the runner and load processes, as taskset
 *                        lists (auto: servers on CPU 0, the rest on the others, where taskset
 *                        and two CPUs exist)
 *   --profile            write a CPU profile of each server process's ramp (joins) and relay
 *                        phase to bench-results/profiles/ (it costs CPU: not for figures)
 *   --build              rebuild the production server first (it is rebuilt when missing or
 *                        older than a server source)
 *   --before PATH        also run the fleet on another build's entry in each round, labelled
 *                        `(before)`: a copy of dist/ from an earlier commit, for a same-run
 *                        before/after
 *   --node PATH          the Node binary the servers run on (this runner's own by default),
 *                        e.g. .cache/node-26/bin/node as `npm run test:node` fetches it
 *
 * The runner runs under tsx; the processes it starts do not: the baselines, the probe and the
 * load processes are compiled once to dist/bench/, so no TypeScript loader runs in a server
 * under test.
 */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient } from '@redis/client';
import ts from 'typescript';
import type { LoadCommand, LoadErrors, LoadReport } from './load.ts';
import type { SampleReply, SampleRequest } from './probe.ts';
import type { Baseline } from './servers.ts';
import { Histogram } from './stats.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const here = fileURLToPath(new URL('./', import.meta.url));
/** The production server under test, as `npm run build` makes it and `npm start` runs it. */
const PRODUCTION_ENTRY = `${root}dist/server/cli/main.js`;
/** Where the bench's own child processes are compiled to. */
const compiled = `${root}dist/bench/`;

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '4000' },
    'codelab-clients': { type: 'string', default: '96,400' },
    workers: { type: 'string', default: '4' },
    'join-rate': { type: 'string', default: '1000' },
    'relay-seconds': { type: 'string', default: '8' },
    redis: { type: 'boolean', default: false },
    processes: { type: 'string', default: '0' },
    only: { type: 'string' },
    repeat: { type: 'string', default: '1' },
    pin: { type: 'string', default: 'auto' },
    profile: { type: 'boolean', default: false },
    build: { type: 'boolean', default: false },
    node: { type: 'string' },
    before: { type: 'string' },
  },
});

function whole(raw: string | undefined, name: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(`[bench] --${name} must be a whole number from ${min} to ${max}, got ${raw}`);
    process.exit(2);
  }
  return value;
}

/** The Node the servers under test run on, and its version (the runner may run on another). */
const serverNode = values.node ?? process.execPath;
const serverNodeVersion = (() => {
  try {
    return execFileSync(serverNode, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    console.error(`[bench] --node ${serverNode} is not a Node binary that runs here`);
    process.exit(2);
  }
})();
console.log(`[bench] servers on Node ${serverNodeVersion} (${serverNode})`);
const clients = whole(values.clients, 'clients', 2, 36_000);
const workers = whole(values.workers, 'workers', 1, 16);
const joinRate = whole(values['join-rate'], 'join-rate', 1, 100_000);
const relaySeconds = whole(values['relay-seconds'], 'relay-seconds', 1, 600);
const repeat = whole(values.repeat, 'repeat', 1, 20);
const processes = whole(values.processes, 'processes', 0, 16);
if (processes === 1) {
  console.error('[bench] --processes must be 0 (no fleet) or at least 2');
  process.exit(2);
}
const codelabClients = (values['codelab-clients'] ?? '')
  .split(',')
  .filter(Boolean)
  .map((raw) => whole(raw, 'codelab-clients', 2, 2000));
const only = new Set(
  (
    values.only ??
    `ours,socket.io,ws,codelab${values.redis ? ',redis' : ''}${processes ? ',fleet' : ''}`
  )
    .split(',')
    .filter(Boolean),
);
if (clients % (2 * workers) !== 0) {
  console.error(`[bench] --clients must be a multiple of 2 x --workers (${2 * workers})`);
  process.exit(2);
}
// Each server process holds one descriptor per client, and the machine caps them at 20,000.
if (clients > 19_000 && !only.has('redis')) {
  console.warn('[bench] more than 19,000 clients on one process will hit the open-file limit');
}

/**
 * The CPUs the servers and the load run on, as taskset lists, or undefined for no pinning.
 * Apart, the server's CPU time is its own and the load cannot steal its core.
 */
function pinning(raw: string): { server: string; load: string } | undefined {
  if (raw === 'off') return undefined;
  if (raw === 'auto') {
    const cpus = availableParallelism();
    const taskset = process.platform === 'linux' && existsSync('/usr/bin/taskset');
    return taskset && cpus >= 2 ? { server: '0', load: `1-${cpus - 1}` } : undefined;
  }
  const [server, load] = raw.split('/');
  if (!server || !load || !/^[\d,-]+$/.test(server + load)) {
    console.error(`[bench] --pin must be auto, off or SERVER/LOAD CPU lists (0/1), got ${raw}`);
    process.exit(2);
  }
  return { server, load };
}
const pin = pinning(values.pin ?? 'auto');
// The runner and the load processes it forks (which inherit it) keep off the servers' CPUs.
if (pin) execFileSync('taskset', ['-a', '-p', '-c', pin.load, String(process.pid)]);

/** Whether a server source is newer than the build, so the figures would not be of this code. */
function stale(): boolean {
  if (!existsSync(PRODUCTION_ENTRY)) return true;
  const built = statSync(PRODUCTION_ENTRY).mtimeMs;
  return readdirSync(`${root}server`, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !/^(test|bench)\//.test(name))
    .some((name) => statSync(`${root}server/${name}`).mtimeMs > built);
}

if (values.build || stale()) {
  console.log('[bench] building the production server (npm run build)');
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
}

/** Compiles the bench's child processes to plain JavaScript (type stripping, no bundling). */
function compileChildren(): void {
  mkdirSync(compiled, { recursive: true });
  for (const name of ['load', 'probe', 'servers', 'stats']) {
    const { outputText } = ts.transpileModule(readFileSync(`${here}${name}.ts`, 'utf8'), {
      fileName: `${name}.ts`,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
        rewriteRelativeImportExtensions: true,
      },
    });
    writeFileSync(`${compiled}${name}.js`, outputText);
  }
}
compileChildren();

interface ServerProcess {
  child: ChildProcess;
  url: string;
  name: string;
}

let nextSampleId = 0;

// Every process the bench starts, so that a failure anywhere stops them all: a load test must
// end by itself, never leave servers and thousands of sockets behind.
const children = new Set<ChildProcess>();
const stopping = new WeakSet<ChildProcess>();

function abort(reason: string): never {
  console.error(`[bench] ${reason}; stopping every process the bench started`);
  for (const child of children) child.kill('SIGKILL');
  process.exit(1);
}
process.once('SIGINT', () => abort('interrupted'));

/** Tracks `child`; its exit before the bench stops it ends the run. */
function track<C extends ChildProcess>(child: C, name: string): C {
  children.add(child);
  child.once('exit', (code, signal) => {
    children.delete(child);
    if (!stopping.has(child)) abort(`${name} exited during the run (${code ?? signal})`);
  });
  return child;
}

/** Resolves as `promise` does, or ends the run if it takes longer than `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(what)), ms);
  });
  return Promise.race([promise, late]).then(
    (value) => {
      clearTimeout(timer);
      return value;
    },
    () => abort(`${what} took longer than ${Math.round(ms / 1000)} s`),
  );
}

/**
 * Starts a server in its own process with the probe preloaded, on the servers' CPUs when
 * pinned (taskset execs node, so every thread of it starts there); resolves once it listens.
 */
function startServer(
  name: string,
  script: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<ServerProcess> {
  const node = [serverNode, '--expose-gc', '--import', `${compiled}probe.js`, script, ...args];
  const [command = serverNode, ...rest] = pin ? ['taskset', '-c', pin.server, ...node] : node;
  const child = spawn(command, rest, {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout?.on('data', (chunk) => {
      seen += String(chunk);
      const match = seen.match(/(http:\/\/127\.0\.0\.1:\d+)\//);
      if (match?.[1]) resolve({ child, url: match[1], name });
    });
    child.once('exit', (code) => reject(new Error(`[bench] ${name} exited (${code}):\n${seen}`)));
    track(child, name);
  });
}

/**
 * Memory and CPU of a server process, after a full collection when `gc`; `profile` starts or
 * stops (to a file) its CPU profiler.
 */
function sample(server: ServerProcess, gc: boolean, profile?: string): Promise<SampleReply> {
  const id = nextSampleId++;
  return new Promise((resolve) => {
    const onMessage = (reply: SampleReply) => {
      if (reply.id !== id) return;
      server.child.off('message', onMessage);
      resolve(reply);
    };
    server.child.on('message', onMessage);
    const request: SampleRequest = { id, gc, profile };
    server.child.send(request);
  });
}

function stop(child: ChildProcess): Promise<void> {
  stopping.add(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** CPU seconds a process has used, from /proc (for redis-server, which has no probe). */
function procCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const cpuSeconds = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage) =>
  (b.user - a.user + b.system - a.system) / 1e6;

/** One target's figures from one round. */
interface Result {
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

interface RedisUnderTest {
  pid: number;
  url: string;
}

type Report<T extends LoadReport['type']> = Extract<LoadReport, { type: T }>;

/** The load processes of one target, and how to hear from them all. */
class Loads {
  readonly processes: ChildProcess[];
  readonly #progress = new Map<number, Report<'progress'>>();

  constructor(count: number) {
    this.processes = Array.from({ length: count }, (_, index) => {
      const load = track(
        // Plain node: not the runner's tsx loader, which fork would pass on by default.
        fork(`${compiled}load.js`, [], {
          execArgv: [],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        }),
        `load process ${index}`,
      );
      load.on('message', (message: LoadReport) => {
        if (message.type === 'progress') this.#progress.set(index, message);
      });
      return load;
    });
  }

  /** The sum of one progress figure over every load process. */
  sum(key: 'seated' | 'settled' | 'relays'): number {
    return [...this.#progress.values()].reduce((total, entry) => total + entry[key], 0);
  }

  /** Resolves with every load process's next report of `type`. */
  all<T extends LoadReport['type']>(type: T): Promise<Report<T>[]> {
    return Promise.all(
      this.processes.map(
        (load) =>
          new Promise<Report<T>>((resolve) => {
            const onMessage = (message: LoadReport) => {
              if (message.type !== type) return;
              load.off('message', onMessage);
              resolve(message as Report<T>);
            };
            load.on('message', onMessage);
          }),
      ),
    );
  }

  send(command: LoadCommand | ((index: number) => LoadCommand)): void {
    this.processes.forEach((load, index) =>
      load.send(typeof command === 'function' ? command(index) : command),
    );
  }

  /** Closes every client; each load process exits by itself once its clients are closed. */
  async close(target: string): Promise<void> {
    const closed = this.all('closed');
    for (const load of this.processes) stopping.add(load);
    this.send({ cmd: 'close' });
    await within(closed, 30_000, `${target}: closing the clients`);
    await Promise.all(this.processes.map((load) => stop(load)));
  }
}

/** Connects and seats every client; resolves with the load processes' reports. */
async function ramp(
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
      // Linux routes all of 127/8 to loopback; elsewhere only 127.0.0.1 may exist.
      localAddress: process.platform === 'linux' ? `127.0.0.${2 + index}` : '127.0.0.1',
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

type LoadProtocol = 'socket.io' | 'ws';

/**
 * A few pairs join, relay for a second and leave, so the code of every path is compiled before
 * the idle sample: otherwise the server with more code counts its compilation as memory per
 * client.
 */
async function warmUp(target: string, servers: ServerProcess[], protocol: LoadProtocol) {
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
async function drive(
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
  const grown = (pick: (memory: NodeJS.MemoryUsage) => number) =>
    full.reduce((sum, entry, index) => {
      const start = idle[index]?.memory;
      return sum + pick(entry.memory) - (start ? pick(start) : 0);
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
    rssKiBPerClient: grown((memory) => memory.rss),
    heapKiBPerClient: grown((memory) => memory.heapUsed),
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

/** Bytes Redis uses for data, from INFO (the runner's own connection is in both readings). */
async function redisMemory(url: string): Promise<number> {
  const client = createClient({ url });
  await client.connect();
  const info = await client.info('memory');
  await client.close();
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}

/** A free loopback port for redis-server, which cannot report one it picked itself. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const results: Result[] = [];
const started = new Date();

async function run(
  target: string,
  start: () => Promise<ServerProcess[]>,
  protocol: LoadProtocol,
  total: number,
  seconds: number,
  redis?: RedisUnderTest,
  place: (servers: ServerProcess[]) => string[] = (servers) => servers.map((s) => s.url),
): Promise<Result> {
  console.log(`[bench] ${target}: ${total} clients in ${total / 2} rooms`);
  const servers = await start();
  try {
    const result = await drive(target, servers, protocol, total, seconds, redis, place(servers));
    results.push(result);
    console.log(`[bench] ${target}: done`, JSON.stringify(result.errors));
    return result;
  } finally {
    await Promise.all(servers.map((server) => stop(server.child)));
  }
}

// The production defaults, but for the limits that exist to refuse exactly this: thousands of
// connections from a few addresses, and each socket relaying as fast as it can.
const benchLimits = {
  MAX_CONNECTIONS_PER_ADDRESS: '100000',
  RATE_HANDSHAKE_BURST: '100000',
  RATE_HANDSHAKE_PER_SECOND: '100000',
  RATE_JOIN_BURST: '1000',
  RATE_JOIN_PER_SECOND: '1000',
  RATE_MESSAGE_BURST: '100000',
  RATE_MESSAGE_PER_SECOND: '100000',
  RATE_MESSAGE_BYTES_BURST: '1000000000',
  RATE_MESSAGE_BYTES_PER_SECOND: '1000000000',
};

const baseline = (name: string, kind: Baseline) => async () => [
  await startServer(name, `${compiled}servers.js`, [kind]),
];

/** A redis-server of the bench's own on a free port, stopped with the runner. */
async function startRedis(): Promise<RedisUnderTest & { child: ChildProcess }> {
  const port = await freePort();
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  track(redis, 'redis-server');
  redis.on('error', () => {
    console.error('[bench] redis-server not found: install it (apt-get install redis-server)');
    process.exit(1);
  });
  await new Promise<void>((resolve) => {
    let seen = '';
    redis.stdout?.on('data', (chunk) => {
      seen += String(chunk);
      if (seen.includes('Ready to accept connections')) resolve();
    });
  });
  return { child: redis, pid: redis.pid ?? 0, url: `redis://127.0.0.1:${port}` };
}

/** Two production processes on a redis-server of the bench's own, every room split across. */
async function runRedis(): Promise<void> {
  const redis = await startRedis();
  const env = { ...benchLimits, REDIS_URL: redis.url };
  try {
    await run(
      'ours x2 + Redis',
      () =>
        Promise.all([
          startServer('ours A', PRODUCTION_ENTRY, [], env),
          startServer('ours B', PRODUCTION_ENTRY, [], env),
        ]),
      'socket.io',
      clients,
      relaySeconds,
      redis,
    );
  } finally {
    await stop(redis.child);
  }
}

/**
 * `--processes N`: N production processes on one redis-server. First every room on process A
 * (A's CPU per relay is the co-located figure; the others', per relay of A's, the uninvolved
 * one), then every room split across A and B (all processes and Redis summed).
 */
async function runFleet(count: number, entry = PRODUCTION_ENTRY, label = ''): Promise<void> {
  const redis = await startRedis();
  const env = { ...benchLimits, REDIS_URL: redis.url };
  const fleet = () =>
    Promise.all(
      Array.from({ length: count }, (_, index) =>
        startServer(`fleet ${String.fromCharCode(65 + index)}`, entry, [], env),
      ),
    );
  try {
    const first = (servers: ServerProcess[]) => [servers[0]?.url ?? ''];
    const firstTwo = (servers: ServerProcess[]) => servers.slice(0, 2).map((s) => s.url);
    await run(`fleet co-located${label}`, fleet, 'socket.io', clients, relaySeconds, redis, first);
    await run(`fleet split${label}`, fleet, 'socket.io', clients, relaySeconds, redis, firstTwo);
  } finally {
    await stop(redis.child);
  }
}

for (let round = 1; round <= repeat; round++) {
  if (repeat > 1) console.log(`[bench] round ${round} of ${repeat}`);
  if (only.has('ours')) {
    const ours = async () => [await startServer('ours', PRODUCTION_ENTRY, [], benchLimits)];
    await run('ours', ours, 'socket.io', clients, relaySeconds);
  }
  if (only.has('socket.io')) {
    const name = 'bare socket.io';
    await run(name, baseline(name, 'socket.io'), 'socket.io', clients, relaySeconds);
  }
  if (only.has('ws')) {
    await run('raw ws', baseline('raw ws', 'ws'), 'ws', clients, relaySeconds);
  }
  if (only.has('codelab')) {
    const seconds = Math.max(1, Math.round(relaySeconds / 2));
    for (const total of codelabClients) {
      await run(`codelab@${total}`, baseline('codelab', 'codelab'), 'socket.io', total, seconds);
    }
  }
  if (only.has('redis')) await runRedis();
  if (only.has('fleet') && processes >= 2) {
    await runFleet(processes);
    if (values.before) await runFleet(processes, values.before, ' (before)');
  }
}

const median = (list: number[]) => {
  const sorted = [...list].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

/**
 * One row per target: the median of each figure over the rounds (the machine is shared, and
 * one round can catch another job's burst).
 */
function medians(): Result[] {
  const byTarget = new Map<string, Result[]>();
  for (const result of results)
    byTarget.set(result.target, [...(byTarget.get(result.target) ?? []), result]);
  return [...byTarget.values()].map((runs) => {
    const m = (pick: (result: Result) => number) => median(runs.map(pick));
    const errors: Record<string, number> = {};
    for (const run of runs) {
      for (const [key, value] of Object.entries(run.errors))
        errors[key] = (errors[key] ?? 0) + value;
    }
    const first = runs[0] as Result;
    return {
      target: first.target,
      clients: first.clients,
      seated: m((r) => r.seated),
      joinSeconds: m((r) => r.joinSeconds),
      join: { p50: m((r) => r.join.p50), p95: m((r) => r.join.p95), p99: m((r) => r.join.p99) },
      cpuMicrosPerJoin: m((r) => r.cpuMicrosPerJoin),
      relay: { p50: m((r) => r.relay.p50), p99: m((r) => r.relay.p99) },
      relays: m((r) => r.relays),
      relaysPerSecond: m((r) => r.relaysPerSecond),
      cpuMicrosPerRelay: m((r) => r.cpuMicrosPerRelay),
      cpuPercent: m((r) => r.cpuPercent),
      rssKiBPerClient: m((r) => r.rssKiBPerClient),
      heapKiBPerClient: m((r) => r.heapKiBPerClient),
      redisBytesPerRoom:
        first.redisBytesPerRoom === undefined ? undefined : m((r) => r.redisBytesPerRoom ?? 0),
      // Lost relays are not noise: the worst round counts.
      lost: Math.max(...runs.map((r) => r.lost)),
      cpuEach: first.cpuEach.map((_, index) => m((r) => r.cpuEach[index] ?? 0)),
      idleEach: first.idleEach.map((_, index) => m((r) => r.idleEach[index] ?? 0)),
      errors,
    };
  });
}

const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

/** Ours against each baseline: the CPU and throughput ratios, and memory as KiB more per client. */
function compare(summary: Result[]): Record<string, string> {
  const find = (target: string) => summary.find((result) => result.target === target);
  const ours = find('ours');
  const ratios: Record<string, string> = {};
  if (!ours) return ratios;
  for (const other of [find('bare socket.io'), find('raw ws')]) {
    if (!other) continue;
    const name = other.target;
    ratios[`CPU per relay, ours / ${name}`] = fixed(
      ours.cpuMicrosPerRelay / other.cpuMicrosPerRelay,
      2,
    );
    ratios[`relays/s, ours / ${name}`] = fixed(ours.relaysPerSecond / other.relaysPerSecond, 2);
    ratios[`heap per client, ours - ${name}`] =
      `${fixed(ours.heapKiBPerClient - other.heapKiBPerClient, 2)} KiB`;
    ratios[`RSS per client, ours - ${name}`] =
      `${fixed(ours.rssKiBPerClient - other.rssKiBPerClient, 2)} KiB`;
  }
  const codelab = summary.filter((result) => result.target.startsWith('codelab')).at(-1);
  if (codelab) {
    ratios[`CPU per relay, ${codelab.target} / ours`] = fixed(
      codelab.cpuMicrosPerRelay / ours.cpuMicrosPerRelay,
      0,
    );
  }
  return ratios;
}

/** The fleet's figures against one process alone (`ours`) in the same run. */
function fleetFigures(summary: Result[], label = ''): Record<string, string> {
  const find = (target: string) => summary.find((result) => result.target === target);
  const ours = find('ours');
  const colocated = find(`fleet co-located${label}`);
  const split = find(`fleet split${label}`);
  const figures: Record<string, string> = {};
  if (!colocated || !split) return figures;
  const alone = ours?.cpuMicrosPerRelay ?? Number.NaN;
  const together = colocated.cpuEach[0] ?? Number.NaN;
  const others = colocated.cpuEach.slice(1);
  const uninvolved = others.reduce((total, value) => total + value, 0) / others.length;
  const idle = colocated.idleEach.slice(1).reduce((total, value) => total + value, 0);
  const uninvolvedNet = uninvolved - idle / others.length;
  const fleet = `fleet${label}`;
  figures['fleet: one process alone, CPU µs/relay'] = fixed(alone, 2);
  figures[`${fleet}: co-located, CPU µs/relay (that process)`] =
    `${fixed(together, 2)} (${fixed(together / alone, 2)}x alone)`;
  figures[`${fleet}: split, CPU µs/relay (all processes + Redis)`] =
    `${fixed(split.cpuMicrosPerRelay, 2)} (${fixed(split.cpuMicrosPerRelay / alone, 2)}x alone)`;
  figures[`${fleet}: uninvolved process, CPU µs per relay elsewhere (gross / beyond its idle)`] =
    `${fixed(uninvolved, 3)} / ${fixed(uninvolvedNet, 3)}`;
  figures[`${fleet}: lost relays (co-located / split, worst round)`] =
    `${colocated.lost} / ${split.lost}`;
  for (const result of [colocated, split]) {
    figures[`${fleet}: join p50/p99 ms through Redis (${result.target})`] =
      `${fixed(result.join.p50)} / ${fixed(result.join.p99)}`;
    const perJoin = result.cpuMicrosPerJoin;
    figures[`${fleet}: CPU µs per join, all processes + Redis (${result.target})`] =
      `${fixed(perJoin, 0)} (${fixed(perJoin / (ours?.cpuMicrosPerJoin ?? Number.NaN), 2)}x alone)`;
  }
  return figures;
}

const summary = medians();
for (const result of summary) {
  if (result.redisBytesPerRoom !== undefined) {
    console.log(
      `[bench] ${result.target}: Redis holds ${fixed(result.redisBytesPerRoom, 0)} bytes per room`,
    );
  }
}
console.log('');
console.table(
  summary.map((result) => ({
    target: result.target,
    clients: String(result.clients),
    'join p50/p95/p99 ms': `${fixed(result.join.p50)} / ${fixed(result.join.p95)} / ${fixed(result.join.p99)}`,
    'CPU µs/join': fixed(result.cpuMicrosPerJoin, 0),
    'relay p50/p99 ms': `${fixed(result.relay.p50)} / ${fixed(result.relay.p99)}`,
    'relays/s': fixed(result.relaysPerSecond, 0),
    'CPU µs/relay': fixed(result.cpuMicrosPerRelay),
    'CPU %': fixed(result.cpuPercent, 0),
    'RSS KiB/client': fixed(result.rssKiBPerClient),
    'heap KiB/client': fixed(result.heapKiBPerClient),
    errors: String(Object.values(result.errors).reduce((total, value) => total + value, 0)),
    lost: String(result.lost),
  })),
);
const ratios = {
  ...compare(summary),
  ...fleetFigures(summary),
  ...fleetFigures(summary, ' (before)'),
};
for (const [name, value] of Object.entries(ratios)) console.log(`[bench] ${name}: ${value}`);

mkdirSync(`${root}bench-results`, { recursive: true });
const file = `${root}bench-results/bench-${started.toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(
  file,
  `${JSON.stringify(
    {
      started: started.toISOString(),
      node: process.version,
      serverNode: serverNodeVersion,
      options: {
        clients,
        workers,
        joinRate,
        relaySeconds,
        repeat,
        codelabClients,
        only: [...only],
        pin: pin ?? 'off',
      },
      summary,
      rounds: results,
      ratios,
    },
    null,
    2,
  )}\n`,
);
console.log(`[bench] results written to ${file}`);
