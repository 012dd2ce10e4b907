/**
 * The signaling protocol: the one definition of every event, shared by the server and the
 * browser client (`import type` only). The codelab's events keep their names, arguments and
 * order (docs/protocol.md#codelab-events); events of our own are named `noun:verb`.
 */

/** A relayed payload: any JSON value (offer, answer, candidate, or a string like `'bye'`). */
export type SignalingPayload =
  | string
  | number
  | boolean
  | null
  | SignalingPayload[]
  | { [key: string]: SignalingPayload };

/** The events a client may send that the server answers with `signaling:error` on refusal. */
export type ClientEventName =
  | 'create or join'
  | 'message'
  | 'signal'
  | 'bye'
  | 'ipaddr'
  | 'ice:servers'
  | 'room:peek'
  | 'call:outcome';

/** Why the server refused a request. */
export type ErrorCode =
  | 'invalid-room'
  | 'already-in-room'
  | 'not-in-room'
  | 'invalid-target'
  | 'room-full'
  | 'invalid-payload'
  | 'rate-limited'
  | 'disabled'
  | 'invalid-pin'
  | 'invalid-name'
  | 'room-locked'
  | 'token-refused'
  | 'unavailable'
  | 'relay-failed'
  | 'seat-lost'
  | 'internal';

/** The body of a `signaling:error` event: which request was refused, why, and what to do. */
export interface SignalingError {
  event: ClientEventName;
  code: ErrorCode;
  message: string;
}

/** How full the client's own room is; never more than that room's own figures. */
export interface RoomState {
  room: string;
  members: number;
  capacity: number;
}

/**
 * Who sits in the client's room (socket ids, this client included, in seating order), so each
 * member of a mesh knows its peers. Sent to the whole room on every change; the ids are only
 * ever used as `signal` targets, which the server checks against the room.
 */
export interface RoomMembers {
  room: string;
  members: string[];
  capacity: number;
}

/**
 * Our own: the display names of the members of the client's room who gave one, by socket id.
 * Sent to the room after a member who gave a name took a seat; codelab members have none.
 */
export interface RoomNames {
  room: string;
  names: Record<string, string>;
}

/**
 * Our own: what a tab may learn of a room before it asks for a seat (`room:peek`). A locked
 * room says that it is locked and no more: who sits there is the PIN's to protect.
 */
export type RoomPeek =
  | { room: string; capacity: number; locked: true }
  | {
      room: string;
      capacity: number;
      locked: false;
      /** Seats taken, held seats of dropped members included. */
      members: number;
      /** The display names of the members who gave one, in seating order. */
      names: string[];
    };

/** An addressed relay a client sends: `data` goes to room member `to` only. */
export interface SignalRequest {
  to: string;
  data: SignalingPayload;
}

/** An addressed relay as its target receives it: `from` is set by the server, never the sender. */
export interface SignalDelivery {
  from: string;
  data: SignalingPayload;
}

/** One ICE server as `RTCPeerConnection` takes it; TURN entries carry this client's credential. */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/** Events the server sends. */
export interface ServerToClientEvents {
  /** To the first member of an empty room. */
  created: (room: string, socketId: string) => void;
  /** To the members already there (never the newcomer), just before another one joins. */
  join: (room: string) => void;
  /** To the second member. */
  joined: (room: string, socketId: string) => void;
  /** To both members, once, after the second has joined. */
  ready: () => void;
  /** To a tab asking for a seat in a room that has none left. */
  full: (room: string) => void;
  /** A payload relayed unchanged from the other member of the room. */
  message: (payload: SignalingPayload) => void;
  /** One of the server's non-loopback IPv4 addresses, once per address. */
  ipaddr: (address: string) => void;
  /** A server-side log line mirrored to the client: `['Message from server:', ...parts]`. */
  log: (parts: unknown[]) => void;
  /**
   * Another member left the room, however it went (bye, disconnect, reload, a held seat that
   * ended or was taken over, its server gone): every departure is told the same way.
   */
  bye: (room: string) => void;
  /**
   * Our own: who sits in the client's room, after each seat granted (before `ready`) and
   * each seat freed (after `bye`).
   */
  'room:members': (members: RoomMembers) => void;
  /** Our own: a payload addressed to this client by another member of its room. */
  signal: (delivery: SignalDelivery) => void;
  /** Our own, in rooms above two, right after every `bye`: which member left the room. */
  'peer:left': (left: { room: string; id: string }) => void;
  /** Our own: the display names in the client's room, after a named member took a seat. */
  'room:names': (names: RoomNames) => void;
  /** Our own: the answer to `room:peek`, to that client only. */
  'room:peek': (peek: RoomPeek) => void;
  /** Our own: the seats of the client's room changed (after created, ready and bye). */
  'room:update': (state: RoomState) => void;
  /**
   * Our own: the ICE servers this client may use, sent with every seat granted (just before
   * `created` or `joined`) and in answer to the client's own `ice:servers`, TURN credentials
   * fresh for this client. `ttl` is how many seconds the TURN credential stays good for new
   * allocations (absent without TURN): ask again before it runs out.
   */
  'ice:servers': (servers: IceServer[], ttl?: number) => void;
  /** A request of this client was refused; nothing else changed. */
  'signaling:error': (error: SignalingError) => void;
  /**
   * The other member's connection dropped; its seat is held while it may recover. `bye`
   * follows if it does not come back within the window.
   */
  'peer:reconnecting': (room: string) => void;
  /** The other member recovered its connection and kept its seat. */
  'peer:reconnected': (room: string) => void;
  /**
   * The server is shutting down: the connection closes next, and the client should reconnect
   * and join again (socket.io-client reconnects by itself).
   */
  'server:shutdown': () => void;
}

/**
 * Our own, optional second argument of `create or join`. Codelab clients send the room alone
 * and join unlocked rooms exactly as before.
 */
export interface JoinOptions {
  /**
   * The room's PIN, 4 to 64 characters: the member who creates a room locks it with this PIN,
   * and later members must give the same one.
   */
  pin?: string;
  /**
   * `false` asks to join only, never to create: an empty room is then refused exactly as a
   * locked room with a wrong PIN is, so the answer never tells whether the room exists.
   * @default true
   */
  create?: boolean;
  /**
   * The member's display name, shown to the others (`room:names`): 1 to
   * {@link DISPLAY_NAME_MAX} characters after NFC, no control characters
   * (`server/protocol/display-name.ts`). Refused `invalid-name` otherwise.
   */
  name?: string;
}

/** What a client may put in Socket.IO's `auth` handshake field. */
export interface HandshakeAuth {
  /**
   * A signed room token (JWT: `room`, `exp`, `jti`), required when the server is configured
   * with `ROOM_TOKEN_SECRET` or a public key; good for one `create or join` in its room.
   */
  token?: string;
}

/** Events a client sends. */
export interface ClientToServerEvents {
  /** Ask for a seat in a room; the options (a PIN) are ours, not the codelab's. */
  'create or join': (room: string, options?: JoinOptions) => void;
  /** Relay a payload to the other member of the sender's room. */
  message: (payload: SignalingPayload) => void;
  /** Our own: relay `data` to one other member of the sender's room (a mesh's signaling). */
  signal: (request: SignalRequest) => void;
  /** Ask for the server's addresses. */
  ipaddr: () => void;
  /** Leave the room; the room argument is optional and only checked against the seat held. */
  bye: (room?: string) => void;
  /**
   * Our own: ask for fresh ICE servers (a new TURN credential) for the seat this client holds,
   * before an ICE restart or before the last one runs out. Answered with `ice:servers`, or
   * refused `not-in-room` or `rate-limited`; with an ack, it resolves after the answer.
   */
  'ice:servers': () => void;
  /**
   * Our own: before joining, what is `room` like (`RoomPeek`), answered with `room:peek`.
   * Limited with the joins; refused `invalid-room`, or `token-refused` when tokens are
   * required and the handshake's token is for another room.
   */
  'room:peek': (room: string) => void;
  /**
   * Our own: the outcome of one peer connection that ended, for the operator's metrics.
   * Refused `invalid-payload` (a shape not above), `rate-limited` (too many from one
   * address) or `disabled` (this server collects none); never answered otherwise.
   */
  'call:outcome': (report: CallOutcome) => void;
}

/** Why a peer connection never connected (docs/nat-traversal.md#call-outcomes). */
export const CALL_FAILURE_REASONS = [
  /** ICE failed and the server offered no TURN relay: no direct path between the two. */
  'no-relay',
  /** ICE failed with TURN offered, but no relay could be allocated (over UDP nor TCP). */
  'relay-unreachable',
  /** ICE failed otherwise (a relay was allocated and still no pair worked). */
  'ice-failed',
  /** The other member left before the connection came up. */
  'peer-left',
  /** This side hung up, left or reloaded before the connection came up. */
  'abandoned',
] as const;

/** The candidate types of `getStats`, as the selected pair's two ends report them. */
export const CANDIDATE_TYPES = ['host', 'srflx', 'prflx', 'relay'] as const;

/**
 * The transport of the selected pair's local end: for a relay candidate, how the browser
 * reaches its TURN server (`udp`, `tcp` or `tls`); else the candidate's own protocol.
 */
export const PAIR_PROTOCOLS = ['udp', 'tcp', 'tls'] as const;

/** How a peer connection ended. */
export const CALL_ENDINGS = [
  /** This side hung up. */
  'hang-up',
  /** The other side hung up. */
  'peer-hung-up',
  /** The other member left the room (or its tab closed). */
  'peer-left',
  /** This side left the room. */
  'left',
  /** This tab closed or reloaded. */
  'page-closed',
  /** A new connection replaced it (both members met again: a rejoin, a reload). */
  'replaced',
] as const;

/**
 * Our own: one peer connection's outcome, as its polite side reports it when it ends, with no
 * address, no room and no id: what an operator counts (docs/nat-traversal.md#call-outcomes).
 */
export type CallOutcome = {
  /** ICE restarts this connection went through. */
  restarts: number;
  /** Whether it was connected again after its last restart (absent without restarts). */
  recovered?: boolean;
  ended: (typeof CALL_ENDINGS)[number];
} & (
  | {
      outcome: 'connected';
      /** Milliseconds from the second member's join to this connection's first `connected`. */
      setupMs: number;
      /** The selected candidate pair, when `getStats` named one. */
      pair?: {
        local: (typeof CANDIDATE_TYPES)[number];
        remote: (typeof CANDIDATE_TYPES)[number];
        protocol: (typeof PAIR_PROTOCOLS)[number];
      };
    }
  | { outcome: 'failed'; reason: (typeof CALL_FAILURE_REASONS)[number] }
);

/** Events between server processes (none yet: the adapter carries room broadcasts). */
export type InterServerEvents = Record<string, never>;

/** What the server keeps on each socket. */
export interface SocketData {
  /** The room this socket has a seat in, if any (the client's name, not the namespaced key). */
  room?: string;
  /** The display name this socket gave with its last join, if any. */
  name?: string;
}

/** Socket.IO's room names are namespaced so a client can never name a socket's private room. */
export const ROOM_PREFIX = 'room:';

/** The most characters a room name may have, after NFC normalisation. */
export const ROOM_NAME_MAX = 64;

/** The most characters a display name may have, after NFC normalisation and trimming. */
export const DISPLAY_NAME_MAX = 40;

/**
 * The acknowledgement of a client request that asked for one (Socket.IO's ack; codelab
 * clients never do): `{ data: null }` once the request was handled (its answers came as
 * events), `{ error }` with the code its `signaling:error` carried.
 */
export type RequestAck = { data: null } | { error: ErrorCode };
