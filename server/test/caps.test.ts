import { describe, expect, it } from 'vitest';
import { MemorySpentTokens } from '../core/room-access.ts';
import { MemoryRooms } from '../stores/memory.ts';
import { waitFor } from './helpers.ts';

// The caps docs/security.md states for what outlives a client: spent token ids and lingering
// locks cannot grow without end, whatever a flood of tokens or locked rooms does.

describe('spent room token ids', () => {
  it('are capped at 100,000: past it a new token is refused until spent ones expire', async () => {
    const spent = new MemorySpentTokens();
    const soon = Date.now() + 1000;
    let refused = 0;
    for (let i = 0; i < 100_000; i++) if (spent.spend(`t${i}`, soon) !== undefined) refused++;
    expect(refused).toBe(0);
    expect(spent.size).toBe(100_000);
    expect(spent.spend('one more', Date.now() + 3_600_000)).toMatch(/too many tokens/);
    expect(spent.spend('t7', soon)).toMatch(/already used/);
    await waitFor(
      () => spent.spend('one more', Date.now() + 3_600_000) === undefined,
      'the spent ids to expire',
    );
    expect(spent.size).toBe(1);
  });
});

describe('lingering locks', () => {
  /** Creates `room` locked with `lock`, then empties it: its lock lingers. */
  function lockAndLeave(rooms: MemoryRooms, room: string, lock = 'hash'): void {
    expect(rooms.join(room, 'm', { lock })).toEqual({ kind: 'created' });
    rooms.leave(room, 'm');
  }

  it('are capped at 10,000 by default', () => {
    const rooms = new MemoryRooms(2, { lockLingerMs: 60_000 });
    for (let i = 0; i <= 10_000; i++) lockAndLeave(rooms, `r${i}`);
    expect(rooms.lingeringLocks).toBe(10_000);
  });

  it('unlock the oldest room first past the cap, and keep the newer ones locked', () => {
    const rooms = new MemoryRooms(2, { lockLingerMs: 60_000, maxLingering: 3 });
    for (const room of ['a', 'b', 'c', 'd']) lockAndLeave(rooms, room);
    expect(rooms.lingeringLocks).toBe(3);
    expect(rooms.join('a', 'x')).toEqual({ kind: 'created' });
    expect(rooms.join('d', 'x')).toEqual({ kind: 'locked' });
  });
});
