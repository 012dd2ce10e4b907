/**
 * The figures of issue 18's attacks on the gates, against a built server (`main.js`): two
 * processes on one redis-server of their own, room tokens required, all on loopback.
 *
 *   npx tsx server/bench/gates.ts <path to main.js>
 *
 * Prints: the sockets one polling connection opens with 500 CONNECTs in one POST; the
 * `session:*` keys left in Redis after 100 members join and leave with `41`; what a token
 * spent on process A gets on process B; and process A's RSS growth under a polling client
 * that never polls and POSTs 10,000 `42["bye"]` five times.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createClient } from '@redis/client';
import { SignJWT } from 'jose';
import { io as connectClient } from 'socket.io-client';
import { ask, freePort, startRedis, stop } from '../test/redis-helpers.ts';

const SECRET = 'a-room-token-secret-of-at-least-32-bytes';
const SEPARATOR = '\x1e';

/** A room token for `room`, valid for an hour, with a fresh id. */
function token(room: string): Promise<string> {
  return new SignJWT({ room, exp: Math.floor(Date.now() / 1000) + 3600, jti: crypto.randomUUID() })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(SECRET));
}

/** Spawns `entry` on a free port with `env`; resolves once it listens. */
async function spawnServer(entry: string, env: Record<string, string>) {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [entry], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: `${port}`, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('signaling on')) resolve();
    });
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

/** Opens a polling session; its URL with `sid`. */
async function pollingSession(base: string): Promise<string> {
  const open = await (await fetch(`${base}/socket.io/?EIO=4&transport=polling`)).text();
  const { sid } = JSON.parse(open.slice(1)) as { sid: string };
  return `${base}/socket.io/?EIO=4&transport=polling&sid=${sid}`;
}

async function post(url: string, packets: string[]): Promise<string> {
  return (await fetch(url, { method: 'POST', body: packets.join(SEPARATOR) })).text();
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function sockets(base: string): Promise<number> {
  return ((await (await fetch(`${base}/healthz`)).json()) as { connections: number }).connections;
}

/** 500 CONNECTs in one POST on one polling connection: the sockets it added to the process. */
async function connectFlood(base: string, t: string): Promise<number> {
  const before = await sockets(base);
  const url = await pollingSession(base);
  await post(url, Array<string>(500).fill(`40${JSON.stringify({ token: t })}`));
  await pause(1000);
  return (await sockets(base)) - before;
}

/** 100 members join and leave with `41`: the session keys left in Redis. */
async function sessionKeys(base: string, redisUrl: string): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const client = connectClient(base, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      auth: { token: await token(`leave-${i}`) },
    });
    await new Promise((resolve) => client.once('connect', () => resolve(undefined)));
    await ask(client, `leave-${i}`);
    client.disconnect();
  }
  await pause(500);
  const redis = createClient({ url: redisUrl });
  await redis.connect();
  const keys = (await redis.keys('signaling:session:*')).length;
  await redis.close();
  return keys;
}

/** A token spent on A, presented to B: B's answer to the handshake and the join. */
async function replay(a: string, b: string): Promise<string> {
  const t = await token('vault');
  const connect = (url: string) =>
    new Promise<ReturnType<typeof connectClient> | string>((resolve) => {
      const client = connectClient(url, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        auth: { token: t },
      });
      client.once('connect', () => resolve(client));
      client.once('connect_error', (error: Error & { data?: { code?: string } }) =>
        resolve(`connect_error ${error.data?.code}`),
      );
    });
  const alice = await connect(a);
  if (typeof alice === 'string') return `A refused the fresh token: ${alice}`;
  const first = await ask(alice, 'vault');
  const thief = await connect(b);
  if (typeof thief === 'string') return `A: ${first}; B: ${thief}`;
  return `A: ${first}; B: ${await ask(thief, 'vault')}`;
}

/** Process `pid`'s resident set, in MB. */
function rss(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
  return Number(line?.[1] ?? 0) / 1024;
}

/** The process's V8 heap in use, in MB, from its `/metrics` (prom-client's default metrics). */
async function heapUsed(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((row) => row.startsWith('nodejs_heap_size_used_bytes '));
  return Number(line?.split(' ')[1] ?? Number.NaN) / 1024 / 1024;
}

/**
 * Five POSTs of 10,000 `42["bye"]` from a polling client that never polls: A's peak RSS
 * growth while they arrive, and its heap in use 5 s later (what is still held, parsing's
 * garbage mostly collected by then).
 */
async function unreadFlood(base: string, pid: number): Promise<string> {
  const url = await pollingSession(base);
  await post(url, [`40${JSON.stringify({ token: await token('flood') })}`]);
  await pause(500);
  const before = rss(pid);
  const heapBefore = await heapUsed(base);
  let peak = before;
  for (let round = 0; round < 5; round++) {
    await post(url, Array<string>(10_000).fill('42["bye"]'));
    peak = Math.max(peak, rss(pid));
  }
  for (let i = 0; i < 50; i++) {
    await pause(100);
    peak = Math.max(peak, rss(pid));
  }
  const held = (await heapUsed(base)) - heapBefore;
  return (
    `RSS ${before.toFixed(1)} MB before, peak +${(peak - before).toFixed(1)} MB; ` +
    `heap in use 5 s later ${held >= 0 ? '+' : ''}${held.toFixed(1)} MB`
  );
}

const entry = process.argv[2];
if (!entry) throw new Error('usage: tsx server/bench/gates.ts <path to main.js>');
const redis = await startRedis();
const env = {
  REDIS_URL: redis.url,
  ROOM_TOKEN_SECRET: SECRET,
  MAX_CONNECTIONS_PER_ADDRESS: '100000',
  RATE_HANDSHAKE_BURST: '100000',
};
const [a, b] = await Promise.all([spawnServer(entry, env), spawnServer(entry, env)]);
try {
  console.log(`RSS under the unread flood: ${await unreadFlood(a.url, a.child.pid ?? 0)}`);
  console.log(
    `sockets after 500 CONNECTs on one connection: ${await connectFlood(a.url, await token('one'))}`,
  );
  console.log(
    `session keys after 100 joins and leaves by 41: ${await sessionKeys(a.url, redis.url)}`,
  );
  console.log(`a token spent on A, replayed on B: ${await replay(a.url, b.url)}`);
} finally {
  a.child.kill('SIGKILL');
  b.child.kill('SIGKILL');
  await stop(redis.child);
}
process.exit(0);
