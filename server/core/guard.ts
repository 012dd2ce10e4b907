import type { ClientEventName } from '../protocol/index.ts';
import { refuse, type SignalingContext } from './context.ts';
import { Bucket, takeTokens } from './rate-limit.ts';
import type { MaybePromise } from './store.ts';
import type { SignalingSocket } from './types.ts';

/**
 * A client event's listener, shared by every socket: Socket.IO calls it with the socket as
 * `this`. `second` is the event's second argument: `create or join`'s options, or for
 * `message` the size of the packet it came in (see sized-parser.ts).
 */
export type SharedListener = (this: SignalingSocket, value?: unknown, second?: unknown) => void;

/**
 * The work of one client event, given the socket it came from, its argument, and its second
 * argument (`create or join`'s options; for `message` the size of the packet it came in).
 */
export type EventHandler = (
  context: SignalingContext,
  socket: SignalingSocket,
  value: unknown,
  second?: unknown,
) => MaybePromise<void>;

/**
 * Wraps a handler into the listener every socket registers. Each request takes a token from
 * the socket's `bucket` first, so floods of bad input are limited too. A handler that throws or
 * rejects would surface as an unhandled error in Socket.IO's emitter: the sender is answered
 * `internal` instead, and every other room keeps going.
 */
export function guarded(
  context: SignalingContext,
  event: ClientEventName,
  bucket: 'join' | 'message',
  handler: EventHandler,
): SharedListener {
  const index = Bucket[bucket];
  const options = context.limits[bucket];
  const fail = (socket: SignalingSocket, error: unknown) => {
    context.logger.error(
      `[signaling] "${event}" from ${socket.id} failed; the client was told:`,
      error,
    );
    refuse(context, socket, event, 'internal', 'the server failed on this request; try again');
  };
  return function listener(this: SignalingSocket, value?: unknown, second?: unknown) {
    // A client that asks for an acknowledgement gets Socket.IO's callback as one more argument:
    // no argument of ours (answers are events), so it never stands in for a room or options.
    if (typeof second === 'function') second = undefined;
    if (typeof value === 'function') value = undefined;
    if (!takeTokens(this.data.buckets, index, options)) {
      refuse(
        context,
        this,
        event,
        'rate-limited',
        `too many "${event}" requests; wait a moment and retry`,
      );
      return;
    }
    try {
      const result = handler(context, this, value, second);
      if (result instanceof Promise) result.catch((error: unknown) => fail(this, error));
    } catch (error) {
      fail(this, error);
    }
  };
}
