import { describe, expect, it } from 'vitest';
import type { SignalingPayload } from '../../server/protocol/index.ts';
import { SignalInbox } from '../call/signal-inbox.ts';

/** An inbox that records what it delivers, and when (which list was known then). */
function inbox(limit?: number) {
  const delivered: [string, SignalingPayload][] = [];
  return { delivered, inbox: new SignalInbox((from, data) => delivered.push([from, data]), limit) };
}

/**
 * One order in which three senders' signals and one list may arrive: each sender's signals in
 * the order sent (one channel), interleaved with the others by `seed` (a small LCG, so a
 * failing round can be replayed), and the list at `listAt`.
 */
function arrivals(seed: number, listAt: number): ({ from: string; data: string } | 'list')[] {
  const queues = ['a', 'b', 'c'].map((from) =>
    ['offer', 'candidate 1', 'candidate 2'].map((data) => ({ from, data })),
  );
  const steps: ({ from: string; data: string } | 'list')[] = [];
  let state = seed;
  while (queues.some((queue) => queue.length > 0)) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const open = queues.filter((queue) => queue.length > 0);
    const next = open[state % open.length]?.shift();
    if (next) steps.push(next);
  }
  steps.splice(listAt % (steps.length + 1), 0, 'list');
  return steps;
}

describe('a group call signal inbox', () => {
  it('delivers a signal from a member the list names at once', () => {
    const { delivered, inbox: box } = inbox();
    box.receive('bob', 'offer', ['me', 'bob']);
    expect(delivered).toEqual([['bob', 'offer']]);
  });

  it('keeps a signal that came before the list naming its sender, and delivers it with that list', () => {
    const { delivered, inbox: box } = inbox();
    // The newcomer's default: it has no list yet when a peer's offer overtakes it.
    box.receive('bob', 'offer', []);
    box.receive('bob', 'candidate 1', []);
    expect(delivered).toEqual([]);
    box.named(['me', 'carol']);
    expect(delivered).toEqual([]);
    box.named(['me', 'carol', 'bob']);
    expect(delivered).toEqual([
      ['bob', 'offer'],
      ['bob', 'candidate 1'],
    ]);
    expect(box.waiting).toBe(0);
  });

  it('loses no signal, whatever comes first, in 500 orders of a list and three senders', () => {
    const members = ['me', 'a', 'b', 'c'];
    for (let round = 0; round < 500; round++) {
      const steps = arrivals(round + 1, round);
      let known: string[] = [];
      const delivered: [string, SignalingPayload][] = [];
      const box = new SignalInbox((from, data) => {
        // Never before the list names the sender: the group would not know the pair yet.
        expect(known).toContain(from);
        delivered.push([from, data]);
      });
      for (const step of steps) {
        if (step === 'list') {
          known = members;
          box.named(known);
        } else {
          box.receive(step.from, step.data, known);
        }
      }
      for (const from of ['a', 'b', 'c']) {
        expect(delivered.filter(([sender]) => sender === from).map(([, data]) => data)).toEqual([
          'offer',
          'candidate 1',
          'candidate 2',
        ]);
      }
      expect(box.waiting).toBe(0);
    }
  });

  it('keeps at most its limit, dropping the oldest', () => {
    const { delivered, inbox: box } = inbox(2);
    for (const data of ['1', '2', '3']) box.receive('ghost', data, []);
    expect(box.waiting).toBe(2);
    box.named(['me', 'ghost']);
    expect(delivered).toEqual([
      ['ghost', '2'],
      ['ghost', '3'],
    ]);
  });

  it('forgets what a member who left sent, and everything when this tab leaves', () => {
    const { delivered, inbox: box } = inbox();
    box.receive('bob', 'offer', []);
    box.receive('carol', 'offer', []);
    box.forget('bob');
    box.named(['me', 'bob', 'carol']);
    expect(delivered).toEqual([['carol', 'offer']]);
    box.receive('dave', 'offer', []);
    box.forget();
    box.named(['me', 'dave']);
    expect(delivered).toEqual([['carol', 'offer']]);
  });
});
