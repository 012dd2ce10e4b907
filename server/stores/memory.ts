import { timingSafeEqual } from 'node:crypto';
import {
  checkedCapacity,
  type JoinKey,
  type JoinOutcome,
  type RoomStore,
  type RoomSummary,
} from '../core/store.ts';

/** Options of {@link MemoryRooms}. */
export interface MemoryRoomsOptions {
  /**
   * How long a locked room's lock outlives its last member, so that a member who reloads (or
   * whose seat the recovery window freed) finds the room still locked with its PIN, and nobody
   * can take the name meanwhile. 0 drops the lock with the last member.
   * @default 0
   */
  lockLingerMs?: number;
  /**
   * The most lingering locks kept; past it the oldest goes first (its room simply unlocks).
   * @default 10000
   */
  maxLingering?: number;
}

interface Room {
  members: string[];
  lock?: string;
}

/**
 * Room occupancy for one attached signaling server: which members sit in which room, and the
 * lock (a PIN's keyed hash) of each locked room. One instance per `attachSignaling` call, never
 * module-level, so a Vite restart starts empty. Members are opaque ids (socket ids); rooms are
 * the normalised names from the client.
 */
export class MemoryRooms implements RoomStore {
  readonly locks = true;
  // Arrays, not Sets: a room holds a handful of members, and thousands of rooms are the
  // normal case, so the smaller structure wins on memory and is as fast to scan.
  readonly #rooms = new Map<string, Room>();
  readonly #lingering = new Map<string, { lock: string; timer: NodeJS.Timeout }>();
  readonly #lockLingerMs: number;
  readonly #maxLingering: number;

  /** @param capacity how many members a room holds (the codelab's rule is two). */
  constructor(
    readonly capacity = 2,
    options: MemoryRoomsOptions = {},
  ) {
    checkedCapacity(capacity);
    this.#lockLingerMs = options.lockLingerMs ?? 0;
    this.#maxLingering = options.maxLingering ?? 10_000;
  }

  /**
   * Gives `member` a seat in `room` if one is free and `key` opens it; a member already seated
   * is told full. The lock is checked before the seats, so a wrong PIN never learns "full".
   */
  join(room: string, member: string, key: JoinKey = {}): JoinOutcome {
    const entry = this.#rooms.get(room);
    if (!entry) {
      const lingering = this.#lingering.get(room);
      if (lingering) {
        if (!sameLock(lingering.lock, key.lock)) return { kind: 'locked' };
        clearTimeout(lingering.timer);
        this.#lingering.delete(room);
      } else if (key.create === false) return { kind: 'locked' };
      this.#rooms.set(room, { members: [member], lock: lingering?.lock ?? key.lock });
      return { kind: 'created' };
    }
    if (entry.lock !== undefined && !sameLock(entry.lock, key.lock)) return { kind: 'locked' };
    const { members } = entry;
    if (members.includes(member) || members.length >= this.capacity) return { kind: 'full' };
    // A new array of the exact length: a push would grow the old one to 17 slots, and thousands
    // of rooms each carry that. The old one, no longer stored, is the others' list as it is.
    entry.members = members.concat(member);
    return { kind: 'joined', others: members };
  }

  /** Frees `member`'s seat in `room`; returns the members who remain (empty rooms are dropped). */
  leave(room: string, member: string): readonly string[] {
    const entry = this.#rooms.get(room);
    if (!entry) return [];
    const { members } = entry;
    const index = members.indexOf(member);
    if (index === -1) return members.slice();
    members.splice(index, 1);
    if (members.length === 0) {
      this.#rooms.delete(room);
      if (entry.lock !== undefined) this.#linger(room, entry.lock);
    }
    return members.slice();
  }

  /** The members of `room`, in the order they joined. */
  members(room: string): readonly string[] {
    return this.#rooms.get(room)?.members.slice() ?? [];
  }

  /** Whether `room` is locked now, by its members' PIN or by a lock outliving them. */
  locked(room: string): boolean {
    const entry = this.#rooms.get(room);
    return entry ? entry.lock !== undefined : this.#lingering.has(room);
  }

  /** Every member of a room sits on this one process. */
  isLocal(_room: string): boolean {
    return true;
  }

  /** How many rooms have at least one member. */
  get size(): number {
    return this.#rooms.size;
  }

  /** How many locks outlive their rooms right now. */
  get lingeringLocks(): number {
    return this.#lingering.size;
  }

  /** The live rooms, as counts and states. */
  *summaries(): Iterable<RoomSummary> {
    for (const [room, entry] of this.#rooms) {
      yield { room, members: entry.members.length, locked: entry.lock !== undefined };
    }
  }

  #linger(room: string, lock: string): void {
    if (this.#lockLingerMs <= 0) return;
    if (this.#lingering.size >= this.#maxLingering) {
      const [oldest, entry] = this.#lingering.entries().next().value ?? [];
      if (oldest !== undefined && entry) {
        clearTimeout(entry.timer);
        this.#lingering.delete(oldest);
      }
    }
    const timer = setTimeout(() => {
      if (this.#lingering.get(room)?.timer === timer) this.#lingering.delete(room);
    }, this.#lockLingerMs);
    timer.unref();
    this.#lingering.set(room, { lock, timer });
  }
}

/** Whether a presented lock matches a room's, in constant time (hashes of equal length). */
function sameLock(lock: string, presented: string | undefined): boolean {
  if (presented === undefined || presented.length !== lock.length) return false;
  return timingSafeEqual(Buffer.from(lock), Buffer.from(presented));
}
