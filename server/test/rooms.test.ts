import { describe, expect, it } from 'vitest';
import { MemoryRooms } from '../stores/memory.ts';

describe('MemoryRooms', () => {
  it('gives the first member of an empty room the created seat', () => {
    const rooms = new MemoryRooms();
    expect(rooms.join('foo', 'a')).toEqual({ kind: 'created' });
    expect(rooms.members('foo')).toEqual(['a']);
  });

  it('gives the second member a seat and names who was there', () => {
    const rooms = new MemoryRooms();
    rooms.join('foo', 'a');
    expect(rooms.join('foo', 'b')).toEqual({ kind: 'joined', others: ['a'] });
  });

  it('refuses a third member of a room of two', () => {
    const rooms = new MemoryRooms();
    rooms.join('foo', 'a');
    rooms.join('foo', 'b');
    expect(rooms.join('foo', 'c')).toEqual({ kind: 'full' });
    expect(rooms.members('foo')).toEqual(['a', 'b']);
  });

  it('counts members per room, so many rooms can be created', () => {
    const rooms = new MemoryRooms();
    for (let i = 0; i < 100; i++)
      expect(rooms.join(`room-${i}`, `m-${i}`)).toEqual({ kind: 'created' });
    expect(rooms.size).toBe(100);
  });

  it('frees a seat on leave and returns who remains', () => {
    const rooms = new MemoryRooms();
    rooms.join('foo', 'a');
    rooms.join('foo', 'b');
    expect(rooms.leave('foo', 'a')).toEqual(['b']);
    expect(rooms.join('foo', 'c')).toEqual({ kind: 'joined', others: ['b'] });
  });

  it('drops an empty room', () => {
    const rooms = new MemoryRooms();
    rooms.join('foo', 'a');
    expect(rooms.leave('foo', 'a')).toEqual([]);
    expect(rooms.size).toBe(0);
    expect(rooms.join('foo', 'b')).toEqual({ kind: 'created' });
  });

  it('ignores a leave by a non-member', () => {
    const rooms = new MemoryRooms();
    rooms.join('foo', 'a');
    expect(rooms.leave('foo', 'z')).toEqual(['a']);
    expect(rooms.leave('bar', 'z')).toEqual([]);
  });

  it('refuses a member already seated', () => {
    const rooms = new MemoryRooms();
    rooms.join('foo', 'a');
    expect(rooms.join('foo', 'a')).toEqual({ kind: 'full' });
  });

  it('holds as many members as its capacity', () => {
    const rooms = new MemoryRooms(3);
    rooms.join('foo', 'a');
    rooms.join('foo', 'b');
    expect(rooms.join('foo', 'c')).toEqual({ kind: 'joined', others: ['a', 'b'] });
    expect(rooms.join('foo', 'd')).toEqual({ kind: 'full' });
  });

  it('rejects a capacity that is not a whole number of at least two', () => {
    expect(() => new MemoryRooms(0)).toThrow(/capacity/);
    expect(() => new MemoryRooms(1)).toThrow(/capacity must be a whole number >= 2/);
    expect(() => new MemoryRooms(1.5)).toThrow(/capacity/);
  });
});
