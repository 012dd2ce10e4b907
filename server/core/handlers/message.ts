import { ROOM_PREFIX, type SignalingPayload } from '../../protocol/index.ts';
import { logTo, refuse } from '../context.ts';
import type { EventHandler } from '../guard.ts';
import { check } from '../validation.ts';

/**
 * `message`: relays the payload, unchanged (codelab clients depend on it), to the rest of the
 * sender's own room only: the client never chooses the recipient.
 */
export const message: EventHandler = (context, socket, value) => {
  const room = socket.data.room;
  if (room === undefined) {
    refuse(
      context,
      socket,
      'message',
      'not-in-room',
      'this tab has no seat in a room; join one first',
    );
    return;
  }
  const checked = check(context.payload, value);
  if (!checked.ok) {
    refuse(context, socket, 'message', 'invalid-payload', checked.reason);
    return;
  }
  if (!socket.data.buckets.messageBytes.take(checked.value.bytes)) {
    refuse(
      context,
      socket,
      'message',
      'rate-limited',
      'too many bytes relayed; wait a moment and retry',
    );
    return;
  }
  logTo(context, socket, 'Client said: ', value);
  // Room affinity: with every member on this process, the relay never leaves it.
  const recipients = context.rooms.isLocal?.(room) ? socket.local : socket;
  recipients.to(ROOM_PREFIX + room).emit('message', value as SignalingPayload);
  context.metrics.relays.inc();
};
