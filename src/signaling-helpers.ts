// What the signaling controller keeps aside: a room's PIN for this tab's session (a reload or
// a reconnect asks with it again), and the display names a member list may carry.

/** sessionStorage key of a room's PIN in this tab. */
const pinKey = (room: string) => `webrtc-rooms:pin:${room}`;

/** Keeps `room`'s PIN for this tab's session (it survives a reload, not the tab). */
export function rememberPin(room: string, pin: string): void {
  try {
    sessionStorage.setItem(pinKey(room), pin);
  } catch {
    // Storage may be off (private modes): the PIN then lasts until the page goes.
    pinsInMemory.set(room, pin);
  }
}

/** The PIN this tab gave for `room`, if any. */
export function rememberedPin(room: string): string | undefined {
  try {
    return sessionStorage.getItem(pinKey(room)) ?? pinsInMemory.get(room);
  } catch {
    return pinsInMemory.get(room);
  }
}

const pinsInMemory = new Map<string, string>();

/** Display names, if a member list carries them (`names: { [id]: name }`); none today. */
export function namesOf(list: object): Map<string, string> {
  const names = (list as { names?: unknown }).names;
  const found = new Map<string, string>();
  if (typeof names !== 'object' || names === null) return found;
  for (const [id, name] of Object.entries(names)) {
    if (typeof name === 'string' && name.trim()) found.set(id, name.trim().slice(0, 40));
  }
  return found;
}
