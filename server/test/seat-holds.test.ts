import { describe, expect, it } from 'vitest';
import { SeatHolds } from '../core/seat-holds.ts';

const noop = () => {};

describe('SeatHolds', () => {
  it("finds a room's held seats without the others', longest held first", () => {
    const holds = new SeatHolds();
    holds.hold('a', 'one', 60_000, noop, '10.0.0.1');
    holds.hold('b', 'two', 60_000, noop, '10.0.0.2');
    holds.hold('c', 'one', 60_000, noop, '10.0.0.3');
    expect(holds.heldIn('one')).toEqual(['a', 'c']);
    expect(holds.heldIn('three')).toEqual([]);
    holds.clear();
  });

  it('holds at most its share of seats per address, and frees the share on release', () => {
    const holds = new SeatHolds(2);
    expect(holds.hold('a', 'one', 60_000, noop, '10.0.0.1')).toBe(true);
    expect(holds.hold('b', 'two', 60_000, noop, '10.0.0.1')).toBe(true);
    expect(holds.hold('c', 'three', 60_000, noop, '10.0.0.1')).toBe(false);
    expect(holds.hold('d', 'three', 60_000, noop, '10.0.0.2')).toBe(true);
    expect(holds.release('a')).toBe('one');
    expect(holds.hold('c', 'three', 60_000, noop, '10.0.0.1')).toBe(true);
    holds.clear();
  });

  it('empties its indexes with its holds', () => {
    const holds = new SeatHolds(4);
    holds.hold('a', 'one', 60_000, noop, '10.0.0.1');
    holds.hold('b', 'one', 60_000, noop, '10.0.0.2');
    holds.release('a');
    holds.release('b');
    expect(holds.size).toBe(0);
    expect(holds.indexSizes).toEqual({ addresses: 0, rooms: 0 });
  });
});
