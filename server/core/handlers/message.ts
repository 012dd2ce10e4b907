import { ROOM_PREFIX, type SignalingPayload } from '../../protocol/index.ts';
import { logTo, refuse } from '../context.ts';
import type { EventHandler } from '../guard.ts';
import { Bucket, takeTokens } from '../rate-limit.ts';
import { checkPayload } from '../validation.ts';

/**
 * `message`: relays the payload, unchanged (codelab clients depend on it), to the rest of the
 * sender's own room only: the client never chooses the recipient. This runs for every relay,
 * so it allocates nothing of its own on the way through.
 */
export const message: EventHandler = (context, socket, value, arrived) => {
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
  // Only the sized parser's count is trusted: with another parser the argument is the client's.
  const size = context.sizedPackets && typeof arrived === 'number' ? arrived : undefined;
  const bytes = checkPayload(value, size, context.maxPayloadBytes);
  if (typeof bytes === 'string') {
    refuse(context, socket, 'message', 'invalid-payload', bytes);
    return;
  }
  const { buckets } = socket.data;
  if (!takeTokens(buckets, Bucket.messageBytes, context.limits.messageBytes, bytes)) {
    refuse(
      context,
      socket,
      'message',
      'rate-limited',
      'too many bytes relayed; wait a moment and retry',
    );
    return;
  }
  if (context.clientLog) logTo(context, socket, 'Client said: ', value);
  // Room affinity: with every member on this process, the relay never leaves it.
  const recipients = context.rooms.isLocal?.(room) ? socket.local : socket;
  recipients.to(ROOM_PREFIX + room).emit('message', value as SignalingPayload);
  context.metrics.relayed++;
};
