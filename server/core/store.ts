/** What asking for a seat gave: the first seat, a later one (with who was there), or none. */
export type JoinOutcome =
  | { kind: 'created' }
  | { kind: 'joined'; others: readonly string[] }
  | { kind: 'full' };

/** A value now or later: the in-memory store answers at once, a shared one over the network. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Where room occupancy lives. The in-memory store (`MemoryRooms`) answers synchronously; a shared store
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
 * Runs `next` on a store's answer: at once for the in-memory store, so its events keep their
 * synchronous order, or when a shared store answers.
 */
export function after<T, R>(
  value: MaybePromise<T>,
  next: (value: T) => MaybePromise<R>,
): MaybePromise<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}
