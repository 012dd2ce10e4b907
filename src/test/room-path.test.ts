import { describe, expect, it } from 'vitest';
import { parseFormRoom, pathForRoom, roomFromPath } from '../room-path.ts';

describe('room paths', () => {
  it('reads no room from the root path', () => {
    expect(roomFromPath('/')).toEqual({ kind: 'none' });
  });

  it('reads the room from the first path segment', () => {
    expect(roomFromPath('/foo')).toEqual({ kind: 'room', room: 'foo' });
    expect(roomFromPath('/foo/')).toEqual({ kind: 'room', room: 'foo' });
  });

  it('round-trips names of any script through the path', () => {
    for (const room of ['комната', '会议室', 'a.b-c_d', 'café']) {
      expect(roomFromPath(pathForRoom(room))).toEqual({ kind: 'room', room });
    }
  });

  it('says why a path is not a room', () => {
    expect(roomFromPath('/a%20b')).toMatchObject({ kind: 'invalid' });
    expect(roomFromPath('/%E0%A4%A')).toEqual({
      kind: 'invalid',
      reason: 'the address is not a valid room link',
    });
  });

  it('trims a typed name and refuses one of dots only', () => {
    expect(parseFormRoom('  foo ')).toEqual({ ok: true, room: 'foo' });
    expect(parseFormRoom('..')).toMatchObject({ ok: false });
    expect(parseFormRoom('')).toMatchObject({ ok: false, reason: 'room name is empty' });
  });
});
