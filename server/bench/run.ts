/**
 * `npm run bench [-- options]`: the load benchmark. Starts each server under test in its own
 * process (the production build, then the baselines), drives it from several load processes
 * over loopback, and prints join/relay latency, throughput, server memory and CPU.
 *
 *   --clients N          clients of ours, bare Socket.IO and raw ws, in N/2 rooms (4000)
 *   --codelab-clients L  comma list of client counts for the codelab's design (96,400)
 *   --workers W          load processes, each on its own 127.0.0.x source address (4)
 *   --join-rate R        clients connected, then seated, per second over all workers (1000;
 *                        500 with --scale)
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
 *   --scale              instead of the above: one fleet at scale (scale.ts), --clients
 *                        (100000) in rooms of two over --processes (as the open-file limit
 *                        requires) on one redis-server, against 4,000 clients on the same fleet;
 *                        --workers load processes (12,500 clients each), --join-rate, and
 *   --idle-seconds S     how long the scale run holds every client seated and quiet (30)
 *
 * The runner runs under tsx; the processes it starts do not: the baselines, the probe and the
 * load processes are compiled once to dist/bench/, so no TypeScript loader runs in a server
 * under test.
 */
import {
  benchLimits,
  clients,
  codelabClients,
  compiled,
  only,
  PRODUCTION_ENTRY,
  processes,
  relaySeconds,
  repeat,
  scale,
  values,
} from './options.ts';
import {
  type RedisUnderTest,
  type ServerProcess,
  startRedis,
  startServer,
  stop,
} from './processes.ts';
import { report } from './report.ts';
import { runScale } from './scale.ts';
import { drive, type LoadProtocol, type Result } from './scenario.ts';
import type { Baseline } from './servers.ts';

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

const baseline = (name: string, kind: Baseline) => async () => [
  await startServer(name, `${compiled}servers.js`, [kind]),
];

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

if (scale) {
  await runScale(started);
  process.exit(0);
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

report(results, started);
