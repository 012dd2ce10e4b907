/**
 * `webrtc-rooms`: the signaling of the WebRTC codelab, done right, for any Node http, https or
 * http2 server (plain `node:http`, Express, Fastify). The composition root of the package: the
 * core with the in-memory seat store unless another (Redis) is given.
 *
 * ```ts
 * import { createServer } from 'node:http';
 * import { attachSignaling } from 'webrtc-rooms';
 * const server = createServer();
 * attachSignaling(server);
 * server.listen(8080);
 * ```
 */
import { DEFAULT_ROOM_ACCESS } from './core/room-access.ts';
import type { RoomStore } from './core/store.ts';
import type { AttachableServer } from './core/types.ts';
import { createSignaling } from './http/attach.ts';
import type {
  SignalingHandle as EdgeHandle,
  SignalingOptions as EdgeOptions,
} from './http/options.ts';
import { MemoryRooms } from './stores/memory.ts';

export type { IceOptions } from './core/ice.ts';
export type { BucketOptions, RateLimitOptions } from './core/rate-limit.ts';
export { DEFAULT_RATE_LIMITS } from './core/rate-limit.ts';
export type { RoomAccessOptions } from './core/room-access.ts';
export { DEFAULT_ROOM_ACCESS } from './core/room-access.ts';
export type {
  JoinKey,
  JoinOutcome,
  MaybePromise,
  RoomStore,
  RoomSummary,
} from './core/store.ts';
export type {
  AttachableServer,
  SignalingLogger,
  SignalingServer,
  SignalingSocket,
} from './core/types.ts';
export type { AccessOptions } from './http/access.ts';
export type { HttpHandler, SignalingMetrics } from './http/metrics.ts';
export * from './protocol/index.ts';
export { MemoryRooms } from './stores/memory.ts';

/** Options of {@link attachSignaling}; `S` is the seat store's type (in memory by default). */
export type SignalingOptions<S extends RoomStore = MemoryRooms> = EdgeOptions<S>;

/** What {@link attachSignaling} returns. */
export type SignalingHandle<S extends RoomStore = MemoryRooms> = EdgeHandle<S>;

/**
 * Attaches the signaling protocol (docs/protocol.md) to `httpServer` and returns its handle. Never
 * closes `httpServer`, which stays the caller's; mount `handle.httpHandler` on it for
 * `/healthz` and `/metrics`.
 */
export function attachSignaling<S extends RoomStore = MemoryRooms>(
  httpServer: AttachableServer,
  options: SignalingOptions<S> = {},
): SignalingHandle<S> {
  const lockLingerMs = options.roomAccess?.lockLingerMs ?? DEFAULT_ROOM_ACCESS.lockLingerMs;
  const rooms =
    options.rooms ?? (new MemoryRooms(options.roomCapacity, { lockLingerMs }) as RoomStore as S);
  return createSignaling(httpServer, rooms, options);
}
