import type { IncomingMessage } from 'node:http';
import type { ConnectionGates } from './connection-gates.ts';
import type { AddressGate } from './ports.ts';
import type { SignalingServer } from './types.ts';

/** The `ws` socket under an engine.io websocket transport, as far as the server needs it. */
interface WebSocketLike {
  /** 3 once closed (the `ws` package's `WebSocket.CLOSED`). */
  readyState: number;
  prependListener(event: 'close', listener: (this: WebSocketLike, code: number) => void): unknown;
  once(event: 'close', listener: () => void): unknown;
}

/** An engine.io transport, as far as telling a closed tab from a dropped network needs it. */
interface EngineTransport {
  name: string;
  socket?: WebSocketLike;
}

/** An engine.io packet, as far as the gates read it. */
interface EnginePacket {
  type: string;
  data?: string | Buffer;
}

/** The engine.io connection, as far as the server needs it. */
export interface EngineConnection {
  /**
   * The request that opened the connection: read once when the connection is made (its client
   * address is kept, {@link clientAddress}), then dropped (see {@link trackConnections}).
   */
  request: IncomingMessage | null;
  /** The client address the connection counts against, set when it is made. */
  clientAddress?: string;
  transport: EngineTransport;
  on(event: 'close', listener: (this: EngineConnection) => void): unknown;
  on(
    event: 'upgrade',
    listener: (this: EngineConnection, transport: EngineTransport) => void,
  ): unknown;
  on(
    event: 'packet' | 'packetCreate',
    listener: (this: EngineConnection, packet: EnginePacket) => void,
  ): unknown;
  on(event: 'flush', listener: (this: EngineConnection) => void): unknown;
  close(discard?: boolean): void;
}

/**
 * The client address a connection (or a Socket.IO socket's, `socket.conn`) counts against in
 * every per-address limit, as read from its handshake request when it was made.
 */
export function clientAddress(connection: object): string {
  return (connection as { clientAddress?: string }).clientAddress ?? 'unknown';
}

/** WebSocket close code a browser sends when its tab closes, reloads or navigates away. */
const GOING_AWAY = 1001;

/** Whether `connection`'s browser closed its websocket on purpose (see trackConnections). */
export function leftOnPurpose(wentAway: WeakSet<object>, connection: EngineConnection): boolean {
  const socket = connection.transport.socket;
  return socket !== undefined && wentAway.has(socket);
}

/**
 * Calls `then` once it is known whether a socket that ended for `reason` left on purpose: at
 * once, unless its websocket failed before it closed. A tab that closes while the server is
 * writing to it ends in engine.io's "transport error" (the write fails on the closing socket)
 * before `ws` has emitted the close, and its 1001 with it; deciding then would hold the seat of
 * a tab that left. The close follows the error at once.
 */
export function whenClosed(connection: EngineConnection, reason: string, then: () => void): void {
  const socket = connection.transport.socket;
  const pending = socket !== undefined && socket.readyState !== WEBSOCKET_CLOSED;
  if (reason === 'transport error' && pending) socket.once('close', then);
  else then();
}

/** The `ws` package's `WebSocket.CLOSED`. */
const WEBSOCKET_CLOSED = 3;

/** What {@link trackConnections} needs besides the server. */
export interface ConnectionTracking {
  gate: AddressGate;
  /** Engine connections whose browser closed the tab on purpose (WebSocket 1001). */
  wentAway: WeakSet<object>;
  /** The gates every connection passes after its handshake (connection-gates.ts). */
  gates: ConnectionGates;
}

/**
 * Counts engine-level connections (so sessions that never reach a namespace count, and are
 * closed on drain, too), releases their per-address slot when they close, and notes those whose
 * browser left on purpose. engine.io reports every websocket close as "transport close", but a
 * browser closing or reloading the tab sends 1001 "going away" while a failed network sends
 * nothing (1006): the first left on purpose (docs/protocol.md#leaving-a-room: its seat is freed
 * at once); only the second may come back. The listeners are made once here, not per connection: a closure per
 * connection is memory per idle client.
 *
 * A connection's request (its headers, its parser state, some 0.9 KiB) is read once here, for
 * the address every per-address limit counts, and then dropped, as Socket.IO's documentation
 * suggests for servers with many idle clients: nothing later needs it (`socket.handshake` of a
 * socket made after this has empty `headers` and `query`; the access gate checked the headers
 * before engine.io made the connection). See docs/scaling.md#what-a-connection-keeps.
 */
export function trackConnections(
  io: SignalingServer,
  { gate, wentAway, gates }: ConnectionTracking,
): Set<EngineConnection> {
  const connections = new Set<EngineConnection>();
  // Prepended, so the code is known before engine.io's own listener ends the socket; the
  // websocket itself is what is marked, and engine.io keeps it as the connection's transport.
  function onWebSocketClose(this: WebSocketLike, code: number) {
    if (code === GOING_AWAY) wentAway.add(this);
  }
  function watch(this: EngineConnection, transport: EngineTransport) {
    if (transport.name !== 'websocket') return;
    transport.socket?.prependListener('close', onWebSocketClose);
  }
  // Engine.IO v4's `close` packet ends the session; engine.io 6.6 acts on it over polling only
  // (its Socket#onPacket has no case for it), so over WebSocket the session would live on
  // until the ping timeout, its seat with it. Socket.IO packets pass the gates first.
  function onPacket(this: EngineConnection, packet: EnginePacket) {
    if (packet.type === 'close') this.close();
    else if (packet.type === 'message') gates.inbound(this, packet.data);
  }
  function onClose(this: EngineConnection) {
    gate.closed(clientAddress(this));
    connections.delete(this);
  }
  // First of the engine's `connection` listeners, so Socket.IO's own (which may open a socket
  // at once, for an Engine.IO v3 client) already finds the address.
  io.engine.prependListener('connection', (connection: EngineConnection) => {
    const address = connection.request ? gate.address(connection.request) : 'unknown';
    connection.clientAddress = address;
    connection.request = null;
    watch.call(connection, connection.transport);
    connection.on('upgrade', watch);
    connection.on('packet', onPacket);
    gates.watch(connection);
    gate.opened(address);
    connections.add(connection);
    connection.on('close', onClose);
  });
  return connections;
}
