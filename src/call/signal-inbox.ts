import type { SignalingPayload } from '../../server/protocol/index.ts';

/** One addressed relay as it arrived: who sent it, and what. */
interface Held {
  from: string;
  data: SignalingPayload;
}

/**
 * Where a group's addressed signals arrive. A signal from a member the room's member list
 * names goes through at once; one from a member it does not name yet is kept until a list
 * does. The server tells a newcomer its list before its peers hear of it, but a list and a
 * relay travel apart (through another process, on another Redis channel), so a relay may
 * overtake the list that names its sender: dropped, its pair would never call. Bounded: past
 * `limit` the oldest goes, so a sender who never shows up cannot grow it.
 */
export class SignalInbox {
  #held: Held[] = [];

  constructor(
    readonly deliver: (from: string, data: SignalingPayload) => void,
    readonly limit = 256,
  ) {}

  /** How many signals wait for a list that names their sender. */
  get waiting(): number {
    return this.#held.length;
  }

  /** A signal arrived: delivered now if `members` names `from`, else kept. */
  receive(from: string, data: SignalingPayload, members: readonly string[]): void {
    if (members.includes(from)) {
      this.deliver(from, data);
      return;
    }
    if (this.#held.length >= this.limit) this.#held = this.#held.slice(1);
    this.#held = [...this.#held, { from, data }];
  }

  /** The member list changed: delivers, in the order they came, the signals of those it names. */
  named(members: readonly string[]): void {
    const named = new Set(members);
    const due = this.#held.filter((signal) => named.has(signal.from));
    if (due.length === 0) return;
    this.#held = this.#held.filter((signal) => !named.has(signal.from));
    for (const { from, data } of due) this.deliver(from, data);
  }

  /** Drops what member `id` sent (it left), or everything (this tab left or sat anew). */
  forget(id?: string): void {
    this.#held = id === undefined ? [] : this.#held.filter((signal) => signal.from !== id);
  }
}
