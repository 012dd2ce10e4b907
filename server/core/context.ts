import type { ClientEventName, ErrorCode } from '../protocol/index.ts';
import { refused } from './acks.ts';
import type { IceIssuer } from './ice.ts';
import type { AddressGate, SignalingCounters } from './ports.ts';
import type { KeyedBuckets } from './rate-limit.ts';
import { mayTellRateLimited, type RateLimitOptions } from './rate-limit.ts';
import type { RoomAccess } from './room-access.ts';
import type { SeatHolds } from './seat-holds.ts';
import type { MaybePromise, RoomStore } from './store.ts';
import type { SignalingLogger, SignalingServer, SignalingSocket } from './types.ts';

/**
 * What one attach shares with its handlers: made once by `createSignaling`, read by the
 * handler functions that every socket shares (no closures per socket).
 */
export interface SignalingContext {
  io: SignalingServer;
  rooms: RoomStore;
  holds: SeatHolds;
  /** The handshake checks, which also say what address a socket counts against. */
  gate: AddressGate;
  /** PIN locks, their guess limits, and room tokens. */
  access: RoomAccess;
  /** The counters the handlers move (the edge's Prometheus metrics). */
  metrics: SignalingCounters;
  logger: SignalingLogger;
  limits: RateLimitOptions;
  /** The largest relayed payload, in bytes of JSON. */
  maxPayloadBytes: number;
  /** Whether Socket.IO decodes with `sizedParser`, so a `message`'s second argument is its size. */
  sizedPackets: boolean;
  clientLog: boolean;
  exposeAddresses: boolean;
  /** The address the http server is bound to (`::` or `0.0.0.0` for every interface), if known. */
  boundAddress: () => string | undefined;
  /** Hands out ICE servers and TURN credentials, limited per address. */
  ice: IceIssuer;
  recoveryWindowMs: number;
  /** The call outcomes' per-address limit; undefined when reports are refused (`disabled`). */
  outcomes: KeyedBuckets | undefined;
  /** Engine connections whose browser closed the tab on purpose (WebSocket 1001). */
  wentAway: WeakSet<object>;
  /** Set once by drain() and close(). */
  lifecycle: { draining: boolean; closed: boolean };
}

/** Mirrors a server log line to the client that caused it (the codelab's `log`), if enabled. */
export function logTo(context: SignalingContext, socket: SignalingSocket, ...parts: unknown[]) {
  if (context.clientLog) socket.emit('log', ['Message from server:', ...parts]);
}

/**
 * Answers the sender with `signaling:error` (and its ack, if it asked); nothing else changes.
 * A `rate-limited` refusal is answered once per window (see `mayTellRateLimited`); the others
 * of that window are counted and dropped unanswered, so a flood queues no answers.
 */
export function refuse(
  context: SignalingContext,
  socket: SignalingSocket,
  event: ClientEventName,
  code: ErrorCode,
  message: string,
): void {
  context.metrics.reject(code);
  if (code === 'rate-limited' && !mayTellRateLimited(socket.data.buckets)) {
    refused(socket, event);
    return;
  }
  socket.emit('signaling:error', { event, code, message });
  refused(socket, event, code);
  logTo(context, socket, `Refused "${event}": ${message}`);
}

/** Logs a failed asynchronous store call that nobody waits on, so it is never unhandled. */
export function settle(context: SignalingContext, value: MaybePromise<void>, what: string): void {
  if (value instanceof Promise) {
    value.catch((error: unknown) =>
      context.logger.error(
        `[signaling] room store failed on ${what}; check the store (Redis?):`,
        error,
      ),
    );
  }
}
