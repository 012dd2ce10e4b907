import { parseRoomName } from '../server/protocol/room-name.ts';

/** What the page URL asks for: no room, a valid room, or a path that is no room name. */
export type PathRoom =
  | { kind: 'none' }
  | { kind: 'room'; room: string }
  | { kind: 'invalid'; reason: string };

/** Reads the room from a URL path: `/foo` is room `foo`, `/` is none. */
export function roomFromPath(pathname: string): PathRoom {
  const segment = pathname.replace(/^\/+|\/+$/g, '');
  if (segment === '') return { kind: 'none' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return { kind: 'invalid', reason: 'the address is not a valid room link' };
  }
  const parsed = parseRoomName(decoded);
  return parsed.ok
    ? { kind: 'room', room: parsed.room }
    : { kind: 'invalid', reason: parsed.reason };
}

/** The URL path of a room, so its link can be shared. */
export function pathForRoom(room: string): string {
  return `/${encodeURIComponent(room)}`;
}

/**
 * Checks a name typed in the form: the server's rule, plus names of dots only, which a URL
 * path cannot carry (`/..` is the parent directory to every browser).
 */
export function parseFormRoom(
  value: string,
): { ok: true; room: string } | { ok: false; reason: string } {
  const parsed = parseRoomName(value.trim());
  if (parsed.ok && /^\.+$/.test(parsed.room)) {
    return { ok: false, reason: 'a room name needs a letter or digit, not only dots' };
  }
  return parsed;
}
