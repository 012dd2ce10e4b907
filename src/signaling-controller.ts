import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { io } from 'socket.io-client';
import type {
  CallOutcome,
  IceServer,
  SignalingError,
  SignalingPayload,
} from '../server/protocol/index.ts';
import type { CallSignaling, SignalingEvent } from './call/types.ts';
import { askIceServers, IceRenewal } from './ice-servers.ts';
import { rememberedPin, rememberPin } from './lobby/pins.ts';
import { loadProfile } from './lobby/profile.ts';
import { type Peek, peekOver } from './lobby/room-peek.ts';
import { formatPart, summarize } from './log-format.ts';
import type {
  ConnectionState,
  LogEntry,
  SeatState,
  SignalingClientSocket,
} from './signaling-types.ts';

export type { ConnectionState, LogEntry, SeatState, SignalingClientSocket };

/** How many log lines are kept; older ones scroll out. */
const LOG_LIMIT = 500;

/**
 * Owns the Socket.IO connection of a tab and the room state it implies. Components read its
 * fields and call its methods; they never touch socket.io. Connects when the host connects,
 * closes when it disconnects, and re-joins the wanted room on every (re)connect: a server
 * restart or a Vite reload gives the seat back by itself.
 */
export class SignalingController implements ReactiveController, CallSignaling {
  connection: ConnectionState = 'connecting';
  /** The room this tab wants a seat in, or null. */
  room: string | null = null;
  seat: SeatState = 'idle';
  /** Members present in the room, this tab included; 0 when it has no seat. */
  members = 0;
  capacity = 2;
  /** The other member left (bye, disconnect or reload) and nobody took the seat since. */
  peerLeft = false;
  /** The other member's connection dropped; the server holds its seat while it may recover. */
  peerReconnecting = false;
  /** The server's LAN addresses, from `ipaddr`. */
  addresses: string[] = [];
  /** The last refusal from the server, cleared by the next successful join. */
  error: SignalingError | null = null;
  logs: LogEntry[] = [];
  /** This tab's socket id while connected. */
  socketId: string | null = null;
  /** The ICE servers the server handed out last (with the seat, or renewed since). */
  iceServers: IceServer[] = [];
  /** Rooms above two: the members' socket ids, this tab's included (`room:members`). */
  memberIds: string[] = [];
  /** The display names of the room's members who gave one, by socket id (`room:names`). */
  names: Record<string, string> = {};

  readonly #host: ReactiveControllerHost;
  #socket: SignalingClientSocket | undefined;
  #nextLogId = 0;
  /** Renews the TURN credential at half its lifetime, while this tab holds a seat. */
  readonly #renewal = new IceRenewal(
    () => askIceServers(this.#socket),
    () => this.room !== null,
  );
  #name: string | undefined;
  /** The server refused a call outcome as `disabled`: none are sent again. */
  #outcomesOff = false;
  readonly #listeners = new Set<(event: SignalingEvent) => void>();

  constructor(host: ReactiveControllerHost) {
    this.#host = host;
    host.addController(this);
  }

  hostConnected(): void {
    // Websocket first: no polling round trips, and a reload closes it at once, so the server
    // frees the seat before the reloaded page asks for it again (with long polling it would
    // wait for the ping timeout). closeOnBeforeunload says goodbye explicitly as well.
    const socket: SignalingClientSocket = io({
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      closeOnBeforeunload: true,
    });
    this.#socket = socket;
    this.#setConnection('connecting');

    this.#listenToConnection(socket);
    this.#listenToSeats(socket);
    this.#listenToPeers(socket);
    this.#listenToServer(socket);
  }

  /** The socket's own life: connected (join again), dropped, unreachable. */
  #listenToConnection(socket: SignalingClientSocket): void {
    socket.on('connect', () => {
      this.socketId = socket.id ?? null;
      this.#setConnection('connected');
      if (socket.recovered) {
        // Socket.IO's connection state recovery kept this socket's session and the server
        // kept its seat: asking again would be refused as a second seat.
        this.#log('client', `Reconnected as ${socket.id}; the seat was kept`);
        return;
      }
      this.#log('client', `Connected to the signaling server as ${socket.id}`);
      socket.emit('ipaddr');
      if (this.room !== null) this.#askForSeat(this.room);
    });
    socket.on('disconnect', (reason) => {
      this.socketId = null;
      // The seat is the server's to keep (for a short network drop) or free; the next connect
      // says which, so the room state stays on screen until then.
      this.#setConnection(socket.active ? 'reconnecting' : 'disconnected');
      this.#log('client', `Disconnected (${reason})${socket.active ? '; reconnecting' : ''}`);
    });
    socket.on('connect_error', (error) => {
      this.#setConnection(socket.active ? 'reconnecting' : 'disconnected');
      this.#log('client', `Cannot reach the signaling server: ${error.message}`, 'error');
    });
  }

  /** The codelab's seat events: created, join, joined, ready, full, bye. */
  #listenToSeats(socket: SignalingClientSocket): void {
    socket.on('created', (room, id) => {
      if (room !== this.room) return this.#giveBack(room);
      this.seat = 'created';
      this.members = Math.max(this.members, 1);
      this.error = null;
      this.#log('client', `Created room ${room} as ${id}; waiting for another member`);
      this.#emit({ type: 'seat', seat: 'created', room });
    });
    socket.on('join', (room) => {
      this.peerLeft = false;
      this.peerReconnecting = false;
      this.#log('client', `Another member is joining room ${room}`);
      this.#emit({ type: 'join' });
    });
    socket.on('joined', (room, id) => {
      if (room !== this.room) return this.#giveBack(room);
      this.seat = 'joined';
      this.peerLeft = false;
      this.error = null;
      this.#log('client', `Joined room ${room} as ${id}; the other member was already there`);
      this.#emit({ type: 'seat', seat: 'joined', room });
    });
    socket.on('ready', () => {
      this.#log('client', 'Room is ready: both members are here');
      this.#emit({ type: 'ready' });
    });
    socket.on('full', (room) => {
      if (room !== this.room) return;
      this.seat = 'full';
      this.members = 0;
      this.#log('client', `Room ${room} is full`, 'error');
    });
    socket.on('bye', (room) => {
      // Above two, `peer:left` follows and says who: that is the one news of it.
      if (this.capacity > 2) return;
      this.#log('client', `The other member left room ${room}`);
      this.#departed(null);
    });
  }

  /** The room and its other members: reconnecting and back, figures and ids, addressed relays, shutdown. */
  #listenToPeers(socket: SignalingClientSocket): void {
    socket.on('peer:reconnecting', (room) => {
      this.peerReconnecting = true;
      this.#log(
        'client',
        `The other member's connection dropped; the server holds its seat in ${room}`,
      );
      this.#emit({ type: 'peer-reconnecting' });
    });
    socket.on('peer:reconnected', (room) => {
      this.peerReconnecting = false;
      this.#log('client', `The other member is back in room ${room}`);
      this.#emit({ type: 'peer-reconnected' });
    });
    socket.on('server:shutdown', () => {
      this.#log(
        'client',
        'The server is shutting down; this tab reconnects when it is back',
        'error',
      );
    });
    socket.on('room:update', ({ room, members, capacity }) => {
      if (room !== this.room) return;
      this.members = members;
      this.capacity = capacity;
      this.#host.requestUpdate();
    });
    socket.on('room:members', (list) => {
      const { room, members, capacity } = list;
      if (room !== this.room) return;
      this.memberIds = members;
      this.members = members.length;
      this.capacity = capacity;
      this.#emit({ type: 'members', ids: members });
      this.#host.requestUpdate();
    });
    socket.on('room:names', ({ room, names }) => {
      if (room !== this.room) return;
      this.names = names;
      const others = Object.entries(names).filter(([id]) => id !== this.socketId);
      if (others.length > 0) {
        this.#log('client', `In the room with you: ${others.map(([, name]) => name).join(', ')}`);
      }
      this.#emit({ type: 'names' });
      this.#host.requestUpdate();
    });
    socket.on('signal', ({ from, data }) => {
      this.#emit({ type: 'signal', from, data });
    });
    socket.on('peer:left', ({ room, id }) => {
      if (room !== this.room) return;
      this.memberIds = this.memberIds.filter((member) => member !== id);
      this.#log('client', `Member ${id} left room ${room}`);
      this.#departed(id);
    });
  }

  /** What the server says itself: relays, ICE servers, addresses, log lines, refusals. */
  #listenToServer(socket: SignalingClientSocket): void {
    socket.on('message', (payload) => {
      this.#log('client', `Message from the other member: ${summarize(payload)}`);
      this.#emit({ type: 'message', payload });
    });
    socket.on('ice:servers', (servers, ttl) => {
      this.iceServers = servers;
      this.#log('client', this.#renewal.take(servers, ttl));
      this.#emit({ type: 'ice-servers', servers });
    });
    socket.on('ipaddr', (address) => {
      if (!this.addresses.includes(address)) this.addresses = [...this.addresses, address];
      this.#host.requestUpdate();
    });
    socket.on('log', (parts) => {
      this.#log('server', parts.map(formatPart).join(' '));
    });
    socket.on('signaling:error', (error) => {
      if (error.event === 'ipaddr' && error.code === 'disabled') {
        // Production keeps its addresses to itself by default: expected, not a failure.
        this.#log('client', 'The server does not publish its LAN addresses');
        return;
      }
      if (error.event === 'call:outcome') {
        // A report is the operator's, not the person's: a line in the log, nothing on screen.
        this.#outcomesOff ||= error.code === 'disabled';
        this.#log('client', `Call outcome not counted (${error.code}): ${error.message}`);
        return;
      }
      this.error = error;
      if (error.event === 'create or join' && this.seat === 'joining') this.seat = 'idle';
      this.#log('client', `Refused "${error.event}" (${error.code}): ${error.message}`, 'error');
    });
  }

  hostDisconnected(): void {
    this.#renewal.stop();
    this.#socket?.disconnect();
    this.#socket = undefined;
  }

  /**
   * Resolves once the ICE servers hold a TURN credential with at least half its lifetime left:
   * at once when they do (or have no TURN at all), else after asking the server for a fresh one
   * (`ice:servers`). Call it before an ICE restart: coturn checks a credential's expiry when
   * a relay is allocated, and a tab asleep past its renewal would restart on an expired one.
   * Never rejects; without an answer within 5 s it resolves with what it has.
   */
  async freshIceServers(): Promise<IceServer[]> {
    if (this.#renewal.stale) await askIceServers(this.#socket);
    return this.iceServers;
  }

  /**
   * Asks for a seat in `room`, leaving the current room first. A `pin` locks a new room or
   * opens a locked one; it is kept for this tab's session (sessionStorage), so a reload or a
   * reconnect asks with it again. `name` is the display name to give (by default the one the
   * join screen remembered on this device).
   */
  join(room: string, pin?: string, name?: string): void {
    if (this.room !== null && this.seat !== 'full' && this.seat !== 'idle') this.leave();
    if (pin !== undefined) rememberPin(room, pin);
    if (name !== undefined) this.#name = name;
    this.room = room;
    this.error = null;
    this.peerLeft = false;
    if (this.#socket?.connected) this.#askForSeat(room);
    else this.seat = 'joining';
    this.#host.requestUpdate();
  }

  /** Gives up the seat (the other member is told `bye`) and forgets the room. */
  leave(): void {
    const room = this.room;
    if (room === null) return;
    // A seat asked for but not yet answered may still be granted: the server handles one
    // socket's events in order, so this bye frees it before the next request is seen.
    const seatedOrAsking =
      this.seat === 'created' || this.seat === 'joined' || this.seat === 'joining';
    if (this.#socket?.connected && seatedOrAsking) {
      this.#socket.emit('bye', room);
      this.#log('client', `Left room ${room}`);
    }
    this.room = null;
    this.seat = 'idle';
    this.members = 0;
    this.memberIds = [];
    this.names = {};
    this.#renewal.stop();
    this.peerLeft = false;
    this.peerReconnecting = false;
    this.#emit({ type: 'left' });
    this.#host.requestUpdate();
  }

  /**
   * Calls `listener` with every {@link SignalingEvent} from now on; returns the unsubscribe.
   * The call controller listens here rather than opening a second socket.
   */
  subscribe(listener: (event: SignalingEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Looks at `room` before joining (`room:peek`), for the join screen's `peek` property:
   * who is there, or that it is locked. Costs a token of this socket's join bucket.
   */
  readonly peek: Peek = (room) =>
    this.#socket?.connected
      ? peekOver(this.#socket)(room)
      : Promise.resolve({ ok: false, code: 'unavailable' });

  /** Adds a line of the client's own to the on-screen log (e.g. from the call). */
  note(text: string, level: LogEntry['level'] = 'info'): void {
    this.#log('client', text, level);
  }

  /** Relays a payload to the other member of the room. */
  send(payload: SignalingPayload): void {
    this.#socket?.emit('message', payload);
  }

  /** Reports a call's outcome (`call:outcome`), unless this server said it collects none. */
  reportOutcome(report: CallOutcome): void {
    if (this.#socket?.connected && !this.#outcomesOff) this.#socket.emit('call:outcome', report);
  }

  /** Relays a payload to one other member of the room (a group call's `signal`). */
  signal(to: string, data: SignalingPayload): void {
    this.#socket?.emit('signal', { to, data });
  }

  /** The display name member `id` gave when joining, if it gave one (`room:names`). */
  memberName(id: string): string | undefined {
    return this.names[id];
  }
  /** A room of two: the display name the other member gave, if it gave one. */
  otherName(): string | undefined {
    return Object.entries(this.names).find(([id]) => id !== this.socketId)?.[1];
  }

  /** Empties the on-screen log. */
  clearLog(): void {
    this.logs = [];
    this.#host.requestUpdate();
  }

  /** Hands back a seat granted for a room this tab no longer wants (it switched meanwhile). */
  #giveBack(room: string): void {
    this.#socket?.emit('bye', room);
  }

  /** Another member left, however it went: the room's state, then the one event. */
  #departed(id: string | null): void {
    this.peerLeft = true;
    this.peerReconnecting = false;
    // The one who stays is the room's first member again.
    this.seat = 'created';
    this.#emit({ type: 'peer-left', id });
  }

  #emit(event: SignalingEvent): void {
    for (const listener of this.#listeners) listener(event);
  }

  #askForSeat(room: string): void {
    this.seat = 'joining';
    this.#log('client', `Asking to join room ${room}`);
    const pin = rememberedPin(room);
    // The name given to join(), else the one the join screen remembered on this device.
    const name = this.#name ?? (loadProfile().name || undefined);
    if (pin === undefined && name === undefined) this.#socket?.emit('create or join', room);
    else {
      this.#socket?.emit('create or join', room, {
        ...(pin !== undefined && { pin }),
        ...(name !== undefined && { name }),
      });
    }
  }

  #setConnection(state: ConnectionState): void {
    this.connection = state;
    this.#host.requestUpdate();
  }

  #log(source: LogEntry['source'], text: string, level: LogEntry['level'] = 'info'): void {
    const entry: LogEntry = { id: this.#nextLogId++, time: new Date(), source, level, text };
    const kept = this.logs.length >= LOG_LIMIT ? this.logs.slice(1 - LOG_LIMIT) : this.logs;
    this.logs = [...kept, entry];
    this.#host.requestUpdate();
  }
}
