import type { SignalingLogger } from '../../core/types.ts';
import { pairs, strings } from './scripts.ts';

/** What this process knows of a room in which it seats members. */
export interface LocalRoom {
  /** Its members seated on this process. */
  members: Set<string>;
  /** Every member of the room is on this process, as last read from Redis. */
  local: boolean;
  /** Bumped by each sign that the room changed elsewhere: an older read must not set `local`. */
  version: number;
  refreshing: boolean;
}

/** What {@link RoomAffinity} needs of the store. */
export interface AffinityOptions {
  /** This process's id, as the room hashes name it. */
  processId: string;
  /** Reads a room's hash (member, holder, ...). */
  read(room: string): Promise<unknown>;
  /** How long a join waits for its room's subscription before it is answered anyway. */
  subscribeTimeoutMs: number;
  logger: SignalingLogger;
  /** Logs a failed background command, unless the store is closed. */
  logLater(what: string): (error: unknown) => void;
}

/**
 * Room affinity: which rooms with a member here have every member here (so their relays and
 * events never cross Redis), and when this process hears a room's broadcasts. `local` only ever
 * becomes true from a read of the room's hash made once the subscription to the room's
 * channel is in place, and any sign of a change elsewhere clears it: false is always safe.
 */
export class RoomAffinity {
  /** The rooms with a member on this process. */
  readonly rooms = new Map<string, LocalRoom>();
  /** Rooms whose channel this process is subscribed to, as the adapter reports. */
  readonly #subscriptions = new Set<string>();
  /** The last publish of an event (not a relay) to each room, until Redis answers it. */
  readonly #publishing = new Map<string, Promise<void>>();
  /** Joins waiting for their room's subscription ({@link listening}), by room. */
  readonly #listeners = new Map<string, { resolves: (() => void)[]; timer: NodeJS.Timeout }>();
  readonly #options: AffinityOptions;

  constructor(options: AffinityOptions) {
    this.#options = options;
  }

  /** Every member of `room` sits on this process, as far as it knows for sure. */
  isLocal(room: string): boolean {
    return this.rooms.get(room)?.local ?? false;
  }

  /**
   * Another process broadcast to `room` (the adapter saw it): a member may have joined there.
   * Relays go through Redis until a fresh read says otherwise. Only a departure (`bye`, which
   * every way of leaving sends) can make the room all local again, so only then is it read
   * again: a join elsewhere sends four events, and reading the room after each cost a round
   * trip per event at a thousand joins a second.
   */
  changedElsewhere(room: string, event: unknown): void {
    const entry = this.rooms.get(room);
    if (!entry) return;
    entry.version++;
    entry.local = false;
    if (event === 'bye') this.#refresh(room, entry);
  }

  /**
   * This process now receives `room`'s broadcasts (the adapter's subscription to its channel
   * is in place): a read from now on may find the room all local, since any later join
   * elsewhere will be heard.
   */
  subscribed(room: string): void {
    const already = this.#subscriptions.has(room);
    this.#subscriptions.add(room);
    this.#heard(room);
    const entry = this.rooms.get(room);
    if (!entry || already) return;
    entry.version++;
    this.#refresh(room, entry);
  }

  /** This process no longer receives `room`'s broadcasts (no member of it here any more). */
  unsubscribed(room: string): void {
    this.#subscriptions.delete(room);
    const entry = this.rooms.get(room);
    if (entry) entry.local = false;
  }

  /**
   * This process published an event to `room` (a `join`, a `bye`): {@link listening} waits for
   * Redis to take it, so whoever is told next cannot overtake it.
   */
  publishing(room: string, sent: Promise<unknown>): void {
    const settled = sent.then(noop, noop);
    this.#publishing.set(room, settled);
    void settled.then(() => {
      if (this.#publishing.get(room) === settled) this.#publishing.delete(room);
    });
  }

  /**
   * Resolves once this process receives `room`'s broadcasts (see {@link subscribed}) and Redis
   * took the last event this process published to it. So a member is told its seat only when a
   * peer's relay cannot go unheard here, and when every other process has been sent the `join`
   * that tells it the room is no longer all its own (else a peer there, told the news some
   * other way, could relay to this member as if alone). A subscription that does not come
   * within the command timeout is waited for no longer (the adapter logs its error), so a join
   * is never stuck.
   */
  listening(room: string): Promise<void> | undefined {
    const published = this.#publishing.get(room);
    const subscribed = this.#subscription(room);
    if (subscribed === undefined) return published;
    return published === undefined ? subscribed : Promise.all([subscribed, published]).then(noop);
  }

  /** Lets every join still waiting for a subscription go (the store is closing). */
  releaseAll(): void {
    for (const room of [...this.#listeners.keys()]) this.#heard(room);
  }

  /** The entry of `room`, made if it has none yet. */
  entry(room: string): LocalRoom {
    let entry = this.rooms.get(room);
    if (!entry) {
      entry = { members: new Set(), local: false, version: 0, refreshing: false };
      this.rooms.set(room, entry);
    }
    return entry;
  }

  dropIfEmpty(room: string, entry: LocalRoom): void {
    if (entry.members.size === 0 && this.rooms.get(room) === entry) this.rooms.delete(room);
  }

  /**
   * Sets `local` from a read of the room's hash, unless the room changed since `version`. Not
   * before this process receives the room's broadcasts: until then a join elsewhere could go
   * unheard.
   */
  apply(room: string, entry: LocalRoom, version: number, hash: readonly string[]): void {
    if (entry.version !== version) return;
    const { processId } = this.#options;
    entry.local =
      this.#subscriptions.has(room) &&
      pairs(hash).every(([, holder]) => holder.split('|')[0] === processId);
  }

  #subscription(room: string): Promise<void> | undefined {
    if (this.#subscriptions.has(room)) return undefined;
    return new Promise((resolve) => {
      const waiting = this.#listeners.get(room);
      if (waiting) {
        waiting.resolves.push(resolve);
        return;
      }
      const timer = setTimeout(() => {
        this.#options.logger.warn(
          `[signaling] Redis: not subscribed to room ${room} yet; seating anyway`,
        );
        this.#heard(room);
      }, this.#options.subscribeTimeoutMs);
      this.#listeners.set(room, { resolves: [resolve], timer });
    });
  }

  #heard(room: string): void {
    const waiting = this.#listeners.get(room);
    if (!waiting) return;
    this.#listeners.delete(room);
    clearTimeout(waiting.timer);
    for (const resolve of waiting.resolves) resolve();
  }

  #refresh(room: string, entry: LocalRoom): void {
    if (entry.refreshing) return;
    entry.refreshing = true;
    const { version } = entry;
    this.#options
      .read(room)
      .then((hash) => {
        entry.refreshing = false;
        this.apply(room, entry, version, strings(hash));
        // Changed again while reading: read once more, or it stays remote until the next join.
        if (entry.version !== version && this.rooms.get(room) === entry) {
          this.#refresh(room, entry);
        }
      })
      .catch((error: unknown) => {
        entry.refreshing = false;
        this.#options.logLater(`read room ${room}`)(error);
      });
  }
}

function noop(): void {}
