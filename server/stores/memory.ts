import type { JoinOutcome, RoomStore } from '../core/store.ts';

/**
 * Room occupancy for one attached signaling server: which members sit in which room. One
 * instance per `attachSignaling` call, never module-level, so a Vite restart starts empty.
 * Members are opaque ids (socket ids); rooms are the normalised names from the client.
 */
export class MemoryRooms implements RoomStore {
  // Arrays, not Sets: a room holds a handful of members, and thousands of rooms are the
  // normal case, so the smaller structure wins on memory and is as fast to scan.
  readonly #members = new Map<string, string[]>();

  /** @param capacity how many members a room holds (the codelab's rule is two). */
  constructor(readonly capacity = 2) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `[signaling] room capacity must be a whole number >= 1, got ${capacity}`,
      );
    }
  }

  /** Gives `member` a seat in `room` if one is free; a member already seated is told so. */
  join(room: string, member: string): JoinOutcome {
    const members = this.#members.get(room);
    if (!members) {
      this.#members.set(room, [member]);
      return { kind: 'created' };
    }
    if (members.includes(member) || members.length >= this.capacity) return { kind: 'full' };
    // A new array of the exact length: a push would grow the old one to 17 slots, and thousands
    // of rooms each carry that. The old one, no longer stored, is the others' list as it is.
    this.#members.set(room, members.concat(member));
    return { kind: 'joined', others: members };
  }

  /** Frees `member`'s seat in `room`; returns the members who remain (empty rooms are dropped). */
  leave(room: string, member: string): readonly string[] {
    const members = this.#members.get(room);
    if (!members) return [];
    const index = members.indexOf(member);
    if (index === -1) return members.slice();
    members.splice(index, 1);
    if (members.length === 0) this.#members.delete(room);
    return members.slice();
  }

  /** The members of `room`, in the order they joined. */
  members(room: string): readonly string[] {
    return this.#members.get(room)?.slice() ?? [];
  }

  /** Every member of a room sits on this one process. */
  isLocal(_room: string): boolean {
    return true;
  }

  /** How many rooms have at least one member. */
  get size(): number {
    return this.#members.size;
  }
}
