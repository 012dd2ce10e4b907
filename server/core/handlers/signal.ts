import type { SignalingPayload } from '../../protocol/index.ts';
import { refuse } from '../context.ts';
import type { EventHandler } from '../guard.ts';
import { Bucket, takeTokens } from '../rate-limit.ts';
import { after } from '../store.ts';
import { check, checkPayload, SignalRequestSchema } from '../validation.ts';

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
  // Nested in the request, `data` has no size of its own on the wire: it is counted here.
  const bytes = checkPayload(data, undefined, context.maxPayloadBytes);
  if (typeof bytes === 'string') {
    refuse(context, socket, 'signal', 'invalid-payload', bytes);
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
  if (!takeTokens(socket.data.buckets, Bucket.messageBytes, context.limits.messageBytes, bytes)) {
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
    context.metrics.relayed++;
  });
};
