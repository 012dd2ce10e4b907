/**
 * Seats held for members whose connection dropped in a way Socket.IO can recover from. The seat
 * stays taken (a third tab is still told `full`) until the member recovers or the window ends;
 * only then is it freed and the other member told `bye`. One instance per attach.
 */
export class SeatHolds {
  readonly #holds = new Map<string, { room: string; timer: NodeJS.Timeout; since: number }>();

  /**
   * Holds `member`'s seat in `room` for `windowMs`, then calls `expire` (which frees it).
   * A member already held keeps its first deadline.
   */
  hold(member: string, room: string, windowMs: number, expire: () => void): void {
    if (this.#holds.has(member)) return;
    const timer = setTimeout(() => {
      this.#holds.delete(member);
      expire();
    }, windowMs);
    // A held seat must not keep a draining process alive.
    timer.unref();
    this.#holds.set(member, { room, timer, since: Date.now() });
  }

  /** Ends `member`'s hold without expiring it; returns the room it was held in, if any. */
  release(member: string): string | undefined {
    const hold = this.#holds.get(member);
    if (!hold) return undefined;
    clearTimeout(hold.timer);
    this.#holds.delete(member);
    return hold.room;
  }

  /** The held members of `room`, longest held first. */
  heldIn(room: string): string[] {
    return [...this.#holds.entries()]
      .filter(([, hold]) => hold.room === room)
      .sort(([, a], [, b]) => a.since - b.since)
      .map(([member]) => member);
  }

  /** How many seats are held. */
  get size(): number {
    return this.#holds.size;
  }

  /** Drops every hold without expiring it (the server is closing); returns `[member, room]`s. */
  clear(): [string, string][] {
    const dropped: [string, string][] = [];
    for (const [member, hold] of this.#holds) {
      clearTimeout(hold.timer);
      dropped.push([member, hold.room]);
    }
    this.#holds.clear();
    return dropped;
  }
}
