import type { ErrorCode, SignalingPayload } from '../../protocol/index.ts';
import { refuse, type SignalingContext } from '../context.ts';
import type { EventHandler } from '../guard.ts';
import { Bucket, takeTokens } from '../rate-limit.ts';
import { after } from '../store.ts';
import type { SignalingSocket } from '../types.ts';
import { check, checkPayload, SignalRequestSchema } from '../validation.ts';

/**
 * `signal` (our own): relays `data` to one other member of the sender's room, as
 * `signal { from, data }`, `from` set here. The target is a client string, so it is only
 * addressed once the room store says it sits in the sender's room: a client can never reach
 * a socket (or a socket's private room) outside its own room by naming it.
 */
export const signal: EventHandler = (context, socket, value) => {
  const checked = checkSignal(context, socket, value);
  if ('code' in checked) {
    refuse(context, socket, 'signal', checked.code, checked.message);
    return;
  }
  const { room, to, data } = checked;
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

/**
 * What is wrong with a `signal` request before its target is looked up (no seat, a bad shape,
 * too big, to itself, past the byte rate), or the request; its bytes are taken from the
 * sender's bucket when it passes.
 */
function checkSignal(
  context: SignalingContext,
  socket: SignalingSocket,
  value: unknown,
): { code: ErrorCode; message: string } | { room: string; to: string; data: unknown } {
  const room = socket.data.room;
  if (room === undefined) {
    return { code: 'not-in-room', message: 'this tab has no seat in a room; join one first' };
  }
  const request = check(SignalRequestSchema, value);
  if (!request.ok) return { code: 'invalid-payload', message: request.reason };
  const { to, data } = request.value;
  // Nested in the request, `data` has no size of its own on the wire: it is counted here.
  const bytes = checkPayload(data, undefined, context.maxPayloadBytes);
  if (typeof bytes === 'string') return { code: 'invalid-payload', message: bytes };
  if (to === socket.id) {
    return {
      code: 'invalid-target',
      message: 'a tab cannot signal itself; pick another member',
    };
  }
  if (!takeTokens(socket.data.buckets, Bucket.messageBytes, context.limits.messageBytes, bytes)) {
    return { code: 'rate-limited', message: 'too many bytes relayed; wait a moment and retry' };
  }
  return { room, to, data };
}
