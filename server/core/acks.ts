import type { ClientEventName, ErrorCode, RequestAck } from '../protocol/index.ts';
import type { MaybePromise } from './store.ts';
import type { SignalingSocket } from './types.ts';

/** Socket.IO's acknowledgement callback; it sends once and ignores later calls. */
export type Ack = (answer: RequestAck) => void;

/** A request whose client asked for an acknowledgement, until it is answered. */
interface AckedRequest {
  socket: SignalingSocket;
  event: ClientEventName;
  ack: Ack;
  /** Answered by a refusal, or dropped unanswered: nothing more is sent. */
  settled?: boolean;
}

/**
 * The request whose handler runs synchronously right now: `null` for one without an ack,
 * `undefined` between requests. Refusals made then belong to it and to no other.
 */
let running: AckedRequest | null | undefined;

/**
 * Acked requests whose handler went asynchronous (a join waiting on the store, a peek), by
 * socket and event: a socket has at most one join in flight (`joining`), so a later refusal
 * of that event is that join's, and a peek answered meanwhile takes nothing of it.
 */
const waiting = new WeakMap<SignalingSocket, Map<ClientEventName, AckedRequest>>();

/**
 * Runs `handle(socket, value, second)` with the request's ack (if any) where {@link refused}
 * finds it, and answers the ack with `{ data: null }` once the handler is done, unless a
 * refusal answered it first. `handle` must not throw. Without an ack this only marks the
 * request as running (no allocation: the relay path stays as it was).
 */
export function runRequest(
  socket: SignalingSocket,
  event: ClientEventName,
  ack: Ack | undefined,
  handle: (socket: SignalingSocket, value: unknown, second: unknown) => MaybePromise<void>,
  value: unknown,
  second: unknown,
): void {
  const request: AckedRequest | null = ack === undefined ? null : { socket, event, ack };
  const previous = running;
  running = request;
  try {
    const result = handle(socket, value, second);
    if (request === null) return;
    if (!(result instanceof Promise)) {
      if (!request.settled) request.ack({ data: null });
      return;
    }
    let pending = waiting.get(socket);
    if (!pending) waiting.set(socket, (pending = new Map()));
    pending.set(event, request);
    const done = () => {
      if (pending.get(event) === request) pending.delete(event);
      if (!request.settled) request.ack({ data: null });
    };
    result.then(done, done);
  } finally {
    running = previous;
  }
}

/**
 * Answers the acked request `socket` made with `event`, if any, with the refusal's code; with
 * no code, the request is dropped and its ack never answered (a flood's refusals).
 */
export function refused(socket: SignalingSocket, event: ClientEventName, code?: ErrorCode): void {
  const request = running === undefined ? waiting.get(socket)?.get(event) : running;
  if (request && request.socket === socket && request.event === event && !request.settled) {
    request.settled = true;
    if (code !== undefined) request.ack({ error: code });
  }
}
