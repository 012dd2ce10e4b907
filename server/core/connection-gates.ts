import { clientAddress, type EngineConnection } from './connections.ts';

/** Why the gates closed an engine.io connection, as counted in the rejections metric. */
export type ConnectionClosure = 'second-connect' | 'outbound-buffer';

/** The default of `SignalingOptions.maxBufferedBytes`: 2 MiB. */
export const DEFAULT_MAX_BUFFERED_BYTES = 2 * 1024 * 1024;

/** What {@link connectionGates} needs. */
export interface ConnectionGateOptions {
  /**
   * Charges a CONNECT that follows an ended socket on the same connection from `address` what a
   * new handshake costs (the address's handshake bucket); false when the address has none left.
   */
  again(address: string): boolean;
  /** Counts a connection closed by a gate, or a CONNECT refused as a handshake would be. */
  refused(reason: ConnectionClosure | 'too-many-handshakes'): void;
  /** Characters an engine.io connection may hold unsent before it is closed. */
  maxBufferedBytes: number;
}

/** The gates every engine.io connection passes after its handshake (see {@link connectionGates}). */
export interface ConnectionGates {
  /** Starts watching what `connection` sends: its Socket.IO answers and its unsent bytes. */
  watch(connection: EngineConnection): void;
  /** Looks at an inbound engine.io `message` packet before Socket.IO decodes it. */
  inbound(connection: EngineConnection, data: string | Buffer | undefined): void;
}

/** Where the main namespace's socket of one connection stands. */
const NONE = 0;
const OPENING = 1;
const OPEN = 2;
const ENDED = 3;

/** What the gates keep on each connection: two numbers, no closure. */
interface Gated extends EngineConnection {
  socketIo?: number;
  buffered?: number;
}

/**
 * Two gates on every engine.io connection.
 *
 * **One Socket.IO socket at a time.** Socket.IO records a namespace's socket only once its
 * (asynchronous) middlewares are done, so every CONNECT (`40`) that arrives before then would
 * open another socket with fresh token buckets, past every per-address and per-socket limit.
 * The state is read here, from the packets as they arrive and leave: a CONNECT while the
 * connection's socket is opening or open closes the connection; one after that socket ended
 * (the client's `41`, the server's `41`, or a refusal `44`) costs a handshake token. Other
 * namespaces are not gated: Socket.IO refuses them without making a socket.
 *
 * **A bounded outbound buffer.** What engine.io queues for a client that does not read (a
 * polling client that never polls; a websocket whose peer stopped reading) is counted from
 * `packetCreate` to `flush`; past `maxBufferedBytes` characters the connection is closed and
 * the queue dropped.
 */
export function connectionGates(options: ConnectionGateOptions): ConnectionGates {
  const { maxBufferedBytes } = options;
  const close = (connection: Gated, reason: ConnectionClosure | 'too-many-handshakes') => {
    options.refused(reason);
    connection.close(true);
  };
  function onPacketCreate(this: Gated, packet: { type: string; data?: string | Buffer }) {
    const { data } = packet;
    if (data === undefined) return;
    this.buffered = (this.buffered ?? 0) + (typeof data === 'string' ? data.length : data.length);
    if (this.buffered > maxBufferedBytes) {
      this.buffered = 0;
      close(this, 'outbound-buffer');
      return;
    }
    if (packet.type !== 'message' || typeof data !== 'string' || !mainNamespace(data)) return;
    const kind = data.charCodeAt(0);
    if (kind === CONNECT && this.socketIo === OPENING) this.socketIo = OPEN;
    else if (kind === DISCONNECT || kind === CONNECT_ERROR) this.socketIo = ENDED;
  }
  function onFlush(this: Gated) {
    this.buffered = 0;
  }
  return {
    watch(connection) {
      connection.on('packetCreate', onPacketCreate);
      connection.on('flush', onFlush);
    },
    inbound(connection: Gated, data) {
      if (typeof data !== 'string' || !mainNamespace(data)) return;
      const kind = data.charCodeAt(0);
      const state = connection.socketIo ?? NONE;
      if (kind === DISCONNECT) {
        // Socket.IO ignores a `41` for a socket still opening: so does this.
        if (state === OPEN) connection.socketIo = ENDED;
        return;
      }
      if (kind !== CONNECT) return;
      if (state === OPENING || state === OPEN) return close(connection, 'second-connect');
      if (state === ENDED && !options.again(clientAddress(connection))) {
        return close(connection, 'too-many-handshakes');
      }
      connection.socketIo = OPENING;
    },
  };
}

/** Socket.IO packet types (socket.io-parser's `PacketType`), as the first character's code. */
const CONNECT = 0x30;
const DISCONNECT = 0x31;
const CONNECT_ERROR = 0x34;

/** Whether a Socket.IO packet's text is for the main namespace (others start `<type>/name,`). */
function mainNamespace(data: string): boolean {
  return data.length > 0 && data.charCodeAt(1) !== SLASH;
}

const SLASH = 0x2f;
