import type { EngineConnection } from './connections.ts';
import { type SignalingContext, settle } from './context.ts';
import { noop } from './seating.ts';
import { after } from './store.ts';

/** The drain and close of one attach (see `SignalingHandle`). */
export function createLifecycle(context: SignalingContext, connections: Set<EngineConnection>) {
  const { io, lifecycle } = context;
  const drain = async (timeoutMs = 3000) => {
    if (!lifecycle.draining) {
      lifecycle.draining = true;
      for (const [member, room] of context.holds.clear()) {
        const freed = after(context.rooms.leave(room, member), noop);
        settle(context, freed, `freeing the held seat in ${room}`);
      }
      io.emit('server:shutdown');
      // Closing the transport, not the Socket.IO socket: socket.io-client reconnects by itself
      // after a transport close, but not after a server-side `disconnect()`. engine.io flushes
      // the write buffer (the shutdown notice) before it closes.
      for (const connection of connections) connection.close();
    }
    const deadline = Date.now() + timeoutMs;
    while (connections.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const close = async (timeoutMs?: number) => {
    if (lifecycle.closed) return;
    lifecycle.closed = true;
    await drain(timeoutMs);
    // What io.close() does, minus closing the http server that belongs to the caller.
    io.local.disconnectSockets(true);
    await Promise.allSettled([...io._nsps.values()].map((nsp) => nsp.adapter.close()));
    io.engine.close();
    context.metrics.close();
  };
  return { drain, close };
}
