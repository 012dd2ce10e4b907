import { io, type Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  ErrorCode,
  RequestAck,
  RoomPeek,
  ServerToClientEvents,
} from '../../server/protocol/index.ts';

/** What a look at a room gave: what the server said, or why it would not say. */
export type PeekAnswer = { ok: true; peek: RoomPeek } | { ok: false; code: ErrorCode | 'timeout' };

/** How a join screen looks at a room: given the room, the answer. */
export type Peek = (room: string) => Promise<PeekAnswer>;

type PeekSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * A {@link Peek} over an open signaling socket (the app's own: `room:peek` costs a token of the
 * socket's join bucket, so look now and then, not in a loop).
 */
export function peekOver(socket: PeekSocket): Peek {
  return (room) =>
    new Promise((resolve) => {
      let peek: RoomPeek | undefined;
      const onPeek = (answer: RoomPeek) => {
        if (answer.room === room) peek = answer;
      };
      socket.on('room:peek', onPeek);
      // The typed events declare no ack callbacks; the server answers every request with one.
      (socket as unknown as Socket)
        .timeout(5000)
        .emitWithAck('room:peek', room)
        .then(
          (ack: RequestAck) => {
            if ('error' in ack) resolve({ ok: false, code: ack.error });
            else if (peek) resolve({ ok: true, peek });
            else resolve({ ok: false, code: 'internal' });
          },
          () => resolve({ ok: false, code: 'timeout' }),
        )
        .finally(() => socket.off('room:peek', onPeek));
    });
}

/**
 * A {@link Peek} on a socket of its own, opened on first use (for a join screen shown before
 * the app's signaling connects); `close()` ends it.
 */
export function ownPeek(): Peek & { close(): void } {
  let socket: PeekSocket | undefined;
  const peek = ((room: string) => {
    socket ??= io({ transports: ['websocket', 'polling'], tryAllTransports: true });
    return peekOver(socket)(room);
  }) as Peek & { close(): void };
  peek.close = () => {
    socket?.disconnect();
    socket = undefined;
  };
  return peek;
}
