interface Hold {
  room: string;
  address: string;
  timer: NodeJS.Timeout;
}

/**
 * Seats held for members whose connection dropped in a way Socket.IO can recover from. The seat
 * stays taken (a third tab is still told `full`) until the member recovers or the window ends;
 * only then is it freed and the other member told `bye`. One instance per attach.
 *
 * Holds are indexed by room and counted per client address: finding the held seats of one room
 * costs what that room holds, and one address can keep at most `maxPerAddress` seats away at
 * once (past it, a dropped member's seat is freed at once, as if it had left).
 */
export class SeatHolds {
  // Maps keep insertion order: each room's holds iterate longest held first.
  readonly #holds = new Map<string, Hold>();
  readonly #byRoom = new Map<string, Map<string, Hold>>();
  readonly #perAddress = new Map<string, number>();

  constructor(readonly maxPerAddress = Number.POSITIVE_INFINITY) {
    if (!(maxPerAddress >= 0) || (maxPerAddress !== Infinity && !Number.isInteger(maxPerAddress))) {
      throw new RangeError(
        `[signaling] maxHeldSeatsPerAddress must be a whole number >= 0, got ${maxPerAddress}`,
      );
    }
  }

  /**
   * Holds `member`'s seat in `room` for `windowMs`, then calls `expire` (which frees it).
   * A member already held keeps its first deadline. Returns false, holding nothing, when
   * `address` already has its share of held seats.
   */
  hold(member: string, room: string, windowMs: number, expire: () => void, address = ''): boolean {
    if (this.#holds.has(member)) return true;
    const count = this.#perAddress.get(address) ?? 0;
    if (count >= this.maxPerAddress) return false;
    const timer = setTimeout(() => {
      this.#remove(member);
      expire();
    }, windowMs);
    // A held seat must not keep a draining process alive.
    timer.unref();
    const hold: Hold = { room, address, timer };
    this.#holds.set(member, hold);
    let inRoom = this.#byRoom.get(room);
    if (!inRoom) this.#byRoom.set(room, (inRoom = new Map()));
    inRoom.set(member, hold);
    this.#perAddress.set(address, count + 1);
    return true;
  }

  /** Ends `member`'s hold without expiring it; returns the room it was held in, if any. */
  release(member: string): string | undefined {
    const hold = this.#remove(member);
    if (!hold) return undefined;
    clearTimeout(hold.timer);
    return hold.room;
  }

  /** The held members of `room`, longest held first. */
  heldIn(room: string): string[] {
    return [...(this.#byRoom.get(room)?.keys() ?? [])];
  }

  /** How many seats are held. */
  get size(): number {
    return this.#holds.size;
  }

  /** How many addresses and rooms the holds are indexed under (both empty with the holds). */
  get indexSizes(): { addresses: number; rooms: number } {
    return { addresses: this.#perAddress.size, rooms: this.#byRoom.size };
  }

  /** Drops every hold without expiring it (the server is closing); returns `[member, room]`s. */
  clear(): [string, string][] {
    const dropped: [string, string][] = [];
    for (const [member, hold] of this.#holds) {
      clearTimeout(hold.timer);
      dropped.push([member, hold.room]);
    }
    this.#holds.clear();
    this.#byRoom.clear();
    this.#perAddress.clear();
    return dropped;
  }

  #remove(member: string): Hold | undefined {
    const hold = this.#holds.get(member);
    if (!hold) return undefined;
    this.#holds.delete(member);
    const inRoom = this.#byRoom.get(hold.room);
    inRoom?.delete(member);
    if (inRoom?.size === 0) this.#byRoom.delete(hold.room);
    const count = (this.#perAddress.get(hold.address) ?? 1) - 1;
    if (count > 0) this.#perAddress.set(hold.address, count);
    else this.#perAddress.delete(hold.address);
    return hold;
  }
}
