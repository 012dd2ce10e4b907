// @ts-check
/**
 * `npm run bench [-- options]`: the load benchmark. Starts each server under test in its own
 * process (the production build, then the two baselines), drives it from several load
 * processes over loopback, and prints join/relay latency, throughput, server memory and CPU.
 *
 *   --clients N          clients of our server and of the ws baseline, in N/2 rooms (4000)
 *   --codelab-clients L  comma list of client counts for the codelab's design (96,400)
 *   --workers W          load processes, each on its own 127.0.0.x source address (4)
 *   --join-rate R        clients connected and seated per second, over all workers (1000)
 *   --relay-seconds S    how long every pair relays (8; the codelab's runs use half)
 *   --redis              also run two production processes on one Redis, pairs split across
 *   --only LIST          comma list of ours,ws,codelab,redis
 *   --repeat K           run everything K times, interleaved, and print medians (1)
 *   --build              rebuild the production server first (it is rebuilt when missing or
 *                        older than a server source)
 */
import { execFileSync, fork, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient } from '@redis/client';
import { Histogram } from './stats.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const here = fileURLToPath(new URL('./', import.meta.url));
const mainJs = `${root}dist/server/cli/main.js`;

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '4000' },
    'codelab-clients': { type: 'string', default: '96,400' },
    workers: { type: 'string', default: '4' },
    'join-rate': { type: 'string', default: '1000' },
    'relay-seconds': { type: 'string', default: '8' },
    redis: { type: 'boolean', default: false },
    only: { type: 'string' },
    repeat: { type: 'string', default: '1' },
    build: { type: 'boolean', default: false },
  },
});

/** @param {string | undefined} raw @param {string} name @param {number} min @param {number} max */
function whole(raw, name, min, max) {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(`[bench] --${name} must be a whole number from ${min} to ${max}, got ${raw}`);
    process.exit(2);
  }
  return value;
}

const clients = whole(values.clients, 'clients', 2, 36_000);
const workers = whole(values.workers, 'workers', 1, 16);
const joinRate = whole(values['join-rate'], 'join-rate', 1, 100_000);
const relaySeconds = whole(values['relay-seconds'], 'relay-seconds', 1, 600);
const repeat = whole(values.repeat, 'repeat', 1, 20);
const codelabClients = (values['codelab-clients'] ?? '')
  .split(',')
  .filter(Boolean)
  .map((raw) => whole(raw, 'codelab-clients', 2, 2000));
const only = new Set(
  (values.only ?? `ours,ws,codelab${values.redis ? ',redis' : ''}`).split(',').filter(Boolean),
);
if (clients % (2 * workers) !== 0) {
  console.error(`[bench] --clients must be a multiple of 2 x --workers (${2 * workers})`);
  process.exit(2);
}
// Each server process holds one descriptor per client, and the machine caps them at 20,000.
if (clients > 19_000 && !only.has('redis')) {
  console.warn('[bench] more than 19,000 clients on one process will hit the open-file limit');
}

/** Whether a server source is newer than the build, so the figures would not be of this code. */
function stale() {
  if (!existsSync(mainJs)) return true;
  const built = statSync(mainJs).mtimeMs;
  return readdirSync(`${root}server`, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.startsWith('test'))
    .some((name) => statSync(`${root}server/${name}`).mtimeMs > built);
}

if (values.build || stale()) {
  console.log('[bench] building the production server (npm run build)');
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
}

/** @typedef {{ child: import('node:child_process').ChildProcess, url: string, name: string }} ServerProcess */
/** @typedef {{ memory: NodeJS.MemoryUsage, cpu: NodeJS.CpuUsage }} Sample */

let nextSampleId = 0;

// Every process the bench starts, so that a failure anywhere stops them all: a load test must
// end by itself, never leave servers and thousands of sockets behind.
/** @type {Set<import('node:child_process').ChildProcess>} */
const children = new Set();
/** @type {WeakSet<import('node:child_process').ChildProcess>} */
const stopping = new WeakSet();

/** @param {string} reason @returns {never} */
function abort(reason) {
  console.error(`[bench] ${reason}; stopping every process the bench started`);
  for (const child of children) child.kill('SIGKILL');
  process.exit(1);
}
process.once('SIGINT', () => abort('interrupted'));

/**
 * Tracks `child`; its exit before the bench stops it ends the run.
 * @template {import('node:child_process').ChildProcess} C
 * @param {C} child @param {string} name @returns {C}
 */
function track(child, name) {
  children.add(child);
  child.once('exit', (code, signal) => {
    children.delete(child);
    if (!stopping.has(child)) abort(`${name} exited during the run (${code ?? signal})`);
  });
  return child;
}

/**
 * Resolves as `promise` does, or ends the run if it takes longer than `ms`.
 * @template T @param {Promise<T>} promise @param {number} ms @param {string} what
 * @returns {Promise<T>}
 */
function within(promise, ms, what) {
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(what)), ms);
  });
  return Promise.race([promise, late]).then(
    (value) => {
      clearTimeout(timer);
      return /** @type {T} */ (value);
    },
    () => abort(`${what} took longer than ${Math.round(ms / 1000)} s`),
  );
}

/**
 * Starts a server in its own process with the probe preloaded; resolves once it listens.
 * @param {string} name @param {string} script @param {string[]} args @param {NodeJS.ProcessEnv} env
 * @returns {Promise<ServerProcess>}
 */
function startServer(name, script, args = [], env = {}) {
  const child = fork(script, args, {
    cwd: root,
    execArgv: ['--expose-gc', '--import', new URL('./probe.mjs', import.meta.url).href],
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

/** @param {ServerProcess} server @param {boolean} gc @returns {Promise<Sample>} */
function sample(server, gc) {
  const id = nextSampleId++;
  return new Promise((resolve) => {
    /** @param {unknown} message */
    const onMessage = (message) => {
      const reply = /** @type {Sample & { id: number }} */ (message);
      if (reply.id !== id) return;
      server.child.off('message', onMessage);
      resolve(reply);
    };
    server.child.on('message', onMessage);
    server.child.send({ id, gc });
  });
}

/** @param {import('node:child_process').ChildProcess} child */
function stop(child) {
  stopping.add(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve(undefined);
    });
    child.kill('SIGTERM');
  });
}

/** CPU seconds a process has used, from /proc (for redis-server, which has no probe). */
/** @param {number} pid */
function procCpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** @param {NodeJS.CpuUsage} a @param {NodeJS.CpuUsage} b */
const cpuSeconds = (a, b) => (b.user - a.user + b.system - a.system) / 1e6;

/**
 * @typedef {object} Result
 * @property {string} target
 * @property {number} clients
 * @property {number} seated
 * @property {number} joinSeconds
 * @property {{ p50: number, p95: number, p99: number }} join
 * @property {{ p50: number, p99: number }} relay
 * @property {number} relays
 * @property {number} relaysPerSecond
 * @property {number} cpuMicrosPerRelay  server CPU (all server processes, and Redis) per relay
 * @property {number} cpuPercent  server CPU during the relay phase, 100 = one core
 * @property {number} rssKiBPerClient
 * @property {number} heapKiBPerClient
 * @property {number} [redisBytesPerRoom]  Redis memory per seated room (two-process mode)
 * @property {Record<string, number>} errors
 */

/**
 * Runs the scenario against servers already started: ramp, sample memory, relay, sample CPU.
 * @param {string} target @param {ServerProcess[]} servers @param {'socket.io' | 'ws'} protocol
 * @param {number} total @param {number} seconds @param {RedisUnderTest | undefined} redis
 * @returns {Promise<Result>}
 */
async function drive(target, servers, protocol, total, seconds, redis) {
  const idle = await Promise.all(servers.map((server) => sample(server, true)));
  const redisIdle = redis ? await redisMemory(redis.url) : 0;
  const count = Math.min(workers, total / 2);
  const share = Math.floor(total / count / 2) * 2;
  const loads = Array.from({ length: count }, (_, index) =>
    track(
      fork(`${here}load.mjs`, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
      `load process ${index}`,
    ),
  );
  /** @type {Map<number, { seated: number, settled: number, relays: number }>} */
  const progress = new Map();
  /** @param {string} type @returns {Promise<Record<string, unknown>[]>} */
  const all = (type) =>
    Promise.all(
      loads.map(
        (load) =>
          new Promise((resolve) => {
            /** @param {unknown} raw */
            const onMessage = (raw) => {
              const message = /** @type {Record<string, unknown>} */ (raw);
              if (message.type !== type) return;
              load.off('message', onMessage);
              resolve(message);
            };
            load.on('message', onMessage);
          }),
      ),
    );
  loads.forEach((load, index) =>
    load.on('message', (raw) => {
      const message =
        /** @type {{ type: string, seated: number, settled: number, relays: number }} */ (raw);
      if (message.type === 'progress') progress.set(index, message);
    }),
  );
  const sum = (/** @type {'seated' | 'settled' | 'relays'} */ key) =>
    [...progress.values()].reduce((total, entry) => total + entry[key], 0);

  const joinStarted = performance.now();
  const joinTicker = setInterval(
    () => console.log(`[bench] ${target}: ${sum('seated')}/${count * share} seated`),
    1000,
  );
  const joinedPromise = all('joined');
  loads.forEach((load, index) =>
    load.send({
      cmd: 'join',
      config: {
        protocol,
        urls: servers.map((server) => server.url),
        clients: share,
        joinRate: joinRate / count,
        // Linux routes all of 127/8 to loopback; elsewhere only 127.0.0.1 may exist.
        localAddress: process.platform === 'linux' ? `127.0.0.${2 + index}` : '127.0.0.1',
        roomPrefix: `w${index}`,
        pairBase: (index * share) / 2,
        codelab: target.startsWith('codelab'),
      },
    }),
  );
  const joined = await within(
    joinedPromise,
    (total / joinRate) * 1000 + 60_000,
    `${target}: the ramp`,
  );
  clearInterval(joinTicker);
  const joinSeconds = (performance.now() - joinStarted) / 1000;
  const full = await Promise.all(servers.map((server) => sample(server, true)));
  const redisFull = redis ? await redisMemory(redis.url) : 0;

  const relayTicker = setInterval(() => {
    console.log(`[bench] ${target}: ${sum('relays')} relays`);
  }, 1000);
  const before = await Promise.all(servers.map((server) => sample(server, false)));
  const redisBefore = redis ? procCpuSeconds(redis.pid) : 0;
  const relayStarted = performance.now();
  const relayedPromise = all('relayed');
  for (const load of loads) load.send({ cmd: 'relay', durationMs: seconds * 1000 });
  const relayed = await within(
    relayedPromise,
    seconds * 1000 + 60_000,
    `${target}: the relay phase`,
  );
  const after = await Promise.all(servers.map((server) => sample(server, false)));
  // Up to the sample's answer, which waits behind any backlog the server still had to clear.
  const wall = (performance.now() - relayStarted) / 1000;
  const redisCpu = redis ? procCpuSeconds(redis.pid) - redisBefore : 0;
  clearInterval(relayTicker);
  const closedPromise = all('closed');
  for (const load of loads) {
    // Each load process exits by itself once its clients are closed.
    stopping.add(load);
    load.send({ cmd: 'close' });
  }
  await within(closedPromise, 30_000, `${target}: closing the clients`);
  await Promise.all(loads.map((load) => stop(load)));

  const joinHistogram = new Histogram();
  const relayHistogram = new Histogram();
  /** @type {Record<string, number>} */
  const errors = {};
  let seated = 0;
  for (const message of joined) {
    for (const [reason, times] of Object.entries(/** @type {object} */ (message.reasons))) {
      console.warn(`[bench] ${target}: ${times} connection(s) failed: ${reason}`);
    }
    joinHistogram.merge(/** @type {never} */ (message.joinLatency));
    seated += /** @type {number} */ (message.seated);
  }
  let relays = 0;
  let relaySecondsMeasured = 0;
  for (const message of relayed) {
    relayHistogram.merge(/** @type {never} */ (message.relayLatency));
    relays += /** @type {number} */ (message.relays);
    relaySecondsMeasured = Math.max(relaySecondsMeasured, /** @type {number} */ (message.seconds));
    for (const [key, value] of Object.entries(
      /** @type {Record<string, number>} */ (message.errors),
    )) {
      errors[key] = (errors[key] ?? 0) + value;
    }
  }
  const serverCpu =
    before.reduce((total, start, index) => {
      const end = after[index];
      return end ? total + cpuSeconds(start.cpu, end.cpu) : total;
    }, 0) + redisCpu;
  const perServer = (count * share) / servers.length;
  const rss = full.reduce(
    (total, entry, index) => total + entry.memory.rss - (idle[index]?.memory.rss ?? 0),
    0,
  );
  const heap = full.reduce(
    (total, entry, index) => total + entry.memory.heapUsed - (idle[index]?.memory.heapUsed ?? 0),
    0,
  );
  return {
    target,
    clients: count * share,
    seated,
    joinSeconds,
    join: {
      p50: joinHistogram.percentile(50),
      p95: joinHistogram.percentile(95),
      p99: joinHistogram.percentile(99),
    },
    relay: { p50: relayHistogram.percentile(50), p99: relayHistogram.percentile(99) },
    relays,
    relaysPerSecond: relays / relaySecondsMeasured,
    cpuMicrosPerRelay: (serverCpu * 1e6) / relays,
    cpuPercent: (serverCpu / wall) * 100,
    rssKiBPerClient: rss / 1024 / servers.length / perServer,
    heapKiBPerClient: heap / 1024 / servers.length / perServer,
    redisBytesPerRoom: redis ? (redisFull - redisIdle) / (seated / 2) : undefined,
    errors,
  };
}

/** @typedef {{ pid: number, url: string }} RedisUnderTest */

/** Bytes Redis uses for data, from INFO (the runner's own connection is in both readings). */
/** @param {string} url */
async function redisMemory(url) {
  const client = createClient({ url });
  await client.connect();
  const info = await client.info('memory');
  await client.close();
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}

/** A free loopback port for redis-server, which cannot report one it picked itself. */
function freePort() {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** @type {Result[]} */
const results = [];
const started = new Date();

/** @param {string} target @param {() => Promise<ServerProcess[]>} start @param {'socket.io' | 'ws'} protocol @param {number} total @param {number} seconds @param {RedisUnderTest} [redis] */
async function run(target, start, protocol, total, seconds, redis) {
  console.log(`[bench] ${target}: ${total} clients in ${total / 2} rooms`);
  const servers = await start();
  try {
    const result = await drive(target, servers, protocol, total, seconds, redis);
    results.push(result);
    console.log(`[bench] ${target}: done`, JSON.stringify(result.errors));
  } finally {
    await Promise.all(servers.map((server) => stop(server.child)));
  }
}

for (let round = 1; round <= repeat; round++) {
  if (repeat > 1) console.log(`[bench] round ${round} of ${repeat}`);
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

  if (only.has('ours')) {
    await run(
      'ours',
      async () => [await startServer('ours', mainJs, [], benchLimits)],
      'socket.io',
      clients,
      relaySeconds,
    );
  }
  if (only.has('ws')) {
    await run(
      'raw ws',
      async () => [await startServer('raw ws', `${here}servers.mjs`, ['ws'])],
      'ws',
      clients,
      relaySeconds,
    );
  }
  if (only.has('codelab')) {
    for (const total of codelabClients) {
      await run(
        `codelab@${total}`,
        async () => [await startServer('codelab', `${here}servers.mjs`, ['codelab'])],
        'socket.io',
        total,
        Math.max(1, Math.round(relaySeconds / 2)),
      );
    }
  }
  if (only.has('redis')) {
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
    await new Promise((resolve) => {
      let seen = '';
      redis.stdout?.on('data', (chunk) => {
        seen += String(chunk);
        if (seen.includes('Ready to accept connections')) resolve(undefined);
      });
    });
    const env = { ...benchLimits, REDIS_URL: `redis://127.0.0.1:${port}` };
    try {
      await run(
        'ours x2 + Redis',
        () =>
          Promise.all([
            startServer('ours A', mainJs, [], env),
            startServer('ours B', mainJs, [], env),
          ]),
        'socket.io',
        clients,
        relaySeconds,
        { pid: redis.pid ?? 0, url: env.REDIS_URL },
      );
    } finally {
      await stop(redis);
    }
  }
}

/**
 * One row per target: the median of each figure over the rounds (the machine is shared, and
 * one round can catch another job's burst).
 * @returns {Result[]}
 */
function medians() {
  /** @type {Map<string, Result[]>} */
  const byTarget = new Map();
  for (const result of results)
    byTarget.set(result.target, [...(byTarget.get(result.target) ?? []), result]);
  /** @param {number[]} list */
  const median = (list) => {
    const sorted = [...list].sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    return sorted.length % 2
      ? (sorted[middle] ?? 0)
      : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  };
  return [...byTarget.values()].map((runs) => {
    /** @param {(result: Result) => number} pick */
    const m = (pick) => median(runs.map(pick));
    /** @type {Record<string, number>} */
    const errors = {};
    for (const run of runs) {
      for (const [key, value] of Object.entries(run.errors))
        errors[key] = (errors[key] ?? 0) + value;
    }
    const first = /** @type {Result} */ (runs[0]);
    return {
      target: first.target,
      clients: first.clients,
      seated: m((r) => r.seated),
      joinSeconds: m((r) => r.joinSeconds),
      join: { p50: m((r) => r.join.p50), p95: m((r) => r.join.p95), p99: m((r) => r.join.p99) },
      relay: { p50: m((r) => r.relay.p50), p99: m((r) => r.relay.p99) },
      relays: m((r) => r.relays),
      relaysPerSecond: m((r) => r.relaysPerSecond),
      cpuMicrosPerRelay: m((r) => r.cpuMicrosPerRelay),
      cpuPercent: m((r) => r.cpuPercent),
      rssKiBPerClient: m((r) => r.rssKiBPerClient),
      heapKiBPerClient: m((r) => r.heapKiBPerClient),
      redisBytesPerRoom:
        first.redisBytesPerRoom === undefined ? undefined : m((r) => r.redisBytesPerRoom ?? 0),
      errors,
    };
  });
}
const summary = medians();

/** @param {number} value @param {number} digits */
const fixed = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const rows = summary.map((result) => ({
  target: result.target,
  clients: String(result.clients),
  'join p50/p95/p99 ms': `${fixed(result.join.p50)} / ${fixed(result.join.p95)} / ${fixed(result.join.p99)}`,
  'relay p50/p99 ms': `${fixed(result.relay.p50)} / ${fixed(result.relay.p99)}`,
  'relays/s': fixed(result.relaysPerSecond, 0),
  'CPU µs/relay': fixed(result.cpuMicrosPerRelay),
  'CPU %': fixed(result.cpuPercent, 0),
  'RSS KiB/client': fixed(result.rssKiBPerClient),
  'heap KiB/client': fixed(result.heapKiBPerClient),
  errors: String(Object.values(result.errors).reduce((total, value) => total + value, 0)),
}));
for (const result of summary) {
  if (result.redisBytesPerRoom !== undefined) {
    console.log(
      `[bench] ${result.target}: Redis holds ${fixed(result.redisBytesPerRoom, 0)} bytes per room`,
    );
  }
}
console.log('');
console.table(rows);

const ours = summary.find((result) => result.target === 'ours');
const ws = summary.find((result) => result.target === 'raw ws');
const codelab = summary.filter((result) => result.target.startsWith('codelab')).at(-1);
/** @type {Record<string, number>} */
const ratios = {};
if (ours && ws) {
  ratios['CPU per relay, ours / raw ws'] = ours.cpuMicrosPerRelay / ws.cpuMicrosPerRelay;
  ratios['relays/s, ours / raw ws'] = ours.relaysPerSecond / ws.relaysPerSecond;
  ratios['RSS per client, ours / raw ws'] = ours.rssKiBPerClient / ws.rssKiBPerClient;
}
if (ours && codelab) {
  ratios[`CPU per relay, ${codelab.target} / ours`] =
    codelab.cpuMicrosPerRelay / ours.cpuMicrosPerRelay;
  ratios[`relays/s, ours / ${codelab.target}`] = ours.relaysPerSecond / codelab.relaysPerSecond;
}
for (const [name, value] of Object.entries(ratios))
  console.log(`[bench] ${name}: ${fixed(value, 2)}`);

mkdirSync(`${root}bench-results`, { recursive: true });
const file = `${root}bench-results/bench-${started.toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(
  file,
  `${JSON.stringify(
    {
      started: started.toISOString(),
      node: process.version,
      options: {
        clients,
        workers,
        joinRate,
        relaySeconds,
        repeat,
        codelabClients,
        only: [...only],
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
