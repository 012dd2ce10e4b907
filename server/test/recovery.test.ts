import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { SignalingError } from '../protocol/index.ts';
import {
  joinAs,
  once,
  rawSocketIo,
  startServer,
  type TestClient,
  type TestServer,
  waitFor,
} from './helpers.ts';

// Connection state recovery: a member whose transport drops keeps its seat for the window.
// Clients here do not reconnect by themselves, so each test decides when the drop ends
// (`connect()` again): no sleeps, and the window is the only clock.

let server: TestServer;

async function setUp(recoveryWindowMs: number) {
  server = await startServer({ clientLog: false, recoveryWindowMs });
}
afterEach(async () => {
  await server.close();
});

/** Kills `client`'s transport as a network failure would; the server sees `transport close`. */
async function dropNetwork(client: TestClient) {
  const gone = once(client, 'disconnect');
  client.io.engine.close();
  await gone;
}

/** Reconnects `client` after a drop; resolves once connected, with whether it recovered. */
async function reconnect(client: TestClient): Promise<boolean> {
  const back = once(client, 'connect');
  client.connect();
  await back;
  return client.recovered;
}

/** Names of the events `client` receives from now on (`log` aside). */
function names(client: TestClient): string[] {
  const seen: string[] = [];
  client.onAny((event: string) => {
    if (event !== 'log') seen.push(event);
  });
  return seen;
}

describe('a dropped connection that comes back within the window', () => {
  it('tells the other member reconnecting, not bye, and keeps the seat', async () => {
    await setUp(5000);
    const { alice, bob } = await server.pair('foo');
    const bobId = bob.id;
    const aliceSaw = names(alice);
    const reconnecting = once(alice, 'peer:reconnecting');
    await dropNetwork(bob);
    expect((await reconnecting)[0]).toBe('foo');
    expect(server.handle.rooms.members('foo')).toEqual([alice.id, bobId]);
    expect(server.handle.holds.size).toBe(1);
    expect(aliceSaw).not.toContain('bye');
  });

  it('gives the member its seat and id back, and tells the other member reconnected', async () => {
    await setUp(5000);
    const { alice, bob } = await server.pair('foo');
    const bobId = bob.id;
    const reconnecting = once(alice, 'peer:reconnecting');
    await dropNetwork(bob);
    await reconnecting;
    const reconnected = once(alice, 'peer:reconnected');
    expect(await reconnect(bob)).toBe(true);
    expect((await reconnected)[0]).toBe('foo');
    expect(bob.id).toBe(bobId);
    expect(server.handle.rooms.members('foo')).toEqual([alice.id, bobId]);
    expect(server.handle.holds.size).toBe(0);
  });

  it('relays both ways again after recovery', async () => {
    await setUp(5000);
    const { alice, bob } = await server.pair('foo');
    await dropNetwork(bob);
    await reconnect(bob);
    const atBob = once(bob, 'message');
    alice.emit('message', { type: 'offer', sdp: 'after' });
    expect((await atBob)[0]).toEqual({ type: 'offer', sdp: 'after' });
    const atAlice = once(alice, 'message');
    bob.emit('message', { type: 'answer', sdp: 'back' });
    expect((await atAlice)[0]).toEqual({ type: 'answer', sdp: 'back' });
  });

  it('replays to the recovered member what was relayed while it was away', async () => {
    await setUp(5000);
    const { alice, bob } = await server.pair('foo');
    const reconnecting = once(alice, 'peer:reconnecting');
    await dropNetwork(bob);
    await reconnecting;
    alice.emit('message', { type: 'candidate', candidate: 'while away' });
    // alice's own refused bye comes back after the relay was processed.
    const marker = once(alice, 'signaling:error');
    alice.emit('bye', 'not-my-room');
    await marker;
    const missed = once(bob, 'message');
    await reconnect(bob);
    expect((await missed)[0]).toEqual({ type: 'candidate', candidate: 'while away' });
  });
});

describe('a dropped connection that does not come back', () => {
  it('frees the seat and tells the other member bye when the window ends', async () => {
    await setUp(300);
    const { alice, bob } = await server.pair('foo');
    const bobId = bob.id;
    const reconnecting = once(alice, 'peer:reconnecting');
    const bye = once(alice, 'bye');
    await dropNetwork(bob);
    await reconnecting;
    expect(server.handle.rooms.members('foo')).toEqual([alice.id, bobId]);
    expect((await bye)[0]).toBe('foo');
    expect(server.handle.rooms.members('foo')).toEqual([alice.id]);
    expect(server.handle.holds.size).toBe(0);
  });

  it('does not hold the seat of a member that disconnected on purpose', async () => {
    await setUp(5000);
    const { alice, bob } = await server.pair('foo');
    const aliceSaw = names(alice);
    const bye = once(alice, 'bye');
    bob.disconnect();
    await bye;
    expect(aliceSaw).toEqual(['bye', 'room:update']);
    expect(server.handle.holds.size).toBe(0);
  });
});

describe('a held seat and a newcomer', () => {
  it('gives a held seat to a new tab (a reload), telling the stayer bye then join', async () => {
    await setUp(5000);
    const { alice, bob } = await server.pair('foo');
    const reconnecting = once(alice, 'peer:reconnecting');
    await dropNetwork(bob);
    await reconnecting;
    const aliceSaw = names(alice);
    const reloaded = await server.connect();
    const joined = once(reloaded, 'joined');
    const ready = once(alice, 'ready');
    reloaded.emit('create or join', 'foo');
    expect((await joined)[0]).toBe('foo');
    await ready;
    expect(aliceSaw.filter((name) => name !== 'room:update')).toEqual(['bye', 'join', 'ready']);
    expect(server.handle.rooms.members('foo')).toEqual([alice.id, reloaded.id]);
    expect(server.handle.holds.size).toBe(0);
  });

  it('tells a recovered member whose seat was taken that the room is full, never seating three', async () => {
    await setUp(5000);
    const { alice, bob } = await server.pair('foo');
    const reconnecting = once(alice, 'peer:reconnecting');
    await dropNetwork(bob);
    await reconnecting;
    const carol = await server.connect();
    const joined = once(carol, 'joined');
    carol.emit('create or join', 'foo');
    await joined;
    const full = once(bob, 'full');
    expect(await reconnect(bob)).toBe(true);
    expect((await full)[0]).toBe('foo');
    expect(server.handle.rooms.members('foo')).toEqual([alice.id, carol.id]);
    const refused = once<[SignalingError]>(bob, 'signaling:error');
    bob.emit('message', 'still here?');
    expect((await refused)[0]).toMatchObject({ event: 'message', code: 'not-in-room' });
  });

  it('relays nothing from a recovered member that lost its seat', async () => {
    await setUp(5000);
    const { alice, bob } = await server.pair('foo');
    await dropNetwork(bob);
    const carol = await server.connect();
    const joined = once(carol, 'joined');
    carol.emit('create or join', 'foo');
    await joined;
    const full = once(bob, 'full');
    await reconnect(bob);
    await full;
    const seen: unknown[] = [];
    alice.on('message', (payload) => seen.push(payload));
    bob.emit('message', 'intruder');
    const atAlice = once(alice, 'message');
    carol.emit('message', 'member');
    await atAlice;
    await waitFor(() => seen.length >= 1, 'the member message');
    expect(seen).toEqual(['member']);
  });
});

describe('how the connection ended', () => {
  /** A browser-like websocket client seated in `room` by hand-written Socket.IO packets. */
  async function rawMember(room: string): Promise<WebSocket> {
    const { ws, frames } = await rawSocketIo(server.url);
    ws.send(`42${JSON.stringify(['create or join', room])}`);
    await waitFor(() => frames.some((frame) => frame.startsWith('42["ready"')), 'ready');
    return ws;
  }

  it('frees the seat at once when a tab closes or reloads (websocket 1001 going away)', async () => {
    await setUp(5000);
    const alice = await server.connect();
    await joinAs(alice, 'foo');
    const tab = await rawMember('foo');
    const aliceSaw = names(alice);
    const bye = once(alice, 'bye');
    tab.close(1001);
    expect((await bye)[0]).toBe('foo');
    expect(aliceSaw).not.toContain('peer:reconnecting');
    expect(server.handle.rooms.members('foo')).toEqual([alice.id]);
  });

  it('holds the seat when the network fails (no close frame)', async () => {
    await setUp(5000);
    const alice = await server.connect();
    await joinAs(alice, 'foo');
    const tab = await rawMember('foo');
    const reconnecting = once(alice, 'peer:reconnecting');
    tab.terminate();
    expect((await reconnecting)[0]).toBe('foo');
    expect(server.handle.rooms.members('foo')).toHaveLength(2);
  });
});
