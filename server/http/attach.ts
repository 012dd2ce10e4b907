import type { IncomingMessage } from 'node:http';
import { Server } from 'socket.io';
import { DEFAULT_MAX_BUFFERED_BYTES } from '../core/connection-gates.ts';
import type { SignalingContext } from '../core/context.ts';
import { trackListeners } from '../core/detach.ts';
import type { AccessVerdict } from '../core/ports.ts';
import { RoomAccess } from '../core/room-access.ts';
import { SeatHolds } from '../core/seat-holds.ts';
import { boundAddress, checkedSettings, serveSignaling, tracked } from '../core/serve.ts';
import { HeldSessionAdapter } from '../core/session-adapter.ts';
import { sizedParser } from '../core/sized-parser.ts';
import type { RoomStore } from '../core/store.ts';
import type { AttachableServer, SignalingServer } from '../core/types.ts';
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../core/validation.ts';
import { AccessGate, DEFAULT_MAX_HELD_SEATS_PER_ADDRESS } from './access.ts';
import { checkAdminSecret } from './admin.ts';
import { refuseEarly } from './early-refusal.ts';
import { createMetrics, type MetricsSource, type SignalingMetrics } from './metrics.ts';
import type { SignalingHandle, SignalingOptions } from './options.ts';
import { httpRoutes } from './routes.ts';
import { forgetUpgradeResponse } from './upgrade-response.ts';

/**
 * Attaches the signaling protocol (docs/protocol.md) to an http server with `rooms` as its seat
 * store: the composition root. The edge makes the access gate, the metrics and the Socket.IO
 * server with its handshake checks, hands the core (`core/serve.ts`) its context, and serves
 * the http routes. The package's `attachSignaling` calls this with the in-memory store unless
 * given another.
 */
export function createSignaling<S extends RoomStore>(
  httpServer: AttachableServer,
  rooms: S,
  options: SignalingOptions<S> = {},
): SignalingHandle<S> {
  const settings = checkedSettings(options);
  checkAdminSecret(options.adminSecret);
  const gate = new AccessGate(options.access);
  const access = new RoomAccess(options.roomAccess, rooms.spentTokens);
  const lifecycle = { draining: false, closed: false };
  const holds = new SeatHolds(
    options.access?.maxHeldSeatsPerAddress ?? DEFAULT_MAX_HELD_SEATS_PER_ADDRESS,
  );
  // Read lazily: the metrics exist before the server, whose handshake gate counts refusals.
  const source = metricsSource(rooms, holds, lifecycle, () => io);
  const metrics = createMetrics(source);
  const {
    value: { io, stopRefusing },
    detach,
  } = trackListeners(httpServer, () => createServer(httpServer, options, gate, lifecycle, metrics));
  const context: SignalingContext = {
    io,
    rooms,
    holds,
    gate,
    access,
    metrics,
    ...settings,
    boundAddress: () => boundAddress(httpServer),
    wentAway: new WeakSet(),
    lifecycle,
  };
  const { connections, ...ends } = serveSignaling(
    context,
    options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
  );
  const { drain } = ends;
  const close = async (timeoutMs?: number) => {
    await ends.close(timeoutMs);
    detach();
    stopRefusing();
    httpServer.off('close', onServerClose);
  };
  // engine.io closes itself when the http server closes (Vite's restart does this); drop the
  // rest of this attach's state with it.
  const onServerClose = () => void close();
  httpServer.once('close', onServerClose);
  return {
    io,
    rooms,
    holds,
    metrics,
    httpHandler: httpRoutes(context, { gate, metrics, source, connections }, options),
    openAddresses: () => gate.addresses,
    tracked: () => tracked(context),
    drain,
    close,
  };
}

/** What the metrics read, when they are read. */
function metricsSource(
  rooms: RoomStore,
  holds: SeatHolds,
  lifecycle: SignalingContext['lifecycle'],
  io: () => SignalingServer,
): MetricsSource {
  return {
    connections: () => io().of('/').sockets.size,
    rooms: () => rooms.size,
    held: () => holds.size,
    draining: () => lifecycle.draining,
    store: () => rooms.health?.() ?? { ok: true },
  };
}

/**
 * Socket.IO's server on `httpServer`, with recovery when asked and the access gate: in front
 * of engine.io for websocket handshakes and churning addresses (early-refusal.ts), in its
 * `allowRequest` for polling handshakes. `stopRefusing` takes the accept filter off the server.
 */
function createServer(
  httpServer: AttachableServer,
  options: SignalingOptions,
  gate: AccessGate,
  lifecycle: SignalingContext['lifecycle'],
  metrics: SignalingMetrics,
): { io: SignalingServer; stopRefusing: () => void } {
  const { socketOptions = {}, recoveryWindowMs = 0 } = options;
  const decide = (request: IncomingMessage): AccessVerdict =>
    lifecycle.draining
      ? {
          ok: false,
          reason: 'draining',
          message: '[signaling] the server is shutting down; reconnect in a moment',
        }
      : gate.check(request);
  const decided = new WeakSet<IncomingMessage>();
  const upgradeListeners = httpServer.listeners('upgrade');
  const io: SignalingServer = new Server(httpServer, {
    maxHttpBufferSize: (options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES) * 2,
    ...socketOptions,
    // Socket.IO's wire format, with the size of each `message` as it arrived.
    parser: socketOptions.parser ?? sizedParser,
    ...(recoveryWindowMs > 0 && {
      // A recovery passes the middlewares a new connection passes (the per-address cap, the
      // room token): a session's private id is no key past them.
      connectionStateRecovery: {
        maxDisconnectionDuration: recoveryWindowMs,
        skipMiddlewares: false,
      },
      // Recovery that keeps the codelab's argument lists and costs nothing while nobody is away.
      adapter: socketOptions.adapter ?? HeldSessionAdapter,
    }),
    allowRequest: (request, callback) => {
      // Websocket handshakes were decided (and their token taken) before engine.io saw them.
      if (decided.has(request)) return callback(null, true);
      const verdict = decide(request);
      if (verdict.ok) return callback(null, true);
      metrics.reject(verdict.reason);
      callback(verdict.message, false);
    },
  });
  const stopRefusing = refuseEarly(httpServer, upgradeListeners, {
    path: io.path(),
    decide,
    shed: (address) => gate.shed(address),
    refused: (reason) => metrics.reject(reason),
    passed: decided,
    upgraded: (socket, closeListeners) =>
      forgetUpgradeResponse(io.engine as object, socket, closeListeners),
  });
  return { io, stopRefusing };
}
