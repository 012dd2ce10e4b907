/** A room's PIN, kept for this tab's session so a reload or a reconnect asks with it again. */

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
