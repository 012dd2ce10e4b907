import { DISPLAY_NAME_MAX } from './index.ts';

/** The result of checking a display name: the name to show, or why it was refused. */
export type DisplayNameResult = { ok: true; name: string } | { ok: false; reason: string };

// Control characters (C0, C1), unassigned and private-use code points, lone surrogates, and the
// bidirectional overrides and isolates that could make a name read as something else. Joiners
// (U+200C, U+200D) stay: emoji sequences and several scripts need them.
const FORBIDDEN = /[\p{Cc}\p{Cs}\p{Co}\p{Cn}\u202A-\u202E\u2066-\u2069\u2028\u2029]/u;

/**
 * Checks a member's display name (docs/protocol.md#names): a string of 1 to
 * {@link DISPLAY_NAME_MAX} characters after NFC normalisation, outer spaces trimmed and inner
 * runs of spaces made one; no control characters. Pure and free of Node APIs, so the browser
 * client checks a name with the server's own rule before it sends it.
 */
export function parseDisplayName(value: unknown): DisplayNameResult {
  if (typeof value !== 'string') {
    return { ok: false, reason: 'the display name must be a string' };
  }
  // Bound the work before normalising: NFC never grows a string by more than a few times.
  if (value.length > DISPLAY_NAME_MAX * 8) return tooLong();
  if (FORBIDDEN.test(value)) {
    return { ok: false, reason: 'the display name may not hold control characters' };
  }
  const name = value.normalize('NFC').trim().replace(/\s+/gu, ' ');
  const length = [...name].length;
  if (length === 0) return { ok: false, reason: 'the display name is empty; type a name' };
  if (length > DISPLAY_NAME_MAX) return tooLong();
  return { ok: true, name };
}

function tooLong(): DisplayNameResult {
  return {
    ok: false,
    reason: `the display name is longer than ${DISPLAY_NAME_MAX} characters; shorten it`,
  };
}
