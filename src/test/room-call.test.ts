import type { ReactiveControllerHost } from 'lit';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RoomCall } from '../call/room-call.ts';
import { FakePeerConnection, FakeSignaling } from './fake-peer-connection.ts';

/** A room call on fake signaling, its host counting updates. */
function roomCall(self: string | null, capacity: number) {
  const signaling = new FakeSignaling();
  signaling.socketId = self;
  signaling.capacity = capacity;
  const host: ReactiveControllerHost = {
    addController: () => {},
    removeController: () => {},
    requestUpdate: () => {},
    updateComplete: Promise.resolve(true),
  };
  const call = new RoomCall(host, signaling, {
    limits: { max: 3, graceMs: 2000, backoffMs: 2000, attemptMs: 15_000 },
  });
  call.hostConnected();
  return { call, signaling };
}

/** Lets the fake's queued `negotiationneeded` and the call's promise chains run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

const offerFrom = (ufrag = 'x1') => ({ type: 'offer', sdp: `v=0\r\na=ice-ufrag:${ufrag}\r\n` });
const answerFrom = (ufrag = 'x1') => ({ type: 'answer', sdp: `v=0\r\na=ice-ufrag:${ufrag}\r\n` });

/** The peer connection the call made last for `count` made so far. */
const pcs = () => FakePeerConnection.made;

beforeEach(() => {
  FakePeerConnection.made = [];
  vi.stubGlobal('RTCPeerConnection', FakePeerConnection);
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('a group call (capacity 4): one peer per other member', () => {
  it('opens a link to each member with a larger id at once and offers it by `signal`', async () => {
    const { call, signaling } = roomCall('m', 4);
    signaling.emit({ type: 'seat', seat: 'joined', room: 'r' });
    signaling.emit({ type: 'members', ids: ['a', 'm', 'x', 'z'] });
    await settle();
    // m is polite towards x and z (the smaller id starts); a starts towards m.
    expect(call.peers.map((p) => [p.id, p.polite, p.state])).toEqual([
      ['x', true, 'connecting'],
      ['z', true, 'connecting'],
    ]);
    const offers = signaling.sent.filter((s) => (s.data as { type?: string }).type === 'offer');
    expect(offers.map((s) => s.to).sort()).toEqual(['x', 'z']);
    // a's offer opens the third link, impolite, and is answered to a only.
    signaling.emit({ type: 'signal', from: 'a', data: offerFrom() });
    await settle();
    expect(call.peers.map((p) => [p.id, p.polite])).toEqual([
      ['a', false],
      ['x', true],
      ['z', true],
    ]);
    expect(signaling.sent.at(-1)).toMatchObject({ to: 'a', data: { type: 'answer' } });
    expect(pcs()).toHaveLength(3);
  });

  it('closes only the link of a member who leaves, or who is gone from the list without a bye', async () => {
    const { call, signaling } = roomCall('m', 4);
    signaling.emit({ type: 'seat', seat: 'created', room: 'r' });
    signaling.emit({ type: 'members', ids: ['m', 'x', 'y', 'z'] });
    await settle();
    const [x, y, z] = pcs();
    signaling.emit({ type: 'peer-left', id: 'x' });
    expect(x?.closed).toBe(true);
    expect(call.peers.map((p) => p.id)).toEqual(['y', 'z']);
    // The member list lost y (its process was swept): its link closes, z's stays.
    signaling.emit({ type: 'members', ids: ['m', 'z'] });
    expect(y?.closed).toBe(true);
    expect(z?.closed).toBe(false);
    expect(call.peers.map((p) => p.id)).toEqual(['z']);
  });

  it('a reload (a new id in place of the old) closes the old link and opens the new one', async () => {
    const { call, signaling } = roomCall('m', 4);
    signaling.emit({ type: 'seat', seat: 'created', room: 'r' });
    signaling.emit({ type: 'members', ids: ['m', 'x'] });
    await settle();
    const [old] = pcs();
    signaling.emit({ type: 'members', ids: ['m', 'x2'] });
    await settle();
    expect(old?.closed).toBe(true);
    expect(call.peers.map((p) => p.id)).toEqual(['x2']);
    expect(pcs()).toHaveLength(2);
    expect(signaling.sent.at(-1)).toMatchObject({ to: 'x2', data: { type: 'offer' } });
  });

  it('the polite side of each link reports its outcome once, when it ends; the other side never', async () => {
    const { signaling } = roomCall('m', 4);
    signaling.emit({ type: 'seat', seat: 'joined', room: 'r' });
    signaling.emit({ type: 'members', ids: ['a', 'm', 'x'] });
    signaling.emit({ type: 'signal', from: 'a', data: offerFrom() });
    await settle();
    // m is polite towards x (it started that link), impolite towards a.
    for (const pc of pcs()) pc.setIce('connected');
    signaling.emit({ type: 'peer-left', id: 'x' });
    signaling.emit({ type: 'peer-left', id: 'a' });
    expect(signaling.outcomes).toEqual([
      { outcome: 'connected', setupMs: expect.any(Number), restarts: 0, ended: 'peer-left' },
    ]);
  });

  it('keeps an offer that arrives before the member list names its sender, then answers it', async () => {
    const { call, signaling } = roomCall('m', 4);
    signaling.emit({ type: 'seat', seat: 'joined', room: 'r' });
    signaling.emit({ type: 'members', ids: ['m'] });
    signaling.emit({ type: 'signal', from: 'a', data: offerFrom() });
    await settle();
    expect(call.peers).toEqual([]);
    expect(pcs()).toHaveLength(0);
    signaling.emit({ type: 'members', ids: ['a', 'm'] });
    await settle();
    expect(call.peers.map((p) => [p.id, p.polite])).toEqual([['a', false]]);
    expect(signaling.sent.at(-1)).toMatchObject({ to: 'a', data: { type: 'answer' } });
  });

  it('ignores stray candidates of a link it does not have', async () => {
    const { call, signaling } = roomCall('m', 4);
    signaling.emit({ type: 'seat', seat: 'joined', room: 'r' });
    signaling.emit({ type: 'members', ids: ['a', 'm'] });
    signaling.emit({
      type: 'signal',
      from: 'a',
      data: { type: 'candidate', label: 0, id: '0', candidate: 'candidate:1 1 udp 1 h 9 typ host' },
    });
    await settle();
    expect(call.peers).toEqual([]);
  });
});

describe('names', () => {
  it('a display name given after a link opened shows on its view, in a group and in a pair', async () => {
    const group = roomCall('m', 4);
    group.signaling.emit({ type: 'seat', seat: 'created', room: 'r' });
    group.signaling.emit({ type: 'members', ids: ['m', 'x'] });
    await settle();
    expect(group.call.peers.map((p) => p.name)).toEqual(['x']);
    group.signaling.names = { m: 'Me', x: 'Ada Lovelace' };
    group.signaling.emit({ type: 'names' });
    expect(group.call.peers.map((p) => [p.name, p.displayName])).toEqual([
      ['Ada Lovelace', 'Ada Lovelace'],
    ]);

    const pair = roomCall('m', 2);
    pair.signaling.emit({ type: 'seat', seat: 'created', room: 'r' });
    pair.signaling.emit({ type: 'ready' });
    await settle();
    expect(pair.call.peers.map((p) => p.name)).toEqual(['Them']);
    pair.signaling.names = { m: 'Me', y: 'Grace Hopper' };
    pair.signaling.emit({ type: 'names' });
    expect(pair.call.peers.map((p) => p.name)).toEqual(['Grace Hopper']);
  });
});

describe('a room of two: the codelab relay', () => {
  it('the first member offers by `message` on ready; bye ends; the other leaving waits again', async () => {
    const { call, signaling } = roomCall('m', 2);
    signaling.emit({ type: 'seat', seat: 'created', room: 'r' });
    expect(call.state).toBe('waiting');
    signaling.emit({ type: 'join' });
    signaling.emit({ type: 'ready' });
    await settle();
    expect(call.state).toBe('connecting');
    expect(signaling.sent).toEqual([{ to: '*', data: expect.objectContaining({ type: 'offer' }) }]);
    signaling.emit({ type: 'message', payload: answerFrom() });
    await settle();
    pcs()[0]?.setIce('connected');
    expect(call.state).toBe('connected');

    signaling.emit({ type: 'message', payload: 'bye' });
    expect(call.state).toBe('ended');
    expect(call.endedBy).toBe('peer');
    expect(pcs()[0]?.closed).toBe(true);

    signaling.emit({ type: 'peer-left', id: null });
    expect(call.state).toBe('waiting');
    expect(call.peers).toEqual([]);
  });

  it('the second member waits for the offer, answers it, and a reload (ready again) starts afresh', async () => {
    const { call, signaling } = roomCall('m', 2);
    signaling.emit({ type: 'seat', seat: 'joined', room: 'r' });
    signaling.emit({ type: 'ready' });
    await settle();
    expect(call.state).toBe('connecting');
    expect(pcs()).toHaveLength(0);
    signaling.emit({ type: 'message', payload: offerFrom() });
    await settle();
    expect(call.polite).toBe(true);
    expect(signaling.sent.at(-1)).toEqual({
      to: '*',
      data: expect.objectContaining({ type: 'answer' }),
    });
    // The other member reloaded: bye, then ready with this tab as the first member.
    signaling.emit({ type: 'peer-left', id: null });
    expect(pcs()[0]?.closed).toBe(true);
    signaling.emit({ type: 'ready' });
    await settle();
    expect(pcs()).toHaveLength(2);
    expect(signaling.sent.at(-1)).toEqual({
      to: '*',
      data: expect.objectContaining({ type: 'offer' }),
    });
  });
});

describe('ICE restarts', () => {
  /** A room of two whose call connected once: the first member's side. */
  async function connectedPair() {
    const made = roomCall('m', 2);
    made.signaling.emit({ type: 'seat', seat: 'created', room: 'r' });
    made.signaling.emit({ type: 'ready' });
    await vi.advanceTimersByTimeAsync(0);
    made.signaling.emit({ type: 'message', payload: answerFrom() });
    await vi.advanceTimersByTimeAsync(0);
    const pc = pcs()[0] as FakePeerConnection;
    pc.setIce('checking');
    pc.setIce('connected');
    return { ...made, pc };
  }

  it('restart after the grace on disconnected, back off, give up after three with a reason, and retry on demand', async () => {
    vi.useFakeTimers();
    const { call, pc } = await connectedPair();
    // Chromium between two symmetric NATs: `disconnected` again after every restart, never `failed`.
    for (let round = 0; round < 10; round++) {
      pc.setIce('disconnected');
      await vi.advanceTimersByTimeAsync(20_000);
      if (pc.restarts > round) pc.setIce('checking');
    }
    expect(pc.restarts).toBe(3);
    const [peer] = call.peers;
    expect(peer?.state).toBe('failed');
    expect(peer?.restarts).toBe(3);
    expect(call.state).toBe('failed');
    expect(peer?.problem).toMatch(/offers no TURN relay/);
    expect(peer?.timeline.map((e) => e.detail)).toContain(
      'ICE gave up after 3 ICE restarts: failed',
    );
    // Nothing more happens by itself.
    pc.setIce('disconnected');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(pc.restarts).toBe(3);

    call.retry();
    await vi.advanceTimersByTimeAsync(0);
    expect(pc.restarts).toBe(4);
    expect(call.peers[0]?.problem).toBe('');
    pc.setIce('connected');
    expect(call.peers[0]?.state).toBe('connected');
    expect(call.peers[0]?.restarts).toBe(0);
  });

  it('the waits between restarts double', async () => {
    vi.useFakeTimers();
    const { pc } = await connectedPair();
    const restartAt: number[] = [];
    const start = Date.now();
    pc.setIce('disconnected');
    for (let ms = 0; ms < 40_000 && pc.restarts < 3; ms += 100) {
      const before = pc.restarts;
      await vi.advanceTimersByTimeAsync(100);
      if (pc.restarts > before) {
        restartAt.push(Date.now() - start);
        pc.setIce('disconnected');
      }
    }
    // Grace 2 s; then grace + 2 s; then grace + 4 s.
    expect(restartAt).toEqual([2000, 6000, 12000]);
  });

  it('a failed ICE restarts at once, and a connection back up starts the count over', async () => {
    vi.useFakeTimers();
    const { call, pc } = await connectedPair();
    pc.setIce('failed');
    await vi.advanceTimersByTimeAsync(0);
    expect(pc.restarts).toBe(1);
    expect(call.peers[0]?.state).toBe('reconnecting');
    pc.setIce('connected');
    expect(call.peers[0]?.restarts).toBe(0);
    expect(call.state).toBe('connected');
  });
});
