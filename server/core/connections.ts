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
  request: IncomingMessage;
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
    gate.closed(this.request);
    connections.delete(this);
  }
  io.engine.on('connection', (connection: EngineConnection) => {
    watch.call(connection, connection.transport);
    connection.on('upgrade', watch);
    connection.on('packet', onPacket);
    gates.watch(connection);
    gate.opened(connection.request);
    connections.add(connection);
    connection.on('close', onClose);
  });
  return connections;
}
