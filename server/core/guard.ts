import type { ClientEventName } from '../protocol/index.ts';
import { type Ack, runRequest } from './acks.ts';
import { refuse, type SignalingContext } from './context.ts';
import { Bucket, takeTokens } from './rate-limit.ts';
import type { MaybePromise } from './store.ts';
import type { SignalingSocket } from './types.ts';

/**
 * A client event's listener, shared by every socket: Socket.IO calls it with the socket as
 * `this`. `second` is the event's second argument: `create or join`'s options, or for
 * `message` the size of the packet it came in (see sized-parser.ts).
 */
export type SharedListener = (
  this: SignalingSocket,
  value?: unknown,
  second?: unknown,
  third?: unknown,
) => void;

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
 * `internal` instead, and every other room keeps going. A request sent with an ack is answered
 * through it too (acks.ts): `{ error: code }` beside its `signaling:error`, else `{ data: null }`.
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
  const handle = (socket: SignalingSocket, value: unknown, second: unknown) => {
    if (!takeTokens(socket.data.buckets, index, options)) {
      refuse(
        context,
        socket,
        event,
        'rate-limited',
        `too many "${event}" requests; wait a moment and retry`,
      );
      return;
    }
    try {
      const result = handler(context, socket, value, second);
      if (result instanceof Promise) return result.catch((error: unknown) => fail(socket, error));
    } catch (error) {
      fail(socket, error);
    }
  };
  return function listener(
    this: SignalingSocket,
    value?: unknown,
    second?: unknown,
    third?: unknown,
  ) {
    // A client that asks for an acknowledgement gets Socket.IO's callback as the last argument:
    // it is answered (acks.ts), and never stands in for a room or options.
    let ack: Ack | undefined;
    if (typeof third === 'function') ack = third as Ack;
    else if (typeof second === 'function') {
      ack = second as Ack;
      second = undefined;
    } else if (typeof value === 'function') {
      ack = value as Ack;
      value = undefined;
    }
    runRequest(this, event, ack, handle, value, second);
  };
}
