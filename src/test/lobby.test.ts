import { describe, expect, it } from 'vitest';
import { refusalWords } from '../../server/protocol/refusals.ts';
import { presenceText } from '../lobby/presence.ts';
import { checkName, initials } from '../lobby/profile.ts';

describe('the join screen in words', () => {
  it('says who is there, naming at most two', () => {
    expect(presenceText(['Ana'], 0)).toBe('Ana is here');
    expect(presenceText(['Ana', 'Ben'], 0)).toBe('Ana and Ben are here');
    expect(presenceText(['Ana', 'Ben', 'Cy'], 0)).toBe('Ana, Ben and 1 other are here');
    expect(presenceText(['Ana'], 2)).toBe('Ana and 2 others are here');
    expect(presenceText([], 1)).toBe('1 person is here');
    expect(presenceText([], 3)).toBe('3 people are here');
  });

  it('checks a name with the protocol rule, in words for the person typing', () => {
    expect(checkName('  Ada   Lovelace ')).toEqual({ ok: true, name: 'Ada Lovelace' });
    expect(checkName('x'.repeat(41))).toEqual({
      ok: false,
      reason: 'Your name is longer than 40 characters; shorten it',
    });
    expect(checkName('Eve\u202E')).toMatchObject({ ok: false });
  });

  it('draws initials from the first and last word, of any script', () => {
    expect(initials('Ada Lovelace')).toBe('AL');
    expect(initials('grace brewster murray hopper')).toBe('GH');
    expect(initials('Émilie')).toBe('É');
    expect(initials('   ')).toBe('');
  });

  it('tells a wrong PIN apart from a first look at a locked room', () => {
    const first = refusalWords('room-locked');
    const wrong = refusalWords('room-locked', { pinTried: true });
    expect(first.title).toBe('This room is locked');
    expect(wrong.title).toBe('That PIN didn’t open the room');
    expect(refusalWords('room-full', { capacity: 4 }).detail).toContain('All 4 seats');
  });
});
