import { networkInterfaces } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SignalingOptions } from '../index.ts';
import type { SignalingError } from '../protocol/index.ts';
import { joinAs, once, record, startServer, type TestClient, type TestServer } from './helpers.ts';

let server: TestServer;

async function setUp(options?: SignalingOptions, host?: string) {
  server = await startServer(options, host);
}
afterEach(async () => {
  await server.close();
});

/**
 * Resolves with every `message` `to` received before `marker`, sent by `from` after the
 * refused request was answered: relays reach one socket in order, so anything wrongly relayed
 * earlier would be listed.
 */
async function messagesBefore(from: TestClient, to: TestClient, marker = 'marker') {
  const seen: unknown[] = [];
  const done = new Promise<unknown[]>((resolve) => {
    const listener = (payload: unknown) => {
      if (payload === marker) {
        to.off('message', listener);
        resolve(seen);
      } else seen.push(payload);
    };
    to.on('message', listener);
  });
  from.emit('message', marker);
  return done;
}

describe('the codelab event sequence', () => {
  beforeEach(() => setUp());

  it('tells the first tab it created the room, with its socket id', async () => {
    const alice = await server.connect();
    const events = record(alice);
    const [room, id] = await joinAs(alice, 'foo', 'created');
    expect([room, id]).toEqual(['foo', alice.id]);
    expect(events).toEqual([['created', 'foo', alice.id]]);
  });

  it('tells the first tab join then ready, and the second joined then ready', async () => {
    const alice = await server.connect();
    await joinAs(alice, 'foo');
    const aliceEvents = record(alice);
    const bob = await server.connect();
    const bobEvents = record(bob);
    const ready = Promise.all([once(alice, 'ready'), once(bob, 'ready')]);
    bob.emit('create or join', 'foo');
    await ready;
    expect(aliceEvents).toEqual([['join', 'foo'], ['ready']]);
    expect(bobEvents).toEqual([['joined', 'foo', bob.id], ['ready']]);
  });

  it('tells a third tab the room is full and tells the members nothing', async () => {
    const { alice, bob } = await server.pair('foo');
    const aliceEvents = record(alice);
    const bobEvents = record(bob);
    const carol = await server.connect();
    const carolEvents = record(carol, { all: true });
    const [room] = await joinAs(carol, 'foo', 'full');
    expect(room).toBe('foo');
    // Its next answer comes after anything else the seat request made: nothing but `full`.
    const refused = once(carol, 'signaling:error');
    carol.emit('bye');
    await refused;
    expect(carolEvents.map(([name]) => name)).toEqual(['full', 'signaling:error']);
    expect(await messagesBefore(alice, bob)).toEqual([]);
    expect(aliceEvents).toEqual([]);
    expect(bobEvents).toEqual([['message', 'marker']]);
    expect(server.handle.rooms.members('foo')).toEqual([alice.id, bob.id]);
  });

  it('tells the members how many seats are taken after each change', async () => {
    const alice = await server.connect();
    const events = record(alice, { all: true });
    await joinAs(alice, 'foo');
    const bob = await server.connect();
    const full = once(alice, 'room:update');
    await joinAs(bob, 'foo', 'joined');
    await full;
    const left = once(alice, 'room:update');
    bob.emit('bye');
    await left;
    expect(events.filter(([name]) => name === 'room:update')).toEqual([
      ['room:update', { room: 'foo', members: 1, capacity: 2 }],
      ['room:update', { room: 'foo', members: 2, capacity: 2 }],
      ['room:update', { room: 'foo', members: 1, capacity: 2 }],
    ]);
  });

  it('mirrors its log lines to the client that caused them', async () => {
    const alice = await server.connect();
    const lines: unknown[][] = [];
    alice.on('log', (parts) => lines.push(parts));
    await joinAs(alice, 'foo');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line[0]).toBe('Message from server:');
    expect(lines.flat().join(' ')).toContain(`Client ID ${alice.id} created room foo`);
  });

  it('serves the Socket.IO client script that codelab pages load', async () => {
    const response = await fetch(`${server.url}/socket.io/socket.io.js`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Socket.IO');
  });
});

describe('relaying messages', () => {
  beforeEach(() => setUp());

  it('relays offers, candidates and strings unchanged to the other member, both ways', async () => {
    const { alice, bob } = await server.pair('foo');
    const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
    const candidate = { type: 'candidate', label: 0, id: '0', candidate: 'candidate:1 1 udp' };
    const atBob = once(bob, 'message');
    alice.emit('message', offer);
    expect(await atBob).toEqual([offer]);
    const atAlice = once(alice, 'message');
    bob.emit('message', candidate);
    expect(await atAlice).toEqual([candidate]);
    const bye = once(bob, 'message');
    alice.emit('message', 'got user media');
    expect(await bye).toEqual(['got user media']);
  });

  it('never echoes a message back to its sender', async () => {
    const { alice, bob } = await server.pair('foo');
    const aliceMessages: unknown[] = [];
    alice.on('message', (payload) => aliceMessages.push(payload));
    alice.emit('message', 'hello');
    await once(bob, 'message');
    // bob's reply reaches alice after anything the server sent her for her own message.
    expect(await messagesBefore(bob, alice)).toEqual([]);
    expect(aliceMessages).toEqual(['marker']);
  });

  it('keeps two rooms apart: no message crosses between them', async () => {
    const foo = await server.pair('foo');
    const bar = await server.pair('bar');
    foo.alice.emit('message', { type: 'offer', sdp: 'foo' });
    bar.alice.emit('message', { type: 'offer', sdp: 'bar' });
    expect(await messagesBefore(foo.alice, foo.bob)).toEqual([{ type: 'offer', sdp: 'foo' }]);
    expect(await messagesBefore(bar.alice, bar.bob)).toEqual([{ type: 'offer', sdp: 'bar' }]);
    expect(await messagesBefore(foo.bob, foo.alice)).toEqual([]);
    expect(await messagesBefore(bar.bob, bar.alice)).toEqual([]);
  });

  it('relays nothing from a tab that was told full, and tells it why', async () => {
    const { alice, bob } = await server.pair('foo');
    const carol = await server.connect();
    await joinAs(carol, 'foo', 'full');
    const error = once<[SignalingError]>(carol, 'signaling:error');
    carol.emit('message', { type: 'offer', sdp: 'intruder' });
    expect((await error)[0]).toMatchObject({ event: 'message', code: 'not-in-room' });
    expect(await messagesBefore(alice, bob)).toEqual([]);
    expect(await messagesBefore(bob, alice)).toEqual([]);
  });

  it('refuses a message from a tab with no room', async () => {
    const alice = await server.connect();
    const error = once<[SignalingError]>(alice, 'signaling:error');
    alice.emit('message', 'hello');
    expect((await error)[0]).toMatchObject({ event: 'message', code: 'not-in-room' });
  });

  it('never lets a room named after a socket id reach that socket', async () => {
    const alice = await server.connect();
    const { alice: mallory, bob: accomplice } = await server.pair(alice.id as string);
    const aliceMessages: unknown[] = [];
    alice.on('message', (payload) => aliceMessages.push(payload));
    mallory.emit('message', 'for alice?');
    await once(accomplice, 'message');
    await joinAs(alice, 'elsewhere');
    expect(aliceMessages).toEqual([]);
  });
});

describe('leaving a room', () => {
  beforeEach(() => setUp());

  it('frees the seat on bye and tells the other member', async () => {
    const { alice, bob } = await server.pair('foo');
    const bye = once(alice, 'bye');
    bob.emit('bye', 'foo');
    expect(await bye).toEqual(['foo']);
    expect(server.handle.rooms.members('foo')).toEqual([alice.id]);
  });

  it('lets a new tab take a freed seat, with the stayer as first member again', async () => {
    const { alice, bob } = await server.pair('foo');
    const bye = once(alice, 'bye');
    bob.emit('bye');
    await bye;
    const aliceEvents = record(alice);
    const carol = await server.connect();
    const ready = once(alice, 'ready');
    const [room, id] = await joinAs(carol, 'foo', 'joined');
    await ready;
    expect([room, id]).toEqual(['foo', carol.id]);
    expect(aliceEvents).toEqual([['join', 'foo'], ['ready']]);
  });

  it('frees the seat on disconnect and tells the other member', async () => {
    const { alice, bob } = await server.pair('foo');
    const bye = once(alice, 'bye');
    bob.disconnect();
    expect(await bye).toEqual(['foo']);
    expect(server.handle.rooms.members('foo')).toEqual([alice.id]);
  });

  it('gives a reloaded tab its seat back', async () => {
    const { alice, bob } = await server.pair('foo');
    const bye = once(alice, 'bye');
    bob.disconnect();
    await bye;
    const reloaded = await server.connect();
    expect(await joinAs(reloaded, 'foo', 'joined')).toEqual(['foo', reloaded.id]);
  });

  it('drops a room when its last member leaves', async () => {
    const alice = await server.connect();
    await joinAs(alice, 'foo');
    alice.emit('bye');
    const bob = await server.connect();
    expect(await joinAs(bob, 'foo', 'created')).toEqual(['foo', bob.id]);
  });

  it('refuses bye from a tab with no seat', async () => {
    const alice = await server.connect();
    const error = once<[SignalingError]>(alice, 'signaling:error');
    alice.emit('bye', 'foo');
    expect((await error)[0]).toMatchObject({ event: 'bye', code: 'not-in-room' });
  });

  it('refuses bye naming a room the tab does not sit in, and keeps its seat', async () => {
    const { alice, bob } = await server.pair('foo');
    const error = once<[SignalingError]>(bob, 'signaling:error');
    bob.emit('bye', 'bar');
    expect((await error)[0]).toMatchObject({ event: 'bye', code: 'not-in-room' });
    expect(server.handle.rooms.members('foo')).toEqual([alice.id, bob.id]);
  });
});

describe('room names and seats', () => {
  beforeEach(() => setUp());

  const badNames: [string, unknown][] = [
    ['null', null],
    ['a number', 42],
    ['an object', { room: 'foo' }],
    ['an array', ['foo']],
    ['an empty string', ''],
    ['65 characters', 'a'.repeat(65)],
    ['a space', 'my room'],
    ['a slash', 'a/b'],
    ['a control character', 'foo\u0000'],
    ['an emoji', 'party🎉'],
  ];

  for (const [what, name] of badNames) {
    it(`refuses ${what} as a room name with a clear error, changing nothing`, async () => {
      const { alice, bob } = await server.pair('foo');
      const carol = await server.connect();
      const error = once<[SignalingError]>(carol, 'signaling:error');
      carol.emit('create or join', name as string);
      const [body] = await error;
      expect(body).toMatchObject({ event: 'create or join', code: 'invalid-room' });
      expect(body.message).toMatch(/room name/);
      expect(server.handle.rooms.size).toBe(1);
      expect(server.handle.rooms.members('foo')).toEqual([alice.id, bob.id]);
      const relayed = once(bob, 'message');
      alice.emit('message', 'still here');
      expect(await relayed).toEqual(['still here']);
    });
  }

  it('accepts letters and digits of any script, and keeps case', async () => {
    for (const name of ['Foo', 'комната-1', '会议室_2', 'नमस्ते', 'a.b', 'x'.repeat(64)]) {
      const client = await server.connect();
      expect(await joinAs(client, name, 'created')).toEqual([name, client.id]);
    }
  });

  it('treats a name and its NFC form as one room', async () => {
    const alice = await server.connect();
    await joinAs(alice, 'cafe\u0301', 'created');
    const bob = await server.connect();
    expect(await joinAs(bob, 'café', 'joined')).toEqual(['café', bob.id]);
  });

  it('refuses a second room to a tab that already has a seat', async () => {
    const alice = await server.connect();
    await joinAs(alice, 'foo');
    const error = once<[SignalingError]>(alice, 'signaling:error');
    alice.emit('create or join', 'bar');
    expect((await error)[0]).toMatchObject({ code: 'already-in-room' });
    expect(server.handle.rooms.members('bar')).toEqual([]);
  });
});

describe('options', () => {
  it('holds as many members as roomCapacity says', async () => {
    await setUp({ roomCapacity: 3 });
    const { alice } = await server.pair('foo');
    const carol = await server.connect();
    const joined = once(alice, 'join');
    expect(await joinAs(carol, 'foo', 'joined')).toEqual(['foo', carol.id]);
    await joined;
    const dave = await server.connect();
    expect(await joinAs(dave, 'foo', 'full')).toEqual(['foo']);
  });

  it('sends no log lines when clientLog is off', async () => {
    await setUp({ clientLog: false });
    const alice = await server.connect();
    const events = record(alice);
    let logs = 0;
    alice.on('log', () => logs++);
    await joinAs(alice, 'foo');
    alice.emit('bye');
    alice.emit('bye');
    await once(alice, 'signaling:error');
    expect(logs).toBe(0);
    expect(events.map(([name]) => name)).toEqual(['created', 'signaling:error']);
  });

  /** The addresses `ipaddr` answers, up to a refused `bye` that follows them in order. */
  async function askAddresses(): Promise<string[]> {
    const alice = await server.connect();
    const addresses: string[] = [];
    alice.on('ipaddr', (address) => addresses.push(address));
    alice.emit('ipaddr');
    alice.emit('bye');
    await once(alice, 'signaling:error');
    return addresses;
  }

  it('answers ipaddr with each non-loopback IPv4 address when it listens on all of them', async () => {
    await setUp({}, '0.0.0.0');
    const addresses = await askAddresses();
    const expected = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i?.family === 'IPv4' && !i.internal)
      .map((i) => i?.address);
    expect(addresses).toEqual(expected);
    expect(addresses).not.toContain('127.0.0.1');
  });

  it('answers ipaddr with no address while it listens on loopback alone (no dead links)', async () => {
    await setUp({}, '127.0.0.1');
    expect(await askAddresses()).toEqual([]);
  });

  it('refuses ipaddr when exposeAddresses is off', async () => {
    await setUp({ exposeAddresses: false });
    const alice = await server.connect();
    const error = once<[SignalingError]>(alice, 'signaling:error');
    alice.emit('ipaddr');
    expect((await error)[0]).toMatchObject({ event: 'ipaddr', code: 'disabled' });
  });

  it('leaves the http server open when the signaling closes', async () => {
    await setUp();
    const alice = await server.connect();
    const gone = once(alice, 'disconnect');
    await server.handle.close();
    await gone;
    const response = await fetch(`${server.url}/anything`);
    expect(response.status).toBe(404);
  });
});
