import type { SpentTokens } from './room-access.ts';

/**
 * What asking for a seat gave: the first seat, a later one (with who was there), none, or a
 * refusal that says no more than "not with this key" (wrong or missing PIN, or no room to join).
 */
export type JoinOutcome =
  | { kind: 'created' }
  | {
      kind: 'joined';
      others: readonly string[];
      /** A held seat this join took over (a shared store decides it in the same step). */
      replaced?: string;
    }
  | { kind: 'full' }
  | { kind: 'locked' };

/** What a join presents besides the member: the lock it holds, and whether it may create. */
export interface JoinKey {
  /** The PIN's keyed hash (never the PIN): locks a new room, must match a locked one's. */
  lock?: string;
  /** `false`: join only; a room with no members is answered `locked`. @default true */
  create?: boolean;
}

/** One live room as an operator sees it: counts and state, never who. */
export interface RoomSummary {
  room: string;
  members: number;
  locked: boolean;
}

/** A value now or later: the in-memory store answers at once, a shared one over the network. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Checks a room capacity: a whole number of at least two, since a room is where two tabs meet.
 * @returns the capacity; throws a `RangeError` naming the rule otherwise.
 */
export function checkedCapacity(capacity: number): number {
  if (!Number.isInteger(capacity) || capacity < 2) {
    throw new RangeError(`[signaling] room capacity must be a whole number >= 2, got ${capacity}`);
  }
  return capacity;
}

/**
 * Where room occupancy lives. The in-memory store (`MemoryRooms`) answers synchronously; a shared store
 * (Redis) answers with promises, and must decide each join atomically so that two processes can
 * never both hand out the last seat.
 */
export interface RoomStore {
  /** How many members a room holds. */
  readonly capacity: number;
  /**
   * Gives `member` a seat in `room` if one is free and `key` opens it; a member already seated
   * is told full. Stores without PIN support are only called without `key`.
   */
  join(room: string, member: string, key?: JoinKey): MaybePromise<JoinOutcome>;
  /** Whether the store keeps PIN locks (see {@link JoinKey}); the core refuses PINs otherwise. */
  readonly locks?: boolean;
  /**
   * Whether `room` is locked with a PIN now (a lingering lock included), for `room:peek`.
   * Stores without locks leave it out.
   */
  locked?(room: string): MaybePromise<boolean>;
  /** The live rooms of this process, for the operator's page (optional). */
  summaries?(): Iterable<RoomSummary>;
  /** Frees `member`'s seat in `room`; returns the members who remain. */
  leave(room: string, member: string): MaybePromise<readonly string[]>;
  /** The members of `room`. */
  members(room: string): MaybePromise<readonly string[]>;
  /** How many rooms have members; a shared store counts those with a member on this process. */
  readonly size: number;
  /**
   * True when every member of `room` sits on this process, so a relay may skip the adapter
   * (room affinity). Synchronous and conservative: a shared store answers false when unsure.
   * Absent means every relay goes through the adapter.
   */
  isLocal?(room: string): boolean;
  /** Whether the store can seat anyone now; absent means always. /healthz reports it. */
  health?(): StoreHealth;
  /**
   * A shared store keeps the seat of a member whose network dropped where every process sees
   * it, so a reconnect or reload landing on another process can take it back.
   */
  hold?(room: string, member: string): MaybePromise<void>;
  /**
   * Frees a held seat when its window ends, unless the member took it back meanwhile (on any
   * process) or a reload took it over: then answers `undefined` and nobody is told.
   */
  expire?(room: string, member: string): MaybePromise<readonly string[] | undefined>;
  /** Moves `member`'s held seat to this process; false when it has no seat any more. */
  resume?(room: string, member: string): MaybePromise<boolean>;
  /**
   * Resolves once this process hears what other processes broadcast to `room` (a shared
   * store's subscription to it is in place) and the events it published to `room` so far (the
   * `join`) were taken. Call it after the socket joined the room; its member is told its seat
   * only then, or a relay sent at once could go unheard. Absent: at once.
   */
  listening?(room: string): MaybePromise<void>;
  /**
   * Where a shared store keeps the ids of spent room tokens, so a token spent on one process is
   * refused on every other. Absent: each process keeps its own, in memory.
   */
  readonly spentTokens?: SpentTokens;
}

/** What {@link RoomStore.health} answers: ok, or why the store cannot seat anyone now. */
export type StoreHealth = { ok: true } | { ok: false; reason: string };

/**
 * Runs `next` on a store's answer: at once for the in-memory store, so its events keep their
 * synchronous order, or when a shared store answers.
 */
export function after<T, R>(
  value: MaybePromise<T>,
  next: (value: T) => MaybePromise<R>,
): MaybePromise<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}
