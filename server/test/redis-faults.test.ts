import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { once, record, recoveryAuth, type TestClient, waitFor } from './helpers.ts';
import { type ChildServer, productionServerEntry, spawnServer } from './process-helpers.ts';
import { ask, connectTo, pair, type RedisChild, startRedis, stop } from './redis-helpers.ts';

// Production server processes on one real Redis, put through what an operator meets: a
// reconnect landing on another process, a process frozen past its heartbeat, Redis going away.

let entry: string;
let redis: RedisChild;
let admin: TestClient[] = [];
const servers: ChildServer[] = [];

/** A production process on the test's Redis, with a 3 s recovery window. */
async function startProcess(): Promise<ChildServer> {
  const server = await spawnServer(
    entry,
    {
      REDIS_URL: redis.url,
      SIGNALING_RECOVERY_SECONDS: '3',
      MAX_CONNECTIONS_PER_ADDRESS: '1000',
    },
    [],
    30_000,
  );
  servers.push(server);
  return server;
}

async function healthz(
  server: ChildServer,
): Promise<{ status: number; body: { status: string; reason?: string } }> {
  // A busy machine may reset a probe; a load balancer retries, so does this.
  const response = await fetch(`${server.url}/healthz`).catch(() => undefined);
  if (!response) return { status: 0, body: { status: 'unreachable' } };
  return { status: response.status, body: (await response.json()) as { status: string } };
}

/** Sends a message each way and waits for both. */
async function relayBothWays(a: TestClient, b: TestClient, text: string): Promise<void> {
  const atB = once(b, 'message');
  a.emit('message', `${text} a`);
  expect(await atB).toEqual([`${text} a`]);
  const atA = once(a, 'message');
  b.emit('message', `${text} b`);
  expect(await atA).toEqual([`${text} b`]);
}

/** The answer to one Redis command, as strings. */
async function redisAnswer(command: string[]): Promise<string[]> {
  const { createClient } = await import('@redis/client');
  const client = createClient({ url: redis.url });
  await client.connect();
  try {
    return (await client.sendCommand(command)) as string[];
  } finally {
    await client.close();
  }
}

async function seatsIn(room: string): Promise<string[]> {
  const { createClient } = await import('@redis/client');
  const client = createClient({ url: redis.url });
  await client.connect();
  try {
    return (await client.hKeys(`signaling:room:{${room}}`)).sort();
  } finally {
    await client.close();
  }
}

beforeAll(async () => {
  entry = productionServerEntry();
  redis = await startRedis();
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map((server) => stop(server.process, 'SIGKILL')));
  if (redis) await stop(redis.child);
});

afterEach(() => {
  for (const client of admin) client.disconnect();
  admin = [];
});

describe('a fleet of two processes on one Redis', () => {
  let a: ChildServer;
  let b: ChildServer;

  beforeAll(async () => {
    [a, b] = await Promise.all([startProcess(), startProcess()]);
  }, 30_000);

  it('keeps the seat of a member whose connection drops on one process and comes back on the other', async () => {
    const alice = await connectTo(a.url, admin);
    const bob = await connectTo(a.url, admin);
    await pair(alice, bob, 'follow');
    const heard = record(bob, { all: true });
    const auth = recoveryAuth(alice);
    const aliceId = alice.id;
    expect(typeof auth.pid).toBe('string');
    const reconnecting = once(bob, 'peer:reconnecting');
    alice.io.engine.close();
    await reconnecting;
    // The same session, recovered on process B: Socket.IO restores it from Redis.
    const back = once(bob, 'peer:reconnected');
    const again = await connectTo(b.url, admin, auth);
    // (socket.io-client's `recovered` compares with a pid of its own: a new client has none.)
    expect(again.id).toBe(aliceId);
    await back;
    await relayBothWays(again, bob, 'across');
    // Past the window A's hold ends; the seat, now B's, stays, and nobody is told `bye`.
    await waitFor(async () => (await metric(a, 'signaling_seats_held')) === 0, 'the hold to end');
    expect(await seatsIn('follow')).toEqual([aliceId, bob.id].sort());
    await relayBothWays(again, bob, 'still');
    expect(heard.map(([event]) => event)).not.toContain('bye');
  }, 30_000);

  it('lets the members of a killed process recover their session and seat on another, unnoticed by their peer', async () => {
    const c = await startProcess();
    const alice = await connectTo(c.url, admin);
    const bob = await connectTo(b.url, admin);
    await pair(alice, bob, 'killed');
    const heard = record(bob, { all: true });
    const auth = recoveryAuth(alice);
    const aliceId = alice.id;
    // SIGKILL: no disconnect runs on C, so nothing is kept then; the session kept when alice
    // took her seat is what she recovers from.
    await stop(c.process, 'SIGKILL');
    const again = await connectTo(a.url, admin, auth);
    expect(again.id).toBe(aliceId);
    await relayBothWays(again, bob, 'after the kill');
    // C's seats are swept once its heartbeat key expires; alice's, now A's, stays.
    const procs = async () => (await redisAnswer(['SMEMBERS', 'signaling:procs'])).length;
    await waitFor(async () => (await procs()) === 2, "the sweep of C's seats", 15_000);
    expect(await seatsIn('killed')).toEqual([aliceId, bob.id].sort());
    await relayBothWays(again, bob, 'after the sweep');
    expect(heard.map(([event]) => event)).not.toContain('bye');
  }, 40_000);

  it('takes back, after a stall past its heartbeat, the seats nobody took, and tells only those who lost theirs', async () => {
    const erin = await connectTo(a.url, admin);
    const frank = await connectTo(a.url, admin);
    const alice = await connectTo(a.url, admin);
    const bob = await connectTo(a.url, admin);
    await pair(erin, frank, 'kept');
    await pair(alice, bob, 'taken');
    const erinHeard = record(erin, { all: true });
    const frankHeard = record(frank, { all: true });
    const aliceLost = once<[{ code: string }]>(alice, 'signaling:error');
    a.process.kill('SIGSTOP');
    try {
      // B sweeps A's seats once A's heartbeat key expires (3 s).
      await waitFor(async () => (await seatsIn('kept')).length === 0, 'the sweep', 15_000);
      const carol = await connectTo(b.url, admin);
      const dave = await connectTo(b.url, admin);
      await pair(carol, dave, 'taken');
    } finally {
      a.process.kill('SIGCONT');
    }
    expect((await aliceLost)[0].code).toBe('seat-lost');
    await waitFor(
      async () => (await seatsIn('kept')).join() === [erin.id, frank.id].sort().join(),
      'the seats taken back',
    );
    await relayBothWays(erin, frank, 'after the stall');
    for (const heard of [erinHeard, frankHeard]) {
      expect(heard.map(([event]) => event)).not.toContain('bye');
    }
    expect((await seatsIn('taken')).length).toBe(2);
  }, 40_000);

  it('answers 503 and refuses joins while Redis is away, keeps co-located rooms relaying, and recovers by itself', async () => {
    const alice = await connectTo(a.url, admin);
    const bob = await connectTo(a.url, admin);
    await pair(alice, bob, 'outage');
    await stop(redis.child);
    await waitFor(async () => (await healthz(a)).status === 503, '/healthz to say 503');
    expect((await healthz(a)).body).toMatchObject({ status: 'unavailable' });
    expect((await healthz(a)).body.reason).toMatch(/Redis/);
    const carol = await connectTo(a.url, admin);
    expect(await ask(carol, 'elsewhere')).toBe('unavailable');
    await relayBothWays(alice, bob, 'without redis');

    redis = await startRedis([], redis.port);
    await waitFor(async () => (await healthz(a)).status === 200, '/healthz to say 200', 15_000);
    // The fresh Redis knows nothing: the process registered its seats again by itself.
    await waitFor(
      async () => (await seatsIn('outage')).join() === [alice.id, bob.id].sort().join(),
      'the seats registered again',
    );
    expect(await ask(carol, 'elsewhere')).toBe('created');
  }, 40_000);

  it('exits cleanly on SIGTERM while Redis is away', async () => {
    const c = await startProcess();
    await stop(redis.child);
    await waitFor(async () => (await healthz(c)).status === 503, '/healthz to say 503');
    c.process.kill('SIGTERM');
    expect(await c.exited).toBe(0);
    expect(c.output()).not.toMatch(/Unhandled|SocketClosedUnexpectedlyError.*\n\s+at process/);
    redis = await startRedis([], redis.port);
  }, 30_000);
});

async function metric(server: ChildServer, name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((row) => row.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? Number.NaN);
}
