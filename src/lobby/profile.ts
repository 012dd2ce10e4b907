import { parseDisplayName } from '../../server/protocol/display-name.ts';

/** What this device remembers for the join screen: the name, and the devices last picked. */
export interface Profile {
  name: string;
  audioDeviceId?: string;
  videoDeviceId?: string;
}

const KEY = 'webrtc-rooms:profile';

/** The profile remembered on this device (localStorage), or an empty one. */
export function loadProfile(): Profile {
  try {
    const saved: unknown = JSON.parse(localStorage.getItem(KEY) ?? 'null');
    if (saved && typeof saved === 'object') {
      const { name, audioDeviceId, videoDeviceId } = saved as Record<string, unknown>;
      return {
        name: typeof name === 'string' ? name : '',
        ...(typeof audioDeviceId === 'string' && { audioDeviceId }),
        ...(typeof videoDeviceId === 'string' && { videoDeviceId }),
      };
    }
  } catch {
    // Storage off or a value not ours: start afresh.
  }
  return { name: '' };
}

/** Remembers `profile` on this device; storage may be off (private modes), which is fine. */
export function saveProfile(profile: Profile): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(profile));
  } catch {
    // Nothing to do: the name is asked again next time.
  }
}

/**
 * Checks a typed name with the server's own rule (server/protocol/display-name.ts): the name
 * to send, or why not, in words for the person typing it.
 */
export function checkName(
  typed: string,
): { ok: true; name: string } | { ok: false; reason: string } {
  const parsed = parseDisplayName(typed);
  if (parsed.ok) return parsed;
  const reason = parsed.reason.replace(/^the display name/, 'Your name');
  return { ok: false, reason: reason.charAt(0).toUpperCase() + reason.slice(1) };
}

/** Up to two initials for an avatar: "Ada Lovelace" → "AL". */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/u).filter(Boolean);
  const letters = words.length > 1 ? [words[0] ?? '', words.at(-1) ?? ''] : words;
  return letters.map((word) => [...word][0]?.toUpperCase() ?? '').join('');
}
