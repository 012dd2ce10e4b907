import { after, type MaybePromise } from './store.ts';
import type { SignalingServer } from './types.ts';

/** Whom a room's news goes to: the room itself (`io.to(key)`), or some of its members by id. */
export type Audience = Pick<ReturnType<SignalingServer['to']>, 'emit'>;

/** A member gone from a room, however it went. */
export interface Departure {
  room: string;
  /** The socket id of the member who left. */
  member: string;
  /** How many members the room holds. */
  capacity: number;
  /** Who remains, in seating order: known now, or once a shared store answers. */
  remaining: MaybePromise<readonly string[]>;
}

/**
 * The one way a room hears that a member left, whatever the cause: a `bye`, a closed tab, a
 * held seat whose window ended, a dead process swept by a shared store, a held seat taken over
 * by a reloaded tab. Every room gets the codelab's `bye`, then `room:update`; a room above two
 * also gets `peer:left` with the member and `room:members` with who remains, so a group
 * client closes that one peer at once. Rooms of two thus get exactly what they always had.
 *
 * `bye` and `peer:left` go out at once: with a shared store they are published before the
 * store's answer, so they precede any later `join` to the freed seat. The list and the count
 * follow the answer, unless `open()` says the server can no longer publish by then.
 */
export function tellDeparture(
  to: Audience,
  departure: Departure,
  open: () => boolean,
): MaybePromise<void> {
  const { room, member, capacity } = departure;
  to.emit('bye', room);
  if (capacity > 2) to.emit('peer:left', { room, id: member });
  return after(departure.remaining, (members) => {
    if (!open()) return;
    tellMembers(to, room, members, capacity);
    tellCount(to, room, members.length, capacity);
  });
}

/**
 * Tells `to` who sits in `room` (our own `room:members`), for a group's pairs. Rooms of two
 * keep exactly the events they had: one peer needs no list.
 */
export function tellMembers(
  to: Audience,
  room: string,
  members: readonly string[],
  capacity: number,
): void {
  if (capacity > 2 && members.length > 0) {
    to.emit('room:members', { room, members: [...members], capacity });
  }
}

/** Tells `to` how many seats of `room` are taken (our own `room:update`), if any are. */
export function tellCount(to: Audience, room: string, members: number, capacity: number): void {
  if (members > 0) to.emit('room:update', { room, members, capacity });
}
