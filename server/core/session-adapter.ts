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

interface HeldSession {
  session: SessionToPersist;
  disconnectedAt: number;
  /** The room broadcasts this session missed, as Socket.IO replays them (`[event, ...args]`). */
  missed: unknown[][];
}

/**
 * Connection state recovery without touching the wire. Socket.IO's own `SessionAwareAdapter`
 * appends a replay offset to every broadcast event (so `ready` arrives with an argument the
 * codelab never had) and stores every broadcast for the whole window, whether anyone is away or
 * not. This adapter stores a broadcast only for the sessions that are away and would have
 * received it, and appends nothing: with nobody away, a broadcast costs what it costs without
 * recovery.
 *
 * The offset a client sends back is ignored: replay is per session, not by position in a shared
 * log. socket.io-client asks to recover only once it holds some string offset, which it takes
 * from the last string argument of any event; every seated client has one, since `created` and
 * `joined` end with its id, and a client with no seat has nothing to recover.
 */
export class HeldSessionAdapter extends Adapter {
  readonly #held = new Map<PrivateSessionId, HeldSession>();
  readonly #windowMs: number;

  constructor(nsp: ConstructorParameters<typeof Adapter>[0]) {
    super(nsp);
    this.#windowMs = nsp.server.opts.connectionStateRecovery.maxDisconnectionDuration;
  }

  override persistSession(session: SessionToPersist): void {
    const held: HeldSession = { session, disconnectedAt: Date.now(), missed: [] };
    this.#held.set(session.pid, held);
    // Only this very entry expires: the same session may have come back and gone away again.
    setTimeout(() => {
      if (this.#held.get(session.pid) === held) this.#held.delete(session.pid);
    }, this.#windowMs).unref();
  }

  override restoreSession(pid: PrivateSessionId, _offset: string): Promise<Session> {
    const held = this.#held.get(pid);
    this.#held.delete(pid);
    if (!held || held.disconnectedAt + this.#windowMs < Date.now()) {
      // Socket.IO's own adapters answer null for "nothing to restore", despite the type.
      return null as unknown as Promise<Session>;
    }
    return Promise.resolve({ ...held.session, missedPackets: held.missed });
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
      for (const { session, missed } of this.#held.values()) {
        if (reaches(session.rooms, opts)) missed.push(packet.data);
      }
    }
    super.broadcast(packet, opts);
  }

  /** How many sessions are away and held. */
  get heldSessions(): number {
    return this.#held.size;
  }
}

/** Whether a broadcast with `opts` would have reached a socket in `rooms` (Socket.IO's rule). */
function reaches(rooms: Room[], opts: BroadcastOptions): boolean {
  const included = opts.rooms.size === 0 || rooms.some((room) => opts.rooms.has(room));
  return included && rooms.every((room) => !opts.except?.has(room));
}
