import { ROOM_NAME_MAX } from './index.ts';

/** The result of checking a room name: the normalised name, or why it was refused. */
export type RoomNameResult = { ok: true; room: string } | { ok: false; reason: string };

// Letters and digits of any script (a letter may carry combining marks, as most scripts need),
// plus `-`, `_` and `.`. `\p{Nd}` and not `\p{N}`: "digits", not fractions or Roman numerals.
const ROOM_NAME = /^(?:[\p{L}\p{Nd}]\p{M}*|[-_.])+$/u;

/**
 * Checks a client-supplied room name against the rule of docs/protocol.md#joining: 1 to 64
 * characters after NFC normalisation; letters and digits of any script, `-`, `_` and `.`; case kept.
 * Pure and free of Node APIs, so the browser client uses it too.
 */
export function parseRoomName(value: unknown): RoomNameResult {
  if (typeof value !== 'string') {
    return { ok: false, reason: `room name must be a string, got ${describeValue(value)}` };
  }
  // Refuse absurd input before normalising it: NFC never shrinks a string by more than a
  // factor of a few, so this bounds the work without refusing anything valid.
  if (value.length > ROOM_NAME_MAX * 8) {
    return { ok: false, reason: `room name is longer than ${ROOM_NAME_MAX} characters` };
  }
  const room = value.normalize('NFC');
  const length = [...room].length;
  if (length === 0) return { ok: false, reason: 'room name is empty' };
  if (length > ROOM_NAME_MAX) {
    return { ok: false, reason: `room name is longer than ${ROOM_NAME_MAX} characters` };
  }
  if (!ROOM_NAME.test(room)) {
    return {
      ok: false,
      reason: 'room name may hold only letters, digits, "-", "_" and "."',
    };
  }
  return { ok: true, room };
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value === undefined) return 'nothing';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
