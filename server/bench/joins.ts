/**
 * `npx tsx server/bench/joins.ts [options]`: join latency and the servers' CPU per join through
 * Redis, apart from connecting. Starts a redis-server of its own and two production processes
 * (on CPU 0), connects N clients from this process (on the other CPUs, over 127.0.0.2-5), then
 * seats them two to a room at a set rate: every room on process A (co-located), then split
 * across A and B; then one process without Redis, the baseline. A `PING` from a connection of
 * its own meanwhile shows what Redis itself answers in.
 *
 *   --clients N     clients per scenario (1000)
 *   --rate R        joins per second (1000)
 *   --rounds K      rounds, interleaved; medians are printed (3)
 *   --before PATH   also run another build's entry (a copy of dist/ from an earlier commit)
 *   --profile DIR   one round of this build, each server under `--cpu-prof` into DIR; the join
 *                   phase stands between two idle seconds (a gap in the samples), to cut it out
 *
 * Loopback only; every process it starts is stopped at the end, or on any failure.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient } from '@redis/client';
import { io, type Socket } from 'socket.io-client';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    before: { type: 'string' },
    profile: { type: 'string' },
  },
});
const clients = Number(values.clients);
const rate = Number(values.rate);
const profile = values.profile;
const rounds = profile === undefined ? Number(values.rounds) : 1;
if (!(clients >= 2 && clients <= 8000 && clients % 2 === 0 && rate > 0 && rounds >= 1)) {
  console.error('[joins] --clients must be even, 2 to 8000; --rate and --rounds positive');
  process.exit(2);
}
// This process (the clients) and Redis keep off CPU 0, where the servers run.
const cpus = availableParallelism();
if (process.platform === 'linux' && existsSync('/usr/bin/taskset') && cpus >= 2) {
  execFileSync('taskset', ['-a', '-p', '-c', `1-${cpus - 1}`, `${process.pid}`], {
    stdio: 'ignore',
  });
}
const children = new Set<ChildProcess>();
const stopAll = () => {
  for (const child of children) child.kill('SIGKILL');
};
process.once('exit', stopAll);
// Bounded: whatever happens, the run ends.
setTimeout(
  () => {
    console.error('[joins] took too long; stopping');
    process.exit(1);
  },
  (rounds * 5 + 1) * 60_000,
).unref();

const limits = {
  MAX_CONNECTIONS_PER_ADDRESS: '100000',
  RATE_HANDSHAKE_BURST: '100000',
  RATE_HANDSHAKE_PER_SECOND: '100000',
};

function start(command: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function waitFor(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout?.on('data', (chunk) => {
      seen += String(chunk);
      const match = seen.match(pattern);
      if (match) resolve(match[1] ?? match[0]);
    });
    child.once('exit', (code) => reject(new Error(`exited (${code}) before ${pattern}: ${seen}`)));
  });
}

/** CPU seconds a process has used, from /proc. */
function cpuOf(pid: number | undefined): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const quantile = (list: number[], q: number) => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;
};

interface Figures {
  /** Joins refused or not answered within 30 s. */
  failed: number;
  p50: number;
  p99: number;
  cpuMicrosPerJoin: number;
  /** The servers' share of it (Redis runs on the clients' CPUs, off the servers' core). */
  serverMicrosPerJoin: number;
  pingP50: number;
}

/** One scenario: fresh Redis and servers, N clients connected, then seated at the rate. */
async function scenario(entry: string, split: boolean, redis: boolean): Promise<Figures> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const redisServer = redis
    ? start('redis-server', ['--port', `${port}`, '--bind', '127.0.0.1', '--save', ''])
    : undefined;
  if (redisServer) await waitFor(redisServer, /Ready to accept connections/);
  const env = {
    ...limits,
    PORT: '0',
    HOST: '127.0.0.1',
    ...(redis && { REDIS_URL: `redis://127.0.0.1:${port}` }),
  };
  const servers = await Promise.all(
    Array.from({ length: redis ? 2 : 1 }, async () => {
      const node =
        profile === undefined
          ? []
          : ['--cpu-prof', '--cpu-prof-interval=250', `--cpu-prof-dir=${profile}`];
      const child = start('taskset', ['-c', '0', process.execPath, ...node, entry], env);
      return { child, url: await waitFor(child, /(http:\/\/127\.0\.0\.1:\d+)\//) };
    }),
  );
  const sockets: Socket[] = [];
  for (let i = 0; i < clients; i++) {
    const server = servers[split ? i % 2 : 0] ?? servers[0];
    const options = {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      localAddress: `127.0.0.${2 + (i % 4)}`,
    };
    sockets.push(io(server?.url, options as Parameters<typeof io>[1]));
    if (i % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await Promise.all(
    sockets.map((s) =>
      // One refused (a starved server) joins nothing and counts as failed, not a hang.
      s.connected
        ? 0
        : new Promise<void>((resolve) => {
            s.once('connect', () => resolve());
            s.once('connect_error', () => resolve());
          }),
    ),
  );
  const ping = redis ? createClient({ url: `redis://127.0.0.1:${port}` }) : undefined;
  await ping?.connect();
  const pings: number[] = [];
  let pinging = ping !== undefined;
  const pinger = (async () => {
    while (pinging) {
      const sent = performance.now();
      await ping?.ping();
      pings.push(performance.now() - sent);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  const serverCpu = () => servers.reduce((sum, s) => sum + cpuOf(s.child.pid), 0);
  const cpu = () => serverCpu() + (redisServer ? cpuOf(redisServer.pid) : 0);
  const idle = () =>
    new Promise((resolve) => setTimeout(resolve, profile === undefined ? 0 : 1000));
  await idle();
  const before = cpu();
  const serversBefore = serverCpu();
  const latencies: number[] = [];
  let failed = 0;
  const prefix = `j${Date.now()}`;
  let late: NodeJS.Timeout | undefined;
  await new Promise<void>((done) => {
    const settle = () => {
      if (latencies.length + failed === clients) done();
    };
    late = setTimeout(() => {
      failed = clients - latencies.length;
      done();
    }, 30_000);
    const begun = performance.now();
    let started = 0;
    const tick = () => {
      const due = Math.min(clients, Math.floor(((performance.now() - begun) * rate) / 1000) + 1);
      while (started < due) {
        const index = started++;
        const socket = sockets[index];
        const sent = performance.now();
        const answer = () => {
          latencies.push(performance.now() - sent);
          settle();
        };
        socket?.once('created', answer);
        socket?.once('joined', answer);
        socket?.once('full', answer);
        socket?.once('signaling:error', () => {
          failed++;
          settle();
        });
        socket?.emit('create or join', `${prefix}-${index >> 1}`);
      }
      if (started < clients) setTimeout(tick, 1);
    };
    tick();
  }).finally(() => clearTimeout(late));
  const used = cpu() - before;
  const serversUsed = serverCpu() - serversBefore;
  await idle();
  pinging = false;
  await pinger;
  for (const socket of sockets) socket.disconnect();
  await ping?.close();
  for (const { child } of servers) child.kill('SIGTERM');
  // A profile is written as the server exits, after its drain.
  if (profile !== undefined) {
    await Promise.all(
      servers.map(({ child }) => new Promise((resolve) => child.once('exit', resolve))),
    );
  }
  redisServer?.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 500));
  return {
    failed,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    cpuMicrosPerJoin: (used * 1e6) / clients,
    serverMicrosPerJoin: (serversUsed * 1e6) / clients,
    pingP50: quantile(pings, 0.5),
  };
}

const builds: [string, string][] = [['this build', `${root}dist/server/cli/main.js`]];
if (values.before && profile === undefined) builds.push(['before', values.before]);
const results = new Map<string, Figures[]>();
const record = (name: string, figures: Figures) => {
  results.set(name, [...(results.get(name) ?? []), figures]);
  console.log(
    `[joins] ${name}: ${JSON.stringify(figures, (_, v) => (typeof v === 'number' ? Number(v.toFixed(2)) : v))}`,
  );
};
for (let round = 1; round <= rounds; round++) {
  console.log(`[joins] round ${round} of ${rounds}: ${clients} clients at ${rate} joins/s`);
  for (const [name, entry] of builds) {
    record(`${name}, co-located`, await scenario(entry, false, true));
    record(`${name}, split`, await scenario(entry, true, true));
  }
  record('one process, no Redis', await scenario(builds[0]?.[1] ?? '', false, false));
}
const median = (list: number[]) => quantile(list, 0.5);
const redisPing = (runs: Figures[]) => {
  const ping = median(runs.map((r) => r.pingP50));
  return Number.isNaN(ping) ? '-' : ping.toFixed(2);
};
console.table(
  [...results].map(([name, runs]) => ({
    scenario: name,
    'failed (worst)': Math.max(...runs.map((r) => r.failed)),
    'join p50 ms': median(runs.map((r) => r.p50)).toFixed(1),
    'join p99 ms': median(runs.map((r) => r.p99)).toFixed(1),
    'CPU µs/join (servers + Redis)': median(runs.map((r) => r.cpuMicrosPerJoin)).toFixed(0),
    'of which servers': median(runs.map((r) => r.serverMicrosPerJoin)).toFixed(0),
    'Redis PING p50 ms': redisPing(runs),
  })),
);
process.exit(0);
