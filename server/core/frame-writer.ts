/**
 * Writes an encoded Socket.IO frame (`42[…]`) to one client, the way a raw `ws` server would
 * when it can: straight to the client's WebSocket as the engine.io packet `4<frame>`, past
 * engine.io's packet machinery (a packet object, `packetCreate`, its write buffer, `flush`,
 * `drain`, a send callback per write and the transport's `writable` round trip), which
 * costs a relay more than the relay's own checks.
 *
 * Only while that is what engine.io would do anyway: the connection is open on the websocket
 * transport, engine.io holds nothing unsent for it (its write buffer is empty and its transport
 * writable), and the WebSocket itself has nothing buffered. Anything else (long-polling, an
 * upgrade under way, a client that stopped reading) takes `conn.write`, engine.io's public
 * path, so frames stay in order and the outbound bound (connection-gates.ts) still counts what
 * queues for a slow reader: at most one frame is ever written past it.
 *
 * `transport.socket` (the `ws` WebSocket) and `writeBuffer` are engine.io internals: engine.io
 * is pinned in package.json for them, and relay.test.ts fails if an upgrade moves them (relays
 * would silently all go through engine.io again).
 */

/** The WebSocket (`ws`) under engine.io's websocket transport: public `ws` API. */
interface FrameSocket {
  send(data: string): void;
  readonly bufferedAmount: number;
}

/** The parts of an engine.io `Socket` this reads. */
export interface FrameConnection {
  readonly readyState: string;
  readonly transport: { readonly name: string; readonly writable: boolean; socket?: unknown };
  write(data: string): unknown;
}

/** engine.io's packet type for a message: what it puts before a Socket.IO packet. */
const MESSAGE = '4';

/** Writes `frame` to `conn`; true if it went straight to the WebSocket. */
export function writeFrame(conn: FrameConnection, frame: string): boolean {
  const { transport } = conn;
  if (
    transport.writable &&
    transport.name === 'websocket' &&
    conn.readyState === 'open' &&
    (conn as unknown as { writeBuffer: unknown[] }).writeBuffer.length === 0
  ) {
    const socket = transport.socket as FrameSocket;
    if (socket.bufferedAmount === 0) {
      socket.send(MESSAGE + frame);
      return true;
    }
  }
  conn.write(frame);
  return false;
}
