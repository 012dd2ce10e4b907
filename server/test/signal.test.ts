import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RoomMembers, SignalDelivery, SignalingError } from '../protocol/index.ts';
import {
  joinAs,
  once,
  record,
  startServer,
  type TestClient,
  type TestServer,
  waitFor,
} from './helpers.ts';

let server: TestServer;

beforeEach(async () => {
  server = await startServer({ roomCapacity: 4 });
});
afterEach(async () => {
  await server.close();
});

/** `N` clients, as a tuple so that destructuring needs no checks. */
type Clients<N extends number, T extends TestClient[] = []> = T['length'] extends N
  ? T
  : Clients<N, [...T, TestClient]>;

/** Seats clients one after the other in `room`; resolves once the last one's members are known. */
async function seatAll<N extends number>(room: string, count: N): Promise<Clients<N>> {
  const clients: TestClient[] = [];
  for (let index = 0; index < count; index++) {
    const client = await server.connect();
    const members = once<[RoomMembers]>(client, 'room:members');
    client.emit('create or join', room);
    await members;
    clients.push(client);
  }
  return clients as Clients<N>;
}

/** Resolves with the next `signaling:error` of `client`. */
async function refusal(client: TestClient): Promise<SignalingError> {
  const [error] = await once<[SignalingError]>(client, 'signaling:error');
  return error;
}

describe('addressed signaling in a room of four', () => {
  it('tells every member who sits in the room, before ready, after each join and leave', async () => {
    const [alice] = await seatAll('mesh', 1);
    const events = record(alice, { all: true });
    const [bob] = await seatAll('mesh', 1);
    const carol = await server.connect();
    const ready = once(carol, 'ready');
    carol.emit('create or join', 'mesh');
    await ready;
    const left = waitFor(
      () =>
        events.length > 0 &&
        events.at(-1)?.[0] === 'room:update' &&
        events.filter(([n]) => n === 'peer:left').length === 1,
      'the leave announced',
    );
    bob.emit('bye');
    await left;
    const names = events.map(([name]) => name);
    expect(names.indexOf('room:members')).toBeLessThan(names.indexOf('ready'));
    expect(events.filter(([name]) => name === 'room:members' || name === 'peer:left')).toEqual([
      ['room:members', { room: 'mesh', members: [alice.id, bob.id], capacity: 4 }],
      ['room:members', { room: 'mesh', members: [alice.id, bob.id, carol.id], capacity: 4 }],
      ['peer:left', { room: 'mesh', id: bob.id }],
      ['room:members', { room: 'mesh', members: [alice.id, carol.id], capacity: 4 }],
    ]);
  });

  it('relays an addressed signal to its target only, with the sender as from', async () => {
    const [alice, bob, carol, dave] = await seatAll('mesh', 4);
    const carolHears = record(carol, { all: true });
    const daveHears = record(dave, { all: true });
    const offer = { type: 'offer', sdp: 'v=0\r\n' };
    const atBob = once<[SignalDelivery]>(bob, 'signal');
    alice.emit('signal', { to: bob.id as string, data: offer });
    expect(await atBob).toEqual([{ from: alice.id, data: offer }]);
    // A marker to carol and dave after the offer: relays reach a socket in order.
    const markers = Promise.all([once(carol, 'signal'), once(dave, 'signal')]);
    alice.emit('signal', { to: carol.id as string, data: 'marker' });
    alice.emit('signal', { to: dave.id as string, data: 'marker' });
    await markers;
    const signals = (events: unknown[][]) => events.filter(([name]) => name === 'signal');
    expect(signals(carolHears)).toEqual([['signal', { from: alice.id, data: 'marker' }]]);
    expect(signals(daveHears)).toEqual([['signal', { from: alice.id, data: 'marker' }]]);
  });

  it('sets from itself, so a forged from is ignored', async () => {
    const [alice, bob, carol] = await seatAll('mesh', 3);
    const atBob = once<[SignalDelivery]>(bob, 'signal');
    (alice.emit as (...args: unknown[]) => void)('signal', {
      to: bob.id,
      from: carol.id,
      data: 'hello',
    });
    expect(await atBob).toEqual([{ from: alice.id, data: 'hello' }]);
  });

  it('refuses a target outside the sender room, and relays nothing to it', async () => {
    const [alice] = await seatAll('mesh', 2);
    const [stranger] = await seatAll('elsewhere', 1);
    const strangerHears = record(stranger, { all: true });
    const refused = refusal(alice);
    alice.emit('signal', { to: stranger.id as string, data: 'psst' });
    expect(await refused).toMatchObject({ event: 'signal', code: 'invalid-target' });
    // A room's namespaced key is no member either.
    const again = refusal(alice);
    alice.emit('signal', { to: 'room:elsewhere', data: 'psst' });
    expect(await again).toMatchObject({ event: 'signal', code: 'invalid-target' });
    expect(strangerHears.filter(([name]) => name === 'signal')).toEqual([]);
  });

  it('refuses a signal to oneself, from a tab without a seat, and malformed ones', async () => {
    const [alice] = await seatAll('mesh', 1);
    const self = refusal(alice);
    alice.emit('signal', { to: alice.id as string, data: 'me' });
    expect(await self).toMatchObject({ code: 'invalid-target' });
    const loner = await server.connect();
    const unseated = refusal(loner);
    loner.emit('signal', { to: alice.id as string, data: 'hi' });
    expect(await unseated).toMatchObject({ event: 'signal', code: 'not-in-room' });
    for (const bad of [
      null,
      'x',
      { to: 42, data: 1 },
      { to: '', data: 1 },
      { to: 'a'.repeat(65) },
    ]) {
      const refused = refusal(alice);
      (alice.emit as (...args: unknown[]) => void)('signal', bad);
      expect(await refused, JSON.stringify(bad)).toMatchObject({ code: 'invalid-payload' });
    }
    const big = refusal(alice);
    alice.emit('signal', { to: 'x', data: 'a'.repeat(70 * 1024) });
    expect(await big).toMatchObject({ code: 'invalid-payload' });
  });

  it('refuses a target that has left the room', async () => {
    const [alice, bob] = await seatAll('mesh', 2);
    const left = once(alice, 'peer:left');
    bob.emit('bye');
    await left;
    const refused = refusal(alice);
    alice.emit('signal', { to: bob.id as string, data: 'still there?' });
    expect(await refused).toMatchObject({ code: 'invalid-target' });
  });

  it('tells a fifth tab the room is full, then how many it holds', async () => {
    await seatAll('mesh', 4);
    const eve = await server.connect();
    const events = record(eve, { all: true });
    const update = once(eve, 'room:update');
    expect(await joinAs(eve, 'mesh', 'full')).toEqual(['mesh']);
    await update;
    expect(events).toEqual([
      ['full', 'mesh'],
      ['room:update', { room: 'mesh', members: 4, capacity: 4 }],
    ]);
  });
});
