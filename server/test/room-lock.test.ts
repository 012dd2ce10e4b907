import { generateKeyPair, SignJWT } from 'jose';
import { io as connectClient } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCKED_MESSAGE } from '../core/room-access.ts';
import type { JoinKey, RoomStore } from '../core/store.ts';
import type { JoinOptions, SignalingError } from '../protocol/index.ts';
import { MemoryRooms } from '../stores/memory.ts';
import {
  joinAs,
  metricValue,
  once,
  record,
  roomToken,
  startServer,
  type TestClient,
  type TestServer,
  waitFor,
} from './helpers.ts';

// Locks on rooms, tried as an attacker would: PINs (guessed, brute-forced, probed for whether
// a room exists) and, for operators, signed room tokens (forged, for another room, expired,
// replayed).

let server: TestServer;
afterEach(async () => {
  await server.close();
});

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';

/** Asks for a seat with options; resolves with the refusal, or the event name of the answer. */
async function ask(
  client: TestClient,
  room: string,
  options?: JoinOptions,
): Promise<SignalingError | string> {
  return new Promise((resolve) => {
    const answers = ['created', 'joined', 'full'] as const;
    const done = (answer: SignalingError | string) => {
      client.off('signaling:error', onError);
      for (const name of answers) client.off(name, handlers[name]);
      resolve(answer);
    };
    const onError = (error: SignalingError) => done(error);
    const handlers = Object.fromEntries(answers.map((name) => [name, () => done(name)])) as Record<
      (typeof answers)[number],
      () => void
    >;
    client.on('signaling:error', onError);
    for (const name of answers) client.once(name, handlers[name]);
    client.emit('create or join', room, options);
  });
}

/** A client counted against `address` (the server trusts X-Forwarded-For in these tests). */
function from(address: string): Promise<TestClient> {
  return server.connect({ extraHeaders: { 'x-forwarded-for': address } });
}

describe('a PIN on a room', () => {
  it('lets codelab clients join unlocked rooms exactly as before', async () => {
    server = await startServer({ clientLog: false });
    const alice = await server.connect();
    const aliceSaw = record(alice);
    await joinAs(alice, 'open');
    const bob = await server.connect();
    const bobSaw = record(bob);
    const ready = Promise.all([once(alice, 'ready'), once(bob, 'ready')]);
    bob.emit('create or join', 'open');
    await ready;
    expect(aliceSaw).toEqual([['created', 'open', alice.id], ['join', 'open'], ['ready']]);
    expect(bobSaw).toEqual([['joined', 'open', bob.id], ['ready']]);
  });

  it('is set by the first member and opens the room to a later member who gives it', async () => {
    server = await startServer({ clientLog: false });
    const alice = await server.connect();
    expect(await ask(alice, 'locked', { pin: '4711' })).toBe('created');
    const bob = await server.connect();
    const ready = once(alice, 'ready');
    expect(await ask(bob, 'locked', { pin: '4711' })).toBe('joined');
    await ready;
  });

  it('refuses a member with no PIN or a wrong one, and the room does not change', async () => {
    server = await startServer({ clientLog: false });
    const alice = await server.connect();
    await ask(alice, 'locked', { pin: '4711' });
    const mallory = await server.connect();
    const refusal = { event: 'create or join', code: 'room-locked', message: LOCKED_MESSAGE };
    expect(await ask(mallory, 'locked')).toEqual(refusal);
    expect(await ask(mallory, 'locked', { pin: '0000' })).toEqual(refusal);
    expect(server.handle.rooms.members('locked')).toEqual([alice.id]);
  });

  it('answers a wrong PIN on a full locked room as locked, never as full', async () => {
    server = await startServer({ clientLog: false });
    const alice = await server.connect();
    await ask(alice, 'locked', { pin: '4711' });
    await ask(await server.connect(), 'locked', { pin: '4711' });
    const mallory = await server.connect();
    expect(await ask(mallory, 'locked', { pin: '0000' })).toMatchObject({ code: 'room-locked' });
    expect(await ask(mallory, 'locked', { pin: '4711' })).toBe('full');
  });

  it('answers a join-only request for a missing room exactly as a wrong PIN on a locked one', async () => {
    server = await startServer({ clientLog: false });
    await ask(await server.connect(), 'locked', { pin: '4711' });
    const mallory = await server.connect();
    const locked = await ask(mallory, 'locked', { pin: '0000', create: false });
    const missing = await ask(mallory, 'nowhere', { pin: '0000', create: false });
    expect(missing).toEqual(locked);
    expect(server.handle.rooms.size).toBe(1);
  });

  it('refuses a PIN that is no 4 to 64 character string, and options that are no object', async () => {
    server = await startServer({ clientLog: false });
    const mallory = await server.connect();
    for (const options of [{ pin: '12' }, { pin: 'x'.repeat(65) }, { pin: 1234 }, 'pin']) {
      expect(await ask(mallory, 'room', options as JoinOptions)).toMatchObject({
        code: 'invalid-pin',
      });
    }
    expect(server.handle.rooms.size).toBe(0);
  });
});

describe('PIN brute force', () => {
  it('is stopped per room: past the burst even the right PIN waits, from any address', async () => {
    server = await startServer({
      clientLog: false,
      access: { trustProxy: true },
      roomAccess: { pinGuessesPerRoom: { burst: 3, perSecond: 0 } },
    });
    await ask(await from('10.0.0.1'), 'vault', { pin: '4711' });
    const attackers = await Promise.all(['10.0.0.2', '10.0.0.3', '10.0.0.4'].map(from));
    for (const [index, attacker] of attackers.entries()) {
      expect(await ask(attacker, 'vault', { pin: `000${index}` })).toMatchObject({
        code: 'room-locked',
      });
    }
    const late = await from('10.0.0.5');
    expect(await ask(late, 'vault', { pin: '4711' })).toMatchObject({ code: 'rate-limited' });
    expect(server.handle.rooms.members('vault')).toHaveLength(1);
  });

  it('is stopped per address, over all rooms, and counts the same whether a room exists', async () => {
    server = await startServer({
      clientLog: false,
      access: { trustProxy: true },
      roomAccess: { pinGuessesPerAddress: { burst: 2, perSecond: 0 } },
    });
    await ask(await from('10.0.0.1'), 'vault', { pin: '4711' });
    const mallory = await from('10.0.0.9');
    expect(await ask(mallory, 'vault', { pin: '0000' })).toMatchObject({ code: 'room-locked' });
    expect(await ask(mallory, 'nowhere', { pin: '0000', create: false })).toMatchObject({
      code: 'room-locked',
    });
    const limited = await ask(mallory, 'vault', { pin: '4711' });
    expect(limited).toMatchObject({ code: 'rate-limited' });
    // Refused too, though not answered again within the window (one rate-limited answer).
    mallory.emit('create or join', 'elsewhere', { pin: '1111', create: false });
    await waitFor(
      async () =>
        (await metricValue(server.handle, 'signaling_rejections_total', {
          reason: 'rate-limited',
        })) === 2,
      'the second guess to be refused',
    );
    expect(server.handle.rooms.members('elsewhere')).toEqual([]);
    expect(
      await metricValue(server.handle, 'signaling_rejections_total', { reason: 'room-locked' }),
    ).toBe(2);
  });
});

describe('a PIN lock and the first member reloading', () => {
  it('outlives the room for the linger time, so the name stays locked until it comes back', async () => {
    server = await startServer({ clientLog: false, roomAccess: { lockLingerMs: 60_000 } });
    const alice = await server.connect();
    await ask(alice, 'ours', { pin: '4711' });
    // A reload closes the tab's socket on purpose: the seat is freed at once.
    alice.disconnect();
    await waitFor(() => server.handle.rooms.size === 0, 'the seat to be freed');
    const mallory = await server.connect();
    expect(await ask(mallory, 'ours')).toMatchObject({ code: 'room-locked' });
    expect(await ask(mallory, 'ours', { pin: '0000' })).toMatchObject({ code: 'room-locked' });
    const reloaded = await server.connect();
    expect(await ask(reloaded, 'ours', { pin: '4711' })).toBe('created');
    expect(await ask(mallory, 'ours')).toMatchObject({ code: 'room-locked' });
  });

  it('goes once the linger time has passed', async () => {
    server = await startServer({ clientLog: false, roomAccess: { lockLingerMs: 200 } });
    const alice = await server.connect();
    await ask(alice, 'ours', { pin: '4711' });
    alice.disconnect();
    const rooms = server.handle.rooms;
    await waitFor(() => rooms.size === 0 && rooms.lingeringLocks === 0, 'the lock to go');
    expect(await ask(await server.connect(), 'ours')).toBe('created');
  });

  it('holds through a dropped network, and the recovered member keeps its seat', async () => {
    server = await startServer({ clientLog: false, recoveryWindowMs: 5000 });
    const alice = await server.connect();
    await ask(alice, 'ours', { pin: '4711' });
    const gone = once(alice, 'disconnect');
    alice.io.engine.close();
    await gone;
    await waitFor(() => server.handle.holds.size === 1, 'the seat to be held');
    const mallory = await server.connect();
    expect(await ask(mallory, 'ours')).toMatchObject({ code: 'room-locked' });
    const back = once(alice, 'connect');
    alice.connect();
    await back;
    expect(alice.recovered).toBe(true);
    expect(server.handle.rooms.members('ours')).toEqual([alice.id]);
  });
});

describe('a store without PIN locks (Redis)', () => {
  /** The in-memory store, minus its locks: what the Redis store offers today. */
  class WithoutLocks implements RoomStore {
    readonly #rooms = new MemoryRooms();
    readonly capacity = 2;
    join(room: string, member: string, key?: JoinKey) {
      if (key?.lock !== undefined || key?.create === false) throw new Error('no locks here');
      return this.#rooms.join(room, member);
    }
    leave(room: string, member: string) {
      return this.#rooms.leave(room, member);
    }
    members(room: string) {
      return this.#rooms.members(room);
    }
    get size() {
      return this.#rooms.size;
    }
  }

  it('refuses a PIN clearly and serves joins without one', async () => {
    server = await startServer({ clientLog: false, rooms: new WithoutLocks() as never });
    const alice = await server.connect();
    expect(await ask(alice, 'room', { pin: '4711' })).toMatchObject({
      code: 'disabled',
      message: expect.stringContaining('without PIN locks'),
    });
    expect(await ask(alice, 'room')).toBe('created');
  });
});

/** A signed room token; `claims` override the defaults (room `ours`, an hour, a fresh id). */
function token(claims: Record<string, unknown> = {}, secret = SECRET): Promise<string> {
  return roomToken(secret, { room: 'ours', ...claims });
}

/** Connects with `auth`; resolves with the `connect_error`'s code and message, or 'connected'. */
function handshake(auth: Record<string, unknown>): Promise<{ code?: string; message: string }> {
  const client = connectClient(server.url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    auth,
  });
  return new Promise((resolve) => {
    client.once('connect', () => {
      client.disconnect();
      resolve({ message: 'connected' });
    });
    client.once('connect_error', (error: Error & { data?: { code?: string } }) => {
      client.disconnect();
      resolve({ code: error.data?.code, message: error.message });
    });
  });
}

describe('room tokens', () => {
  async function setUp(roomAccess = {}) {
    server = await startServer({
      clientLog: false,
      roomAccess: { tokenSecret: SECRET, ...roomAccess },
    });
  }

  it('seat the holder of a token for the room', async () => {
    await setUp();
    const alice = await server.connect({ auth: { token: await token() } });
    expect(await ask(alice, 'ours')).toBe('created');
  });

  it('are required: a handshake without one is refused', async () => {
    await setUp();
    expect(await handshake({})).toMatchObject({ code: 'token-refused' });
    expect(
      await metricValue(server.handle, 'signaling_rejections_total', { reason: 'token-refused' }),
    ).toBe(1);
  });

  it('refuse a token for another room, and leave that room alone', async () => {
    await setUp();
    const mallory = await server.connect({ auth: { token: await token({ room: 'theirs' }) } });
    expect(await ask(mallory, 'ours')).toMatchObject({
      code: 'token-refused',
      message: 'the room token is for another room',
    });
    expect(server.handle.rooms.size).toBe(0);
  });

  it('refuse an expired token', async () => {
    await setUp();
    const expired = await token({ exp: Math.floor(Date.now() / 1000) - 60 });
    expect(await handshake({ token: expired })).toMatchObject({
      code: 'token-refused',
      message: expect.stringContaining('expired'),
    });
  });

  it('refuse an unsigned token (alg none) and one signed with another secret', async () => {
    await setUp();
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ room: 'ours', exp: now + 60, jti: 'x' })}.`;
    expect(await handshake({ token: unsigned })).toMatchObject({ code: 'token-refused' });
    const forged = await token({}, 'another-secret-that-is-also-long-enough-x');
    expect(await handshake({ token: forged })).toMatchObject({ code: 'token-refused' });
  });

  it('refuse a token replayed after its room emptied: each is good for one join', async () => {
    await setUp();
    const shared = await token();
    const alice = await server.connect({ auth: { token: shared } });
    expect(await ask(alice, 'ours')).toBe('created');
    alice.emit('bye', 'ours');
    await waitFor(() => server.handle.rooms.size === 0, 'the room to empty');
    expect(await ask(alice, 'ours')).toMatchObject({ code: 'token-refused' });
    expect(await handshake({ token: shared })).toMatchObject({
      code: 'token-refused',
      message: expect.stringContaining('already used'),
    });
    expect(server.handle.rooms.size).toBe(0);
  });

  it('refuse a token valid for longer than the server accepts', async () => {
    await setUp({ tokenMaxLifetimeSeconds: 60 });
    expect(await handshake({ token: await token() })).toMatchObject({ code: 'token-refused' });
  });

  it('may be signed with a private key the server knows the public half of', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const { exportSPKI } = await import('jose');
    server = await startServer({
      clientLog: false,
      roomAccess: { tokenPublicKey: await exportSPKI(publicKey), tokenAlgorithm: 'ES256' },
    });
    const signed = await new SignJWT({ room: 'ours', jti: 'k1' })
      .setProtectedHeader({ alg: 'ES256' })
      .setExpirationTime('5m')
      .sign(privateKey);
    const alice = await server.connect({ auth: { token: signed } });
    expect(await ask(alice, 'ours')).toBe('created');
    // An HS256 token is refused when only a public key is configured.
    expect(await handshake({ token: await token() })).toMatchObject({ code: 'token-refused' });
  });
});
