/**
 * A quick figure for the fleet (not the full bench): 300 pairs ping-ponging a candidate-sized
 * message flat out for a few seconds, on one process alone, then on two production processes
 * on one real redis-server with both members of each pair on one process (co-located), then
 * split across the two. Prints CPU µs per relay (from /proc, server processes only) and lost
 * relays (sent but never received). `npx tsx server/bench/fleet-probe.ts [pairs] [seconds]`.
 */
import { readFileSync } from 'node:fs';
import { io } from 'socket.io-client';
import { buildProductionServer, type ChildServer, spawnServer } from '../test/process-helpers.ts';
import { startRedis, stop } from '../test/redis-helpers.ts';

const PAIRS = Number(process.argv[2] ?? 300);
const SECONDS = Number(process.argv[3] ?? 5);
const CANDIDATE = {
  type: 'candidate',
  label: 0,
  id: '0',
  candidate:
    'candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 192.168.1.20 rport 46154 generation 0 ufrag sEMT network-cost 999',
};
const LIFTED = {
  MAX_CONNECTIONS_PER_ADDRESS: '5000',
  RATE_MESSAGE_BURST: '1000000',
  RATE_MESSAGE_PER_SECOND: '1000000',
  RATE_MESSAGE_BYTES_BURST: '1000000000',
  RATE_MESSAGE_BYTES_PER_SECOND: '1000000000',
  RATE_JOIN_BURST: '1000',
  RATE_JOIN_PER_SECOND: '1000',
};

/** CPU time (µs) a process has used so far. */
function cpuMicros(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // clock ticks of 10 ms
}

type Client = ReturnType<typeof io>;

async function connect(url: string): Promise<Client> {
  const client = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
  await new Promise((resolve, reject) => {
    client.once('connect', () => resolve(undefined));
    client.once('connect_error', reject);
  });
  return client;
}

/** Seats the pairs, ping-pongs for SECONDS, and returns relays done, lost and CPU per process. */
async function run(aliceUrls: string[], bobUrls: string[], servers: ChildServer[], tag: string) {
  const pairs: [Client, Client][] = [];
  for (let index = 0; index < PAIRS; index++) {
    const alice = await connect(aliceUrls[index % aliceUrls.length] as string);
    const bob = await connect(bobUrls[index % bobUrls.length] as string);
    const room = `${tag}-${index}`;
    await new Promise((resolve) => {
      alice.once('created', resolve);
      alice.emit('create or join', room);
    });
    await new Promise((resolve) => {
      bob.once('ready', resolve);
      bob.emit('create or join', room);
    });
    pairs.push([alice, bob]);
  }
  let sent = 0;
  let received = 0;
  let failed = 0;
  let running = true;
  for (const [alice, bob] of pairs) {
    for (const [me, peer] of [
      [alice, bob],
      [bob, alice],
    ] as const) {
      me.on('message', () => {
        received++;
        if (running) {
          sent++;
          me.emit('message', CANDIDATE);
        }
      });
      me.on('signaling:error', () => failed++);
      void peer;
    }
    sent++;
    alice.emit('message', CANDIDATE);
  }
  const before = servers.map((server) => cpuMicros(server.process.pid));
  const started = Date.now();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  running = false;
  const cpu = servers.map((server, index) => cpuMicros(server.process.pid) - (before[index] ?? 0));
  const relays = received;
  const elapsed = (Date.now() - started) / 1000;
  // The last relay of each chain may still be on its way: wait until nothing moves.
  let last = -1;
  while (last !== received) {
    last = received;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  for (const [alice, bob] of pairs) {
    alice.disconnect();
    bob.disconnect();
  }
  return { relays, elapsed, lost: sent - received - failed, failed, cpu };
}

async function main(): Promise<void> {
  const entry = await buildProductionServer();
  const single = await spawnServer(entry, LIFTED, [], 30_000);
  const alone = await run([single.url], [single.url], [single], 'single');
  await stop(single.process);
  const redis = await startRedis();
  const env = { ...LIFTED, REDIS_URL: redis.url };
  const a = await spawnServer(entry, env, [], 30_000);
  const b = await spawnServer(entry, env, [], 30_000);
  const together = await run([a.url], [a.url], [a, b], 'together');
  const split = await run([a.url], [b.url], [a, b], 'split');
  await Promise.all([stop(a.process), stop(b.process)]);
  await stop(redis.child);
  const per = (micros: number, relays: number) => (micros / relays).toFixed(2);
  const base = (alone.cpu[0] ?? 0) / alone.relays;
  console.log(
    `${PAIRS} pairs, ${SECONDS} s each, CPU of the server processes (redis-server not counted)`,
  );
  console.log('| run | relays/s | CPU µs/relay | vs one process | lost | refused (relay-failed) |');
  console.log('|---|---|---|---|---|---|');
  const row = (name: string, r: typeof alone, micros: number) =>
    console.log(
      `| ${name} | ${Math.round(r.relays / r.elapsed)} | ${per(micros, r.relays)} | ${(micros / r.relays / base).toFixed(2)}x | ${r.lost} | ${r.failed} |`,
    );
  row('one process, in memory', alone, alone.cpu[0] ?? 0);
  row('fleet, co-located (process A)', together, together.cpu[0] ?? 0);
  console.log(
    `| fleet, co-located: uninvolved process B | | ${per(together.cpu[1] ?? 0, together.relays)} | | | |`,
  );
  row('fleet, split (A + B)', split, (split.cpu[0] ?? 0) + (split.cpu[1] ?? 0));
}

await main();
process.exit(0);
