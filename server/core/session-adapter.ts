import {
  Adapter,
  type BroadcastOptions,
  type PrivateSessionId,
  type Room,
  type Session,
} from 'socket.io-adapter';

/** What Socket.IO hands an adapter to keep while a connection is away. */
type SessionToPersist = Parameters<Adapter['persistSession']>[0];

/** Socket.IO's packet type for an event (socket.io-parser's `PacketType.EVENT`). */
const EVENT = 2;

/** A recovered socket, as {@link HeldSessionAdapter.replay} sees it (its events untyped). */
export interface ReplayTarget {
  data: object;
  emit(event: string, ...args: unknown[]): unknown;
}

/** A socket as a recovery session is known by: its id, and its private session id. */
export interface SessionOwner {
  id: string;
}

/**
 * An adapter that keeps sessions for recovery (this file's, or the Redis store's) and drops one
 * at once when its member leaves, so a session exists only while its member is away.
 */
export interface ForgetsSessions {
  forgetSession(socket: SessionOwner): void;
}

/**
 * Drops the recovery session `socket` may have left (its member left on purpose: `41`, a close
 * packet, a closed tab, a seat past its address's share), whichever adapter keeps it.
 */
export function forgetSession(adapter: object, socket: SessionOwner): void {
  const keeper = adapter as Partial<ForgetsSessions>;
  if (typeof keeper.forgetSession === 'function') keeper.forgetSession(socket);
}

/** The private session id Socket.IO gives a socket when recovery is on (typed private). */
export function privateSessionId(socket: SessionOwner): string | undefined {
  const { pid } = socket as { pid?: unknown };
  return typeof pid === 'string' ? pid : undefined;
}

interface HeldSession {
  session: SessionToPersist;
  disconnectedAt: number;
  /** The room broadcasts this session missed, as Socket.IO replays them (`[event, ...args]`). */
  missed: unknown[][];
  timer: NodeJS.Timeout;
}

/**
 * Connection state recovery without touching the wire. Socket.IO's own `SessionAwareAdapter`
 * appends a replay offset to every broadcast event (so `ready` arrives with an argument the
 * codelab never had) and stores every broadcast for the whole window, whether anyone is away or
 * not. This adapter stores a broadcast only for the sessions that are away and would have
 * received it, and appends nothing: with nobody away, a broadcast costs what it costs without
 * recovery.
 *
 * Only sessions that had a seat are kept (a connection that never joined has nothing to
 * recover), and they are indexed by room: a broadcast looks at the away sessions of the rooms
 * it reaches, never at everyone's, so one client's churn cannot slow the relays of others.
 * The core drops a session at once ({@link HeldSessionAdapter.forget}) when it frees the seat.
 *
 * The offset a client sends back is ignored: replay is per session, not by position in a shared
 * log. socket.io-client asks to recover only once it holds some string offset, which it takes
 * from the last string argument of any event; every seated client has one, since `created` and
 * `joined` end with its id, and a client with no seat has nothing to recover.
 */
export class HeldSessionAdapter extends Adapter implements ForgetsSessions {
  readonly #held = new Map<PrivateSessionId, HeldSession>();
  /** Socket id to private session id, so the core can drop a session by the id it knows. */
  readonly #bySid = new Map<string, PrivateSessionId>();
  readonly #byRoom = new Map<Room, Set<HeldSession>>();
  readonly #windowMs: number;
  /** Missed events of restored sessions, by the session's data (the recovered socket's). */
  readonly #replays = new WeakMap<object, unknown[][]>();

  constructor(nsp: ConstructorParameters<typeof Adapter>[0]) {
    super(nsp);
    this.#windowMs = nsp.server.opts.connectionStateRecovery.maxDisconnectionDuration;
  }

  override persistSession(session: SessionToPersist): void {
    if ((session.data as { room?: unknown } | undefined)?.room === undefined) return;
    this.#drop(session.pid);
    const held: HeldSession = {
      session,
      disconnectedAt: Date.now(),
      missed: [],
      // Only this very entry expires: the same session may have come back and gone away again.
      timer: setTimeout(() => {
        if (this.#held.get(session.pid) === held) this.#drop(session.pid);
      }, this.#windowMs).unref(),
    };
    this.#held.set(session.pid, held);
    this.#bySid.set(session.sid, session.pid);
    for (const room of session.rooms) {
      let sessions = this.#byRoom.get(room);
      if (!sessions) this.#byRoom.set(room, (sessions = new Set()));
      sessions.add(held);
    }
  }

  override restoreSession(pid: PrivateSessionId, _offset: string): Promise<Session> {
    const held = this.#held.get(pid);
    this.#drop(pid);
    if (!held || held.disconnectedAt + this.#windowMs < Date.now()) {
      // Socket.IO's own adapters answer null for "nothing to restore", despite the type.
      return null as unknown as Promise<Session>;
    }
    // Socket.IO writes `missedPackets` before its CONNECT answer (v5 wants CONNECT first):
    // kept here instead, and sent by `replay` once the socket is connected.
    if (held.missed.length > 0) this.#replays.set(held.session.data as object, held.missed);
    return Promise.resolve({ ...held.session, missedPackets: [] });
  }

  /**
   * Sends a recovered socket the events it missed while away, in order: call it once the
   * socket is connected (from the `connection` listener), so they follow the CONNECT answer.
   */
  replay(socket: ReplayTarget): void {
    const missed = this.#replays.get(socket.data);
    if (!missed) return;
    this.#replays.delete(socket.data);
    for (const [event, ...args] of missed) socket.emit(String(event), ...args);
  }

  /** Drops the away session of `socket`, if kept: its seat was freed, nothing to recover. */
  forgetSession(socket: SessionOwner): void {
    const pid = this.#bySid.get(socket.id);
    if (pid !== undefined) this.#drop(pid);
  }

  override broadcast(
    packet: { type: number; id?: number; data: unknown[] },
    opts: BroadcastOptions,
  ): void {
    // Packets with an acknowledgement cannot be replayed (the callback does not survive), and
    // volatile ones may be lost anyway: Socket.IO's own adapter skips both too.
    if (
      this.#held.size > 0 &&
      packet.type === EVENT &&
      packet.id === undefined &&
      !opts.flags?.volatile
    ) {
      for (const { session, missed } of this.#reached(opts)) {
        if (reaches(session.rooms, opts)) missed.push(packet.data);
      }
    }
    super.broadcast(packet, opts);
  }

  /** Whether a session that is away would receive a broadcast to `room` (it is kept for it). */
  holds(room: Room): boolean {
    return this.#byRoom.has(room);
  }

  /** How many sessions are away and held. */
  get heldSessions(): number {
    return this.#held.size;
  }

  /** How many rooms the away sessions are indexed under (for leak checks). */
  get indexedRooms(): number {
    return this.#byRoom.size;
  }

  /** The away sessions a broadcast to `opts.rooms` may reach: all only for a broadcast to all. */
  #reached(opts: BroadcastOptions): Iterable<HeldSession> {
    if (opts.rooms.size === 0) return [...this.#held.values()];
    const reached = new Set<HeldSession>();
    for (const room of opts.rooms) {
      for (const held of this.#byRoom.get(room) ?? []) reached.add(held);
    }
    return reached;
  }

  #drop(pid: PrivateSessionId): void {
    const held = this.#held.get(pid);
    if (!held) return;
    clearTimeout(held.timer);
    this.#held.delete(pid);
    if (this.#bySid.get(held.session.sid) === pid) this.#bySid.delete(held.session.sid);
    for (const room of held.session.rooms) {
      const sessions = this.#byRoom.get(room);
      sessions?.delete(held);
      if (sessions?.size === 0) this.#byRoom.delete(room);
    }
  }
}

/** Whether a broadcast with `opts` would have reached a socket in `rooms` (Socket.IO's rule). */
function reaches(rooms: Room[], opts: BroadcastOptions): boolean {
  const included = opts.rooms.size === 0 || rooms.some((room) => opts.rooms.has(room));
  return included && rooms.every((room) => !opts.except?.has(room));
}
