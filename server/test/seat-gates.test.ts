import { SignJWT } from 'jose';
import { io as connectClient } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { MemoryRooms, SignalingOptions } from '../index.ts';
import {
  once,
  recoveryAuth,
  roomToken,
  startServer,
  type TestClient,
  type TestServer,
  waitFor,
} from './helpers.ts';
import { ask } from './redis-helpers.ts';

// Every way into a seat passes the same gates on one process: a recovery presents the room
// token a join would, and carries its member's token buckets over; per-address limits count
// an IPv6 client by its /64.

const SECRET = 'a-room-token-secret-of-at-least-32-bytes';

let server: TestServer;
const strays: TestClient[] = [];

async function start(options: SignalingOptions<MemoryRooms> = {}): Promise<void> {
  server = await startServer({ clientLog: false, exposeAddresses: false, ...options });
}

afterEach(async () => {
  for (const client of strays.splice(0)) client.disconnect();
  await server.close();
});

/** A room token for `room`, valid for an hour, with a fresh id. */
const token = (room: string) => roomToken(SECRET, { room });

/** Connects with `options`; resolves with the client once connected, or the refusal's code. */
function attempt(
  options: { auth?: Record<string, unknown>; extraHeaders?: Record<string, string> } = {},
): Promise<TestClient | string> {
  const client: TestClient = connectClient(server.url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    ...options,
  });
  strays.push(client);
  return new Promise((resolve) => {
    client.once('connect', () => resolve(client));
    client.once('connect_error', (error: Error & { data?: { code?: string } }) =>
      resolve(error.data?.code ?? error.message),
    );
  });
}

/** Drops `client`'s network (no close frame a tab would send) and waits for its seat to be held. */
async function dropNetwork(client: TestClient): Promise<void> {
  const gone = once(client, 'disconnect');
  client.io.engine.close();
  await gone;
  await waitFor(() => server.handle.holds.size === 1, 'the seat to be held');
}

describe('a recovery passes the gates a join passes', () => {
  it('refuses a recovery that presents only the session, without the room token', async () => {
    await start({ recoveryWindowMs: 5000, roomAccess: { tokenSecret: SECRET } });
    const alice = await server.connect({ auth: { token: await token('vault') } });
    expect(await ask(alice, 'vault')).toBe('created');
    const stolen = recoveryAuth(alice);
    await dropNetwork(alice);
    expect(await attempt({ auth: stolen })).toBe('token-refused');
    expect(server.handle.io.of('/').sockets.size).toBe(0);
  });

  it('lets a member recover its seat with the token that seated it', async () => {
    await start({ recoveryWindowMs: 5000, roomAccess: { tokenSecret: SECRET } });
    const vault = await token('vault');
    const alice = await server.connect({ auth: { token: vault } });
    expect(await ask(alice, 'vault')).toBe('created');
    const id = alice.id;
    const auth = recoveryAuth(alice);
    await dropNetwork(alice);
    const back = await attempt({ auth: { token: vault, ...auth } });
    expect(typeof back).not.toBe('string');
    expect((back as TestClient).id).toBe(id);
    await waitFor(() => server.handle.holds.size === 0, 'the hold to end');
    expect(server.handle.rooms.members('vault')).toEqual([id]);
  });

  it('refuses a recovery whose token names another room', async () => {
    await start({ recoveryWindowMs: 5000, roomAccess: { tokenSecret: SECRET } });
    const alice = await server.connect({ auth: { token: await token('vault') } });
    expect(await ask(alice, 'vault')).toBe('created');
    const auth = recoveryAuth(alice);
    await dropNetwork(alice);
    expect(await attempt({ auth: { token: await token('lobby'), ...auth } })).toBe('token-refused');
  });

  it('carries the member token buckets over a recovery instead of refilling them', async () => {
    await start({
      recoveryWindowMs: 5000,
      rateLimits: { message: { burst: 3, perSecond: 0.001 } },
    });
    const { alice, bob } = await server.pair('drained');
    const relayed: unknown[] = [];
    bob.on('message', (payload) => relayed.push(payload));
    for (let i = 0; i < 3; i++) alice.emit('message', `m${i}`);
    await waitFor(() => relayed.length === 3, 'the burst to be relayed');
    const id = alice.id;
    const auth = recoveryAuth(alice);
    await dropNetwork(alice);
    const back = (await attempt({ auth })) as TestClient;
    expect(back.id).toBe(id);
    const refused = once<[{ code: string }]>(back, 'signaling:error');
    back.emit('message', 'one more');
    expect((await refused)[0].code).toBe('rate-limited');
    expect(relayed).toEqual(['m0', 'm1', 'm2']);
  });
});

describe('per-address limits and IPv6', () => {
  /** Connects as if from `address` (behind a trusted proxy); the client or the refusal's code. */
  const from = (address: string) => attempt({ extraHeaders: { 'x-forwarded-for': address } });

  it('counts IPv6 clients by their /64, so a client cannot take a new address per connection', async () => {
    await start({ access: { trustProxy: true, maxConnectionsPerAddress: 2 } });
    expect(typeof (await from('2001:db8:1:2::1'))).toBe('object');
    expect(typeof (await from('2001:db8:1:2:aaaa::2'))).toBe('object');
    expect(await from('2001:db8:1:2:ffff:ffff:ffff:3')).toBe('too-many-connections');
    // Another /64 is another client.
    expect(typeof (await from('2001:db8:1:3::1'))).toBe('object');
  });

  it('counts an IPv4-mapped IPv6 address as the IPv4 address it is', async () => {
    await start({ access: { trustProxy: true, maxConnectionsPerAddress: 2 } });
    expect(typeof (await from('192.0.2.1'))).toBe('object');
    expect(typeof (await from('::ffff:192.0.2.1'))).toBe('object');
    expect(await from('192.0.2.1')).toBe('too-many-connections');
    expect(typeof (await from('192.0.2.2'))).toBe('object');
  });

  it('counts each IPv6 address alone with a prefix length of 128', async () => {
    await start({
      access: { trustProxy: true, maxConnectionsPerAddress: 1, ipv6PrefixLength: 128 },
    });
    expect(typeof (await from('2001:db8:1:2::1'))).toBe('object');
    expect(typeof (await from('2001:db8:1:2::2'))).toBe('object');
    expect(await from('2001:db8:1:2::1')).toBe('too-many-connections');
  });
});
