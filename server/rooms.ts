/** What asking for a seat gave: the first seat, a later one (with who was there), or none. */
export type JoinOutcome =
  | { kind: 'created' }
  | { kind: 'joined'; others: readonly string[] }
  | { kind: 'full' };

/** A value now or later: the in-memory store answers at once, a shared one over the network. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Where room occupancy lives. The in-memory {@link Rooms} answers synchronously; a shared store
 * (Redis) answers with promises, and must decide each join atomically so that two processes can
 * never both hand out the last seat.
 */
export interface RoomStore {
  /** How many members a room holds. */
  readonly capacity: number;
  /** Gives `member` a seat in `room` if one is free; a member already seated is told full. */
  join(room: string, member: string): MaybePromise<JoinOutcome>;
  /** Frees `member`'s seat in `room`; returns the members who remain. */
  leave(room: string, member: string): MaybePromise<readonly string[]>;
  /** The members of `room`. */
  members(room: string): MaybePromise<readonly string[]>;
  /** How many rooms have members; a shared store counts those with a member on this process. */
  readonly size: number;
}

/**
 * Room occupancy for one attached signaling server: which members sit in which room. One
 * instance per `attachSignaling` call, never module-level, so a Vite restart starts empty.
 * Members are opaque ids (socket ids); rooms are the normalised names from the client.
 */
export class Rooms implements RoomStore {
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
    const others = members.slice();
    members.push(member);
    return { kind: 'joined', others };
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

  /** How many rooms have at least one member. */
  get size(): number {
    return this.#members.size;
  }
}
