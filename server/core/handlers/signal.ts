import type { SignalingPayload } from '../../protocol/index.ts';
import { refuse } from '../context.ts';
import type { EventHandler } from '../guard.ts';
import { after } from '../store.ts';
import { check, SignalRequestSchema } from '../validation.ts';

/**
 * `signal` (our own): relays `data` to one other member of the sender's room, as
 * `signal { from, data }`, `from` set here. The target is a client string, so it is only
 * addressed once the room store says it sits in the sender's room: a client can never reach
 * a socket (or a socket's private room) outside its own room by naming it.
 */
export const signal: EventHandler = (context, socket, value) => {
  const room = socket.data.room;
  if (room === undefined) {
    refuse(
      context,
      socket,
      'signal',
      'not-in-room',
      'this tab has no seat in a room; join one first',
    );
    return;
  }
  const request = check(SignalRequestSchema, value);
  if (!request.ok) {
    refuse(context, socket, 'signal', 'invalid-payload', request.reason);
    return;
  }
  const { to, data } = request.value;
  const checked = check(context.payload, data);
  if (!checked.ok) {
    refuse(context, socket, 'signal', 'invalid-payload', checked.reason);
    return;
  }
  if (to === socket.id) {
    refuse(
      context,
      socket,
      'signal',
      'invalid-target',
      'a tab cannot signal itself; pick another member',
    );
    return;
  }
  if (!socket.data.buckets.messageBytes.take(checked.value.bytes)) {
    refuse(
      context,
      socket,
      'signal',
      'rate-limited',
      'too many bytes relayed; wait a moment and retry',
    );
    return;
  }
  return after(context.rooms.members(room), (members) => {
    // A shared store answers later: the sender may have left meanwhile.
    if (socket.data.room !== room) return;
    if (!members.includes(to)) {
      refuse(
        context,
        socket,
        'signal',
        'invalid-target',
        `no member "${to.slice(0, 64)}" in room "${room}"; it may have left (see room:members)`,
      );
      return;
    }
    context.io.to(to).emit('signal', { from: socket.id, data: data as SignalingPayload });
    context.metrics.relays.inc();
  });
};
