import { describe, expect, it } from 'vitest';
import { parseRoomName } from '../protocol/room-name.ts';

describe('parseRoomName', () => {
  it.each(['foo', 'Room-1', 'a_b.c', 'комната', '会议室', 'नमस्ते', 'x'.repeat(64)])(
    'accepts %j as it is',
    (name) => {
      expect(parseRoomName(name)).toEqual({ ok: true, room: name });
    },
  );

  it('normalises to NFC', () => {
    expect(parseRoomName('cafe\u0301')).toEqual({ ok: true, room: 'café' });
  });

  it('counts characters, not UTF-16 units', () => {
    expect(parseRoomName('𝟘'.repeat(64)).ok).toBe(true);
    expect(parseRoomName('𝟘'.repeat(65)).ok).toBe(false);
  });

  it.each([
    ['', /empty/],
    ['a'.repeat(65), /longer than 64/],
    ['a'.repeat(100_000), /longer than 64/],
    ['a b', /only letters/],
    ['a/b', /only letters/],
    ['<script>', /only letters/],
    ['tab\there', /only letters/],
    ['zero\u200bwidth', /only letters/],
    ['\u0301', /only letters/],
    ['½', /only letters/],
  ])('refuses %j', (name, reason) => {
    const result = parseRoomName(name);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it.each([
    [null, 'null'],
    [undefined, 'nothing'],
    [7, 'a number'],
    [{}, 'an object'],
    [[], 'an array'],
  ])('refuses %j, saying what it got', (value, got) => {
    const result = parseRoomName(value);
    expect(result).toEqual({ ok: false, reason: `room name must be a string, got ${got}` });
  });
});
