import { ROOM_PREFIX } from '../../protocol/index.ts';
import { clientAddress, leftOnPurpose, whenClosed } from '../connections.ts';
import { type SignalingContext, settle } from '../context.ts';
import { expire, leave } from '../seating.ts';
import { forgetSession } from '../session-adapter.ts';
import type { SignalingSocket } from '../types.ts';

// Socket.IO persists a session for recovery on more reasons (socket.io's lib/socket.ts,
// RECOVERABLE_DISCONNECT_REASONS), but the others are this server closing connections itself
// (a drain, engine.io closing with its http server on a Vite restart): no one comes back to
// those seats here. A seat is held only when the network failed.
const NETWORK_FAILURES: ReadonlySet<string> = new Set([
  'transport error',
  'transport close',
  'ping timeout',
]);

/**
 * The `disconnect` listener every socket shares. A tab that left frees its seat at once; one
 * whose network failed keeps it for the recovery window, and the rest of the room is told
 * `peer:reconnecting` rather than `bye`. Past its address's share of held seats, a dropped
 * member leaves as a closed tab does; Socket.IO's copy of its session goes with the seat.
 */
export function disconnectListener(context: SignalingContext) {
  return function onDisconnect(this: SignalingSocket, reason: string): void {
    const room = this.data.room;
    if (room === undefined) return;
    whenClosed(this.conn, reason, () => seatAfter(context, this, room, reason));
  };
}

/** Holds `socket`'s seat in `room` if its network failed, else frees it. */
function seatAfter(
  context: SignalingContext,
  socket: SignalingSocket,
  room: string,
  reason: string,
): void {
  // Over polling a failed network is a `transport error` (the GET or POST dies): a polling
  // `transport close` is the client's own close packet, a tab that left on purpose.
  const closedPolling = reason === 'transport close' && socket.conn.transport.name === 'polling';
  const recoverable =
    NETWORK_FAILURES.has(reason) && !closedPolling && !leftOnPurpose(context.wentAway, socket.conn);
  if (context.recoveryWindowMs > 0 && !context.lifecycle.draining && recoverable) {
    const member = socket.id;
    // Socket.IO kept this socket's session (id, rooms, data) for the window: keep its seat
    // as long, so a dropped network is "reconnecting" to the other member, not "left".
    const held = context.holds.hold(
      member,
      room,
      context.recoveryWindowMs,
      () => settle(context, expire(context, member, room), `freeing the held seat in ${room}`),
      clientAddress(socket.conn),
    );
    if (held) {
      settle(context, context.rooms.hold?.(room, member), `holding the seat in ${room}`);
      // Not to the member itself: its session is kept, and would replay the notice to it.
      context.io
        .to(ROOM_PREFIX + room)
        .except(member)
        .emit('peer:reconnecting', room);
      return;
    }
  }
  forgetSession(socket.nsp.adapter, socket);
  settle(context, leave(context, socket), `leave of ${room}`);
}
