import { createClient } from '@redis/client';
import { SignJWT } from 'jose';
import { io as connectClient } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { once, recoveryAuth, roomToken, type TestClient, waitFor } from './helpers.ts';
import { type ChildServer, productionServerEntry, spawnServer } from './process-helpers.ts';
import { ask, connectTo, type RedisChild, startRedis, stop } from './redis-helpers.ts';

// Two production processes on one real Redis, with room tokens required, put through the
// attacks on the gates that a fleet makes possible: a token spent on one process replayed on
// the other, a recovery on the other process without the token, sessions that outlive their
// member, and token buckets refilled by recovering elsewhere.

const SECRET = 'a-room-token-secret-of-at-least-32-bytes';

let redis: RedisChild;
let a: ChildServer;
let b: ChildServer;
let clients: TestClient[] = [];

beforeAll(async () => {
  redis = await startRedis();
  const env = {
    REDIS_URL: redis.url,
    ROOM_TOKEN_SECRET: SECRET,
    SIGNALING_RECOVERY_SECONDS: '30',
    MAX_CONNECTIONS_PER_ADDRESS: '1000',
    RATE_HANDSHAKE_BURST: '1000',
    RATE_MESSAGE_BURST: '3',
    RATE_MESSAGE_PER_SECOND: '0',
  };
  const entry = productionServerEntry();
  [a, b] = await Promise.all([spawnServer(entry, env), spawnServer(entry, env)]);
}, 60_000);

afterAll(async () => {
  await Promise.all([a, b].filter(Boolean).map((server) => stop(server.process, 'SIGKILL')));
  if (redis) await stop(redis.child);
});

afterEach(() => {
  for (const client of clients) client.disconnect();
  clients = [];
});

/** A room token for `room`, valid for an hour, with a fresh id. */
const token = (room: string) => roomToken(SECRET, { room });

/** Connects to `url` with `auth`; the client once connected, or the refusal's code. */
function attempt(
  url: string,
  auth: Record<string, unknown>,
  transports: ('websocket' | 'polling')[] = ['websocket'],
): Promise<TestClient | string> {
  const client: TestClient = connectClient(url, {
    transports,
    forceNew: true,
    reconnection: false,
    auth,
  });
  clients.push(client);
  return new Promise((resolve) => {
    client.once('connect', () => resolve(client));
    client.once('connect_error', (error: Error & { data?: { code?: string } }) =>
      resolve(error.data?.code ?? error.message),
    );
  });
}

/**
 * Drops `client`'s network as a failed one does (a close without the going-away code): its
 * session is kept for recovery. socket.io-client says `disconnect` before this returns.
 */
function dropNetwork(client: TestClient): void {
  client.io.engine.close();
  expect(client.connected).toBe(false);
}

/** How many seats `server` holds for dropped members (its `signaling_seats_held`). */
async function held(server: ChildServer): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((row) => row.startsWith('signaling_seats_held '));
  return Number(line?.split(' ')[1] ?? Number.NaN);
}

/**
 * Drops `client`'s network on process A and waits until A holds its seat, so the session a
 * recovery takes is the one A kept at the drop (a recovery faster than A's notice would take
 * the one kept at the seat, and A would keep another after it).
 */
async function dropOnA(client: TestClient): Promise<void> {
  const before = await held(a);
  dropNetwork(client);
  await waitFor(async () => (await held(a)) > before, 'A to hold the seat');
}

/** The session keys kept for recovery in Redis. */
async function sessionKeys(): Promise<number> {
  const client = createClient({ url: redis.url });
  await client.connect();
  try {
    return (await client.keys('signaling:session:*')).length;
  } finally {
    await client.close();
  }
}

/** A member seated in `room` on `server` with a fresh token for it. */
async function seated(server: ChildServer, room: string, transports?: ('websocket' | 'polling')[]) {
  const client = await attempt(server.url, { token: await token(room) }, transports);
  if (typeof client === 'string') throw new Error(`[test] refused: ${client}`);
  expect(await ask(client, room)).toBe('created');
  return client;
}

describe('room tokens across a fleet', () => {
  it('refuses on one process a token spent on the other', async () => {
    const once = await token('vault');
    const alice = await connectTo(a.url, clients, { token: once });
    expect(await ask(alice, 'vault')).toBe('created');
    expect(await attempt(b.url, { token: once })).toBe('token-refused');
    expect(await attempt(a.url, { token: once })).toBe('token-refused');
  });

  it('spends a token presented to both processes at once only once', async () => {
    const twice = await token('race');
    const [left, right] = await Promise.all([
      connectTo(a.url, clients, { token: twice }),
      connectTo(b.url, clients, { token: twice }),
    ]);
    const answers = (await Promise.all([ask(left, 'race'), ask(right, 'race')])).sort();
    expect(answers).toEqual(['created', 'token-refused']);
  });
});

describe('recovery across a fleet', () => {
  it('refuses a recovery on the other process that presents only the session', async () => {
    const alice = await seated(a, 'guarded');
    const stolen = recoveryAuth(alice);
    await dropOnA(alice);
    expect(await attempt(b.url, stolen)).toBe('token-refused');
  });

  it('lets a member recover on the other process with the token that seated it', async () => {
    const vault = await token('kept');
    const alice = await connectTo(a.url, clients, { token: vault });
    expect(await ask(alice, 'kept')).toBe('created');
    const id = alice.id;
    const auth = recoveryAuth(alice);
    await dropOnA(alice);
    const back = await attempt(b.url, { token: vault, ...auth });
    expect(typeof back === 'string' ? back : back.id).toBe(id);
  });

  it('gives a member who left with 41 nothing to recover on the other process', async () => {
    const alice = await seated(a, 'left');
    const id = alice.id;
    const auth = recoveryAuth(alice);
    alice.disconnect();
    await waitFor(async () => (await sessionKeys()) === 0, 'the session to be dropped');
    const again = await attempt(b.url, { token: await token('left'), ...auth });
    expect(typeof again === 'string' ? again : again.id).not.toBe(id);
  });

  it('carries the member token buckets over to the other process', async () => {
    const vault = await token('drained');
    const alice = await connectTo(a.url, clients, { token: vault });
    const bob = await connectTo(a.url, clients, { token: await token('drained') });
    expect(await ask(alice, 'drained')).toBe('created');
    const ready = once(alice, 'ready');
    expect(await ask(bob, 'drained')).toBe('joined');
    await ready;
    const relayed: unknown[] = [];
    bob.on('message', (payload) => relayed.push(payload));
    for (let i = 0; i < 3; i++) alice.emit('message', `m${i}`);
    await waitFor(() => relayed.length === 3, 'the burst to be relayed');
    const auth = recoveryAuth(alice);
    await dropOnA(alice);
    const back = (await attempt(b.url, { token: vault, ...auth })) as TestClient;
    const refused = once<[{ code: string }]>(back, 'signaling:error');
    back.emit('message', 'one more');
    expect((await refused)[0].code).toBe('rate-limited');
  });
});

describe('sessions kept for recovery', () => {
  it('leaves no session in Redis after 100 members join and leave with 41', async () => {
    for (let i = 0; i < 100; i++) {
      const member = await seated(i % 2 === 0 ? a : b, `churn-${i}`);
      member.disconnect();
    }
    await waitFor(async () => (await sessionKeys()) === 0, 'no session left', 10_000);
  }, 60_000);

  it('drops the session of a member who leaves by bye, a close packet or a closed tab', async () => {
    const byBye = await seated(a, 'by-bye');
    byBye.emit('bye');
    const byClosePacket = await seated(b, 'by-close-packet', ['polling']);
    byClosePacket.io.engine.close();
    const byClosedTab = await seated(a, 'by-closed-tab');
    const engine = byClosedTab.io.engine as unknown as {
      transport: { ws: { close(code: number): void } };
    };
    engine.transport.ws.close(1001);
    // Well within the 30 s window a dropped network's session lives: these left on purpose.
    await waitFor(async () => (await sessionKeys()) === 0, 'no session left', 10_000);
  }, 20_000);
});
