import type { ServerOptions } from 'socket.io';
import type { IceOptions } from './ice.ts';
import type { BucketOptions, RateLimitOptions } from './rate-limit.ts';
import type { RoomAccessOptions } from './room-access.ts';
import type { RoomStore } from './store.ts';
import type { SignalingLogger } from './types.ts';

/**
 * The options of `attachSignaling` that the core reads: the room store, the relay, recovery and
 * the limits on sockets. The http edge's `SignalingOptions` adds who may connect and what its
 * http routes serve.
 */
export interface CoreOptions<S extends RoomStore = RoomStore> {
  /**
   * How many members a room holds (ignored when `rooms` is given: the store has its own).
   * @default 2
   */
  roomCapacity?: number;
  /**
   * Where room occupancy lives, e.g. a Redis store shared by several processes.
   * @default new MemoryRooms(roomCapacity), in this process's memory
   */
  rooms?: S;
  /**
   * Mirror server log lines to the client that caused them (the codelab's `log` event). Useful
   * in development; it costs an extra packet per relayed message, so production turns it off.
   * @default true
   */
  clientLog?: boolean;
  /**
   * Answer `ipaddr` with the server's non-loopback IPv4 addresses.
   * @default true
   */
  exposeAddresses?: boolean;
  /**
   * Options passed to Socket.IO's `Server` (and engine.io's `attach`), e.g. `destroyUpgrade`.
   * @default {}
   */
  socketOptions?: Partial<ServerOptions>;
  /**
   * The STUN and TURN servers handed to each client at join (TURN with short-lived
   * credentials from the shared secret, never the secret itself).
   * @default {}
   */
  ice?: IceOptions;
  /**
   * Where warnings and errors go.
   * @default console
   */
  logger?: SignalingLogger;
  /**
   * The largest `message` payload relayed, in bytes of JSON; larger ones are refused with
   * `invalid-payload`. Socket.IO's `maxHttpBufferSize` is set to twice this, so a packet past
   * that closes the connection before it is even parsed.
   * @default 65536
   */
  maxPayloadBytes?: number;
  /**
   * Characters one connection may hold queued for its client (engine.io's write buffer, between
   * flushes): a client that stops reading (a polling client that never polls) is closed past it,
   * its queue dropped. Above the largest recovery replay (about 0.6 MB per flooding peer at the
   * default byte bucket and window).
   * @default 2097152 (2 MiB)
   */
  maxBufferedBytes?: number;
  /**
   * Per-socket token buckets; a request past them is refused with `rate-limited`. Buckets not
   * given keep their defaults (see `DEFAULT_RATE_LIMITS`).
   * @default DEFAULT_RATE_LIMITS
   */
  rateLimits?: Partial<RateLimitOptions>;
  /**
   * Socket.IO connection state recovery, in milliseconds: a member whose connection drops keeps
   * its seat this long, the other member is told `peer:reconnecting`, and relays it missed are
   * replayed when it recovers (see `HeldSessionAdapter`). 0 turns it off. Off in the core, which
   * then frees a seat the moment its connection goes (docs/protocol.md#leaving-a-room); the
   * Vite plugin and the production server turn it on.
   * @default 0
   */
  recoveryWindowMs?: number;
  /**
   * PIN locks (guess limits, how long a lock outlives its room) and signed room tokens.
   * @default DEFAULT_ROOM_ACCESS, no tokens
   */
  roomAccess?: RoomAccessOptions;
  /**
   * Count the call outcomes clients report (`call:outcome`) in the metrics, at most
   * `perAddress` reports from one client address; `false` refuses them (`disabled`) and
   * collects nothing.
   * @default { perAddress: DEFAULT_OUTCOMES_PER_ADDRESS }
   */
  callOutcomes?: false | { perAddress?: BucketOptions };
}

/** The sizes of the structures the server keeps per client; all zero on an idle server. */
export interface TrackedState {
  /** Connected Socket.IO sockets. */
  sockets: number;
  /** Engine.IO connections, with those that never reached the namespace. */
  engineConnections: number;
  /** Addresses with open connections. */
  openAddresses: number;
  /** Addresses whose handshake bucket is not full again yet. */
  handshakeAddresses: number;
  /** Seats held for dropped connections. */
  heldSeats: number;
  /** Entries of the held seats' indexes (per address and per room). */
  heldSeatIndex: number;
  /** Sessions Socket.IO keeps for recovery. */
  awaySessions: number;
  /** Rooms those sessions are indexed under. */
  awaySessionRooms: number;
  /** Room names with a PIN guess bucket not full again yet. */
  pinRooms: number;
  /** Addresses with a PIN guess bucket not full again yet. */
  pinAddresses: number;
  /** Ids of room tokens spent and not yet expired. */
  spentTokens: number;
  /** Addresses with a TURN credential bucket not full again yet. */
  turnAddresses: number;
  /** Addresses with a call-outcome bucket not full again yet. */
  outcomeAddresses: number;
}
