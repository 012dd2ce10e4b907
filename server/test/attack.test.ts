import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { SignalingError } from '../protocol/index.ts';
import {
  joinAs,
  metricValue,
  once,
  rawSocketIo,
  startServer,
  type TestClient,
  type TestServer,
  waitFor,
} from './helpers.ts';

// Bad input from a client, one kind per test. Each asserts what the attacker is told, that the
// room state and the metrics did not move, and that a healthy pair in another room still relays.

let server: TestServer;
let healthy: { alice: TestClient; bob: TestClient };

/** Emits any event with any arguments, as a hostile client would. */
function send(client: TestClient, event: string, ...args: unknown[]): void {
  (client as unknown as { emit(event: string, ...args: unknown[]): void }).emit(event, ...args);
}

/** What must not change when a request is refused. */
async function snapshot() {
  const { handle } = server;
  return {
    rooms: handle.rooms.size,
    healthy: handle.rooms.members('healthy'),
    held: handle.holds.size,
    joins: await metricValue(handle, 'signaling_joins_total'),
    full: await metricValue(handle, 'signaling_full_total'),
    relays: await metricValue(handle, 'signaling_relays_total'),
  };
}

/** The refusal of the marker request: `bye` with a boolean, which no attack below sends. */
function isMarker(error: SignalingError): boolean {
  return error.event === 'bye' && error.message.includes('got a boolean');
}

/**
 * Records the `signaling:error`s `client` gets until the answer to a marker request (`bye` with
 * a boolean, refused before anything else is looked at, so it changes nothing). Answers to one socket arrive in order, so the
 * list holds every refusal caused by what was sent before the marker.
 */
async function errorsUntilMarker(client: TestClient): Promise<SignalingError[]> {
  const errors: SignalingError[] = [];
  const done = new Promise<SignalingError[]>((resolve) => {
    const listener = (error: SignalingError) => {
      if (isMarker(error)) {
        client.off('signaling:error', listener);
        resolve(errors);
      } else errors.push(error);
    };
    client.on('signaling:error', listener);
  });
  send(client, 'bye', true);
  return done;
}

/** The healthy pair still relays both ways. */
async function expectHealthyPairRelays() {
  const atBob = once(healthy.bob, 'message');
  healthy.alice.emit('message', { type: 'offer', sdp: 'still here' });
  expect(await atBob).toEqual([{ type: 'offer', sdp: 'still here' }]);
  const atAlice = once(healthy.alice, 'message');
  healthy.bob.emit('message', 'and back');
  expect(await atAlice).toEqual(['and back']);
}

/**
 * Sends what `attack` sends from `attacker`, then asserts the attacker got exactly `expected`
 * (one `signaling:error` per refused request), nothing else changed, and the healthy pair works.
 */
async function expectRefused(
  attacker: TestClient,
  attack: () => void,
  expected: Pick<SignalingError, 'event' | 'code'>[],
) {
  const before = await snapshot();
  const rejectionsBefore = await metricValue(server.handle, 'signaling_rejections_total');
  attack();
  const errors = await errorsUntilMarker(attacker);
  expect(errors.map(({ event, code }) => ({ event, code }))).toEqual(expected);
  for (const error of errors) expect(error.message.length).toBeGreaterThan(10);
  expect(await snapshot()).toEqual(before);
  // The refusals and the marker's, counted by reason, and nothing else.
  expect(await metricValue(server.handle, 'signaling_rejections_total')).toBe(
    rejectionsBefore + expected.length + 1,
  );
  await expectHealthyPairRelays();
}

beforeEach(async () => {
  server = await startServer({ clientLog: false, exposeAddresses: false });
  healthy = await server.pair('healthy');
});
afterEach(async () => {
  await server.close();
});

describe('room names that are not names', () => {
  const badNames: [string, unknown][] = [
    ['nothing', undefined],
    ['null', null],
    ['a number', 42],
    ['a boolean', true],
    ['an object', { room: 'healthy' }],
    ['an array', ['healthy']],
    ['an empty string', ''],
    ['a 10,000-character string', 'a'.repeat(10_000)],
    ['65 characters', 'b'.repeat(65)],
    ['a NUL character', 'healthy\u0000'],
    ['a newline', 'healthy\nadmin'],
    ['an escape sequence', '\u001b[31mred'],
    ['a right-to-left override', '\u202Eyhtlaeh'],
    ['a zero-width joiner', 'heal\u200Dthy'],
    ['a lone combining mark', '\u0301'],
    ['a lone surrogate', 'a\uD800b'],
    ['a space', 'healthy room'],
    ['a path', '../healthy'],
    ['percent-encoding', 'healthy%00'],
    ['markup', '<img src=x onerror=alert(1)>'],
    ['the server-side room prefix', 'room:healthy'],
    ['an emoji', 'party🎉'],
  ];
  for (const [what, name] of badNames) {
    it(`refuses ${what} as a room name with invalid-room and changes nothing`, async () => {
      const mallory = await server.connect();
      await expectRefused(mallory, () => send(mallory, 'create or join', name), [
        { event: 'create or join', code: 'invalid-room' },
      ]);
    });
  }

  it('keeps a lookalike name (Cyrillic "а") a room of its own, apart from the Latin one', async () => {
    const mallory = await server.connect();
    const lookalike = 'he\u0430lthy';
    expect(await joinAs(mallory, lookalike)).toEqual([lookalike, mallory.id]);
    expect(server.handle.rooms.members('healthy')).toEqual([healthy.alice.id, healthy.bob.id]);
    const intruded: unknown[] = [];
    mallory.on('message', (payload) => intruded.push(payload));
    await expectHealthyPairRelays();
    expect(intruded).toEqual([]);
  });

  it('keeps a fullwidth lookalike name a room of its own (NFC does not fold width)', async () => {
    const mallory = await server.connect();
    const fullwidth = 'ｈｅａｌｔｈｙ';
    expect(await joinAs(mallory, fullwidth)).toEqual([fullwidth, mallory.id]);
    expect(server.handle.rooms.members('healthy')).toHaveLength(2);
    await expectHealthyPairRelays();
  });

  it('treats "__proto__" and "constructor" as plain room names, polluting nothing', async () => {
    const mallory = await server.connect();
    expect(await joinAs(mallory, '__proto__')).toEqual(['__proto__', mallory.id]);
    const trent = await server.connect();
    expect(await joinAs(trent, 'constructor')).toEqual(['constructor', trent.id]);
    expect(server.handle.rooms.members('__proto__')).toEqual([mallory.id]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    await expectHealthyPairRelays();
  });

  it('never lets a room named after a healthy socket id reach that socket', async () => {
    const mallory = await server.connect();
    const victim = healthy.alice.id as string;
    expect(await joinAs(mallory, victim)).toEqual([victim, mallory.id]);
    const accomplice = await server.connect();
    await joinAs(accomplice, victim, 'joined');
    const seen: unknown[] = [];
    healthy.alice.on('message', (payload) => seen.push(payload));
    const atAccomplice = once(accomplice, 'message');
    mallory.emit('message', 'for alice?');
    await atAccomplice;
    await expectHealthyPairRelays();
    expect(seen).toEqual(['and back']);
  });
});

describe('seats asked for twice', () => {
  it('refuses a second join of the same room with already-in-room', async () => {
    const mallory = await server.connect();
    await joinAs(mallory, 'mine');
    await expectRefused(mallory, () => mallory.emit('create or join', 'mine'), [
      { event: 'create or join', code: 'already-in-room' },
    ]);
  });

  it('refuses a join of another room while seated with already-in-room', async () => {
    const mallory = await server.connect();
    await joinAs(mallory, 'mine');
    await expectRefused(mallory, () => mallory.emit('create or join', 'healthy'), [
      { event: 'create or join', code: 'already-in-room' },
    ]);
  });

  it('refuses a join of the full healthy room with full, and relays nothing of the intruder', async () => {
    const mallory = await server.connect();
    expect(await joinAs(mallory, 'healthy', 'full')).toEqual(['healthy']);
    await expectRefused(mallory, () => mallory.emit('message', { type: 'offer', sdp: 'x' }), [
      { event: 'message', code: 'not-in-room' },
    ]);
  });

  it('seats exactly two of ten joiners racing for one room in the same tick', async () => {
    const racers = await Promise.all(Array.from({ length: 10 }, () => server.connect()));
    const answers = racers.map(
      (racer) =>
        new Promise<string>((resolve) => {
          for (const event of ['created', 'joined', 'full'] as const) {
            racer.once(event, () => resolve(event));
          }
        }),
    );
    for (const racer of racers) racer.emit('create or join', 'race');
    const outcomes = (await Promise.all(answers)).sort();
    expect(outcomes).toEqual(['created', ...Array(8).fill('full'), 'joined'].sort());
    expect(server.handle.rooms.members('race')).toHaveLength(2);
    await expectHealthyPairRelays();
  });
});

describe('messages that may not be relayed', () => {
  it('refuses a message before joining with not-in-room', async () => {
    const mallory = await server.connect();
    await expectRefused(mallory, () => mallory.emit('message', 'hello?'), [
      { event: 'message', code: 'not-in-room' },
    ]);
  });

  it('refuses a message with no payload with invalid-payload', async () => {
    const { alice: mallory } = await server.pair('mine');
    await expectRefused(mallory, () => send(mallory, 'message'), [
      { event: 'message', code: 'invalid-payload' },
    ]);
  });

  it('refuses a payload over 64 KiB of JSON with invalid-payload', async () => {
    const { alice: mallory, bob } = await server.pair('mine');
    const relayed: unknown[] = [];
    bob.on('message', (payload) => relayed.push(payload));
    await expectRefused(
      mallory,
      () => mallory.emit('message', { type: 'offer', sdp: 'v'.repeat(70_000) }),
      [{ event: 'message', code: 'invalid-payload' }],
    );
    expect(relayed).toEqual([]);
  });

  it('relays a 20 KB SDP offer, the size real offers reach', async () => {
    const { alice, bob } = await server.pair('mine');
    const offer = {
      type: 'offer',
      sdp: `v=0\r\n${'a=candidate:1 1 udp 1 10.0.0.1 9 typ host\r\n'.repeat(450)}`,
    };
    const atBob = once(bob, 'message');
    alice.emit('message', offer);
    expect(await atBob).toEqual([offer]);
  });

  it('refuses a payload nested deeper than 16 levels with invalid-payload', async () => {
    const { alice: mallory } = await server.pair('mine');
    let deep: unknown = 'core';
    for (let i = 0; i < 40; i++) deep = [deep];
    await expectRefused(mallory, () => send(mallory, 'message', deep), [
      { event: 'message', code: 'invalid-payload' },
    ]);
  });

  it('refuses a binary payload with invalid-payload', async () => {
    const { alice: mallory } = await server.pair('mine');
    await expectRefused(mallory, () => send(mallory, 'message', Buffer.alloc(1024)), [
      { event: 'message', code: 'invalid-payload' },
    ]);
  });

  it('relays a payload with a "__proto__" key unchanged and pollutes nothing', async () => {
    const { alice: mallory, bob } = await server.pair('mine');
    const hostile = JSON.parse('{"type":"offer","__proto__":{"polluted":true},"sdp":"x"}');
    const atBob = once<[Record<string, unknown>]>(bob, 'message');
    mallory.emit('message', hostile);
    const [relayed] = await atBob;
    expect(Object.keys(relayed)).toEqual(['type', '__proto__', 'sdp']);
    expect(Object.getOwnPropertyDescriptor(relayed, '__proto__')?.value).toEqual({
      polluted: true,
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await expectHealthyPairRelays();
  });

  it('closes the connection of a half-megabyte packet before parsing it, changing nothing', async () => {
    const { alice: mallory } = await server.pair('mine');
    const before = await snapshot();
    const gone = once<[string]>(mallory, 'disconnect');
    // Over the 128 KiB transport limit, under Socket.IO's own 1 MB default.
    mallory.emit('message', 'x'.repeat(500_000));
    expect((await gone)[0]).toBe('transport close');
    await waitFor(() => server.handle.rooms.members('mine').length === 1, 'the seat to free');
    expect((await snapshot()).healthy).toEqual(before.healthy);
    await expectHealthyPairRelays();
  });
});

describe('leaving and asking what is not there', () => {
  it('refuses bye without a room with not-in-room', async () => {
    const mallory = await server.connect();
    await expectRefused(mallory, () => mallory.emit('bye'), [
      { event: 'bye', code: 'not-in-room' },
    ]);
  });

  it('refuses bye naming the healthy room from outside it with not-in-room', async () => {
    const mallory = await server.connect();
    await expectRefused(mallory, () => mallory.emit('bye', 'healthy'), [
      { event: 'bye', code: 'not-in-room' },
    ]);
  });

  it('refuses bye with a number with invalid-room and keeps the seat', async () => {
    const { alice: mallory } = await server.pair('mine');
    await expectRefused(mallory, () => send(mallory, 'bye', 7), [
      { event: 'bye', code: 'invalid-room' },
    ]);
    expect(server.handle.rooms.members('mine')).toContain(mallory.id);
  });

  it('refuses bye with an object with invalid-room', async () => {
    const mallory = await server.connect();
    await expectRefused(mallory, () => send(mallory, 'bye', { room: 'healthy' }), [
      { event: 'bye', code: 'invalid-room' },
    ]);
  });

  it('refuses ipaddr with disabled when addresses are not exposed', async () => {
    const mallory = await server.connect();
    await expectRefused(mallory, () => mallory.emit('ipaddr'), [
      { event: 'ipaddr', code: 'disabled' },
    ]);
  });

  it('ignores unknown events, including names of Object.prototype members', async () => {
    const mallory = await server.connect();
    await expectRefused(mallory, () => {
      for (const event of ['admin:rooms', 'constructor', '__proto__', 'toString', 'join']) {
        send(mallory, event, 'healthy');
      }
    }, []);
  });
});

describe('floods', () => {
  /** How many requests were refused `rate-limited`, answered or not. */
  const rateLimited = () =>
    metricValue(server.handle, 'signaling_rejections_total', { reason: 'rate-limited' });

  it('relays a burst of messages, then refuses the flood, answering rate-limited once per window', async () => {
    const { alice: mallory, bob } = await server.pair('mine');
    let relayed = 0;
    bob.on('message', () => relayed++);
    let told = 0;
    mallory.on('signaling:error', (error) => {
      if (error.code === 'rate-limited') told++;
    });
    const before = await rateLimited();
    for (let i = 0; i < 300; i++)
      mallory.emit('message', { type: 'candidate', candidate: `c${i}` });
    await errorsUntilMarker(mallory);
    await waitFor(
      async () => relayed + (await rateLimited()) - before === 300,
      'every message to be relayed or refused',
    );
    // The burst is 100; a few more may pass as tokens refill at 20/s while the flood arrives.
    expect(relayed).toBeGreaterThanOrEqual(100);
    expect(relayed).toBeLessThan(110);
    // Refused about 200 times in well under a second, told once or (across a window) twice.
    expect(told).toBeGreaterThanOrEqual(1);
    expect(told).toBeLessThanOrEqual(2);
    await expectHealthyPairRelays();
  });

  it('refuses join spam across many rooms: one seat, then already-in-room, then rate-limited', async () => {
    const mallory = await server.connect();
    const before = server.handle.rooms.size;
    const limitedBefore = await rateLimited();
    const codes: string[] = [];
    mallory.on('signaling:error', (error) => codes.push(error.code));
    const created = once(mallory, 'created');
    for (let i = 0; i < 200; i++) mallory.emit('create or join', `spam-${i}`);
    await created;
    await waitFor(
      async () =>
        codes.filter((code) => code === 'already-in-room').length +
          (await rateLimited()) -
          limitedBefore >=
        199,
      'every join to be refused',
    );
    expect(server.handle.rooms.size).toBe(before + 1);
    expect(codes.filter((code) => code === 'already-in-room').length).toBeLessThanOrEqual(10);
    expect((await rateLimited()) - limitedBefore).toBeGreaterThanOrEqual(185);
    expect(codes.filter((code) => code === 'rate-limited').length).toBeLessThanOrEqual(2);
    await expectHealthyPairRelays();
  });

  it('bounds join-and-leave churn by the join bucket', async () => {
    const mallory = await server.connect();
    let seats = 0;
    mallory.on('created', () => seats++);
    const before = await rateLimited();
    for (let i = 0; i < 100; i++) {
      mallory.emit('create or join', `churn-${i}`);
      mallory.emit('bye');
    }
    await waitFor(
      async () => (await rateLimited()) - before >= 180,
      'the churn to be rate-limited',
    );
    expect(seats).toBeLessThanOrEqual(6);
    await expectHealthyPairRelays();
  });
});

describe('raw Engine.IO and Socket.IO packets', () => {
  /** A websocket that has completed the Engine.IO and Socket.IO handshakes by hand. */
  async function rawClient(): Promise<WebSocket> {
    return (await rawSocketIo(server.url)).ws;
  }

  function closed(ws: WebSocket): Promise<void> {
    if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => ws.once('close', () => resolve()));
  }

  const malformed: [string, string | Buffer][] = [
    ['a truncated event', '42["create or join"'],
    ['an event that is an object', '42{"create or join":"x"}'],
    ['an event with no name', '42[]'],
    ['an event named null', '42[null,"x"]'],
    ['the reserved event "disconnect"', '42["disconnect","transport close"]'],
    ['the reserved event "disconnecting"', '42["disconnecting"]'],
    ['an unknown Socket.IO packet type', '49["x"]'],
    ['an unknown Engine.IO packet type', '9hello'],
    ['a binary frame where text is expected', Buffer.from([0xff, 0x00, 0x13, 0x37])],
    [
      'a binary event with attachments that never come',
      '451-["message",{"_placeholder":true,"num":0}]4',
    ],
  ];
  for (const [what, frame] of malformed) {
    it(`drops the connection that sends ${what}, and nothing else changes`, async () => {
      const before = await snapshot();
      const ws = await rawClient();
      const gone = closed(ws);
      ws.send(frame);
      await gone;
      expect(await snapshot()).toEqual(before);
      await expectHealthyPairRelays();
      await waitFor(() => server.handle.io.of('/').sockets.size === 2, 'the raw socket to go');
    });
  }

  it('refuses a connect to an unknown namespace and keeps serving', async () => {
    const ws = await rawClient();
    const frames: string[] = [];
    ws.on('message', (data) => frames.push(String(data)));
    ws.send('40/admin,');
    await waitFor(() => frames.some((frame) => frame.startsWith('44/admin,')), 'the refusal');
    expect(frames.find((frame) => frame.startsWith('44/admin,'))).toContain('Invalid namespace');
    ws.close();
    await expectHealthyPairRelays();
  });
});
