/**
 * The control lines of the `files` channel, as JSON text (file bytes travel as binary
 * messages), and how a receiver reads what the other side sent: it is input like any other.
 */

/** One control line. `mime` is the sender's guess; a receiver never uses it (see below). */
export type Control =
  | { type: 'file:start'; id: string; name: string; size: number; mime: string }
  | { type: 'file:end'; id: string; sha256: string }
  | { type: 'file:cancel'; id: string; reason: string };

/**
 * The type of every received file, whatever the sender announced: a Blob typed `text/html` or
 * `image/svg+xml` and opened from its `blob:` link would run its script at the app's origin,
 * where a room's PIN sits in `sessionStorage`. As an octet stream, the browser only saves it.
 */
export const RECEIVED_TYPE = 'application/octet-stream';

/** The longest name kept, in code points: common file systems allow 255 bytes. */
const NAME_LIMIT = 120;

/**
 * Characters no saved file name should carry: path separators and the characters Windows
 * reserves, control characters, and bidirectional controls (U+202E turns `exe.txt` into what
 * reads as `txt.exe`). Browsers clean a `download` name too, each its own way; this makes the
 * name shown in the panel the name saved.
 */
const UNSAFE_NAME = /[\p{Cc}/\\:*?"<>|\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/** A name the other side chose, made safe to show and to save: `file` if nothing is left. */
export function safeFileName(name: string): string {
  const cleaned = name
    .normalize('NFC')
    .replace(UNSAFE_NAME, '_')
    // Leading dots hide a file (or climb, `..`); trailing dots and spaces Windows drops.
    .replace(/^[\s.]+|[\s.]+$/gu, '');
  return Array.from(cleaned).slice(0, NAME_LIMIT).join('') || 'file';
}

/** A control line from the other side, checked; null for anything else. */
export function parseControl(text: string): Control | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.id !== 'string' || v.id.length > 64) return null;
  if (v.type === 'file:start') {
    if (typeof v.name !== 'string' || typeof v.size !== 'number') return null;
    if (!Number.isSafeInteger(v.size) || v.size < 0) return null;
    return {
      type: 'file:start',
      id: v.id,
      name: v.name,
      size: v.size,
      mime: typeof v.mime === 'string' ? v.mime.slice(0, 255) : '',
    };
  }
  if (v.type === 'file:end' && typeof v.sha256 === 'string') {
    return { type: 'file:end', id: v.id, sha256: v.sha256.slice(0, 64) };
  }
  if (v.type === 'file:cancel') {
    return { type: 'file:cancel', id: v.id, reason: String(v.reason ?? '').slice(0, 200) };
  }
  return null;
}
