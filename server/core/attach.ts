import { Server } from 'socket.io';
import { AccessGate, type AccessVerdict } from '../http/access.ts';
import {
  createHttpHandler,
  createMetrics,
  type HttpHandler,
  type MetricsSource,
  type SignalingMetrics,
} from '../http/metrics.ts';
import { trackConnections } from './connections.ts';
import { type SignalingContext, settle } from './context.ts';
import { guarded, type SharedListener } from './guard.ts';
import { bye } from './handlers/bye.ts';
import { createOrJoin } from './handlers/create-or-join.ts';
import { disconnectListener } from './handlers/disconnect.ts';
import { ipaddr } from './handlers/ipaddr.ts';
import { message } from './handlers/message.ts';
import { checkIceOptions } from './ice.ts';
import { createLifecycle } from './lifecycle.ts';
import type { SignalingHandle, SignalingOptions } from './options.ts';
import { fullBuckets, resolveRateLimits } from './rate-limit.ts';
import { SeatHolds } from './seat-holds.ts';
import { resume } from './seating.ts';
import { HeldSessionAdapter } from './session-adapter.ts';
import { sizedParser } from './sized-parser.ts';
import type { RoomStore } from './store.ts';
import type { AttachableServer, SignalingServer, SignalingSocket } from './types.ts';
import { DEFAULT_MAX_PAYLOAD_BYTES } from './validation.ts';

/**
 * Attaches the signaling protocol (PROTOCOL.md) to an http server with `rooms` as its seat
 * store: the composition root of the core. Each client event has its own module under
 * `handlers/`; their listeners are made once here and shared by every socket. The package's
 * `attachSignaling` calls this with the in-memory store unless given another.
 */
export function createSignaling<S extends RoomStore>(
  httpServer: AttachableServer,
  rooms: S,
  options: SignalingOptions<S> = {},
): SignalingHandle<S> {
  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  const recoveryWindowMs = options.recoveryWindowMs ?? 0;
  const ice = options.ice ?? {};
  checkIceOptions(ice);
  const limits = resolveRateLimits(options.rateLimits);
  if (limits.messageBytes.burst < maxPayloadBytes) {
    throw new RangeError(
      `[signaling] rateLimits.messageBytes.burst (${limits.messageBytes.burst}) is below maxPayloadBytes (${maxPayloadBytes}): no full-size message could pass; raise the burst`,
    );
  }
  const gate = new AccessGate(options.access);
  const lifecycle = { draining: false, closed: false };
  const holds = new SeatHolds();
  // Read lazily: the metrics exist before the server, whose handshake gate counts refusals.
  const source: MetricsSource = {
    connections: () => io.of('/').sockets.size,
    rooms: () => rooms.size,
    held: () => holds.size,
    draining: () => lifecycle.draining,
    store: () => rooms.health?.() ?? { ok: true },
  };
  const metrics = createMetrics(source);
  const io = createServer(httpServer, options, gate, lifecycle, metrics);
  const context: SignalingContext = {
    io,
    rooms,
    holds,
    metrics,
    logger: options.logger ?? console,
    limits,
    maxPayloadBytes,
    sizedPackets: (options.socketOptions?.parser ?? sizedParser) === sizedParser,
    clientLog: options.clientLog ?? true,
    exposeAddresses: options.exposeAddresses ?? true,
    ice,
    recoveryWindowMs,
    wentAway: new WeakSet(),
    lifecycle,
  };
  const connections = trackConnections(io, gate, context.wentAway);
  io.use((socket, next) => {
    const verdict = gate.checkConnection(socket.request);
    if (verdict.ok) return next();
    metrics.reject(verdict.reason);
    // socket.io-client shows this as `connect_error` with `data.code`, and does not retry.
    next(Object.assign(new Error(verdict.message), { data: { code: verdict.reason } }));
  });
  const onConnection = connectionListener(context);
  io.on('connection', onConnection);
  const { drain, close } = createLifecycle(context, connections);
  // engine.io closes itself when the http server closes (Vite's restart does this); drop the
  // rest of this attach's state with it.
  httpServer.once('close', () => void close());
  return {
    io,
    rooms,
    holds,
    metrics,
    httpHandler: hostCheckedHandler(
      gate,
      createHttpHandler(metrics, source, { metrics: options.metrics ?? true }),
    ),
    openAddresses: () => gate.addresses,
    drain,
    close,
  };
}

/** Socket.IO's server on `httpServer`, with recovery when asked and the access gate. */
function createServer(
  httpServer: AttachableServer,
  options: SignalingOptions,
  gate: AccessGate,
  lifecycle: SignalingContext['lifecycle'],
  metrics: SignalingMetrics,
): SignalingServer {
  const { socketOptions = {}, recoveryWindowMs = 0 } = options;
  return new Server(httpServer, {
    maxHttpBufferSize: (options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES) * 2,
    ...socketOptions,
    // Socket.IO's wire format, with the size of each `message` as it arrived.
    parser: socketOptions.parser ?? sizedParser,
    ...(recoveryWindowMs > 0 && {
      connectionStateRecovery: {
        maxDisconnectionDuration: recoveryWindowMs,
        skipMiddlewares: true,
      },
      // Recovery that keeps the codelab's argument lists and costs nothing while nobody is away.
      adapter: socketOptions.adapter ?? HeldSessionAdapter,
    }),
    allowRequest: (request, callback) => {
      const verdict: AccessVerdict = lifecycle.draining
        ? {
            ok: false,
            reason: 'draining',
            message: '[signaling] the server is shutting down; reconnect in a moment',
          }
        : gate.check(request);
      if (verdict.ok) return callback(null, true);
      metrics.reject(verdict.reason);
      callback(verdict.message, false);
    },
  });
}

/**
 * The `connection` listener: gives the socket its buckets and the shared event listeners, and
 * nothing per socket besides (no closures: they would cost memory per idle client).
 */
function connectionListener(context: SignalingContext): (socket: SignalingSocket) => void {
  const listeners: Record<'create or join' | 'message' | 'bye' | 'ipaddr', SharedListener> = {
    'create or join': guarded(context, 'create or join', 'join', createOrJoin),
    message: guarded(context, 'message', 'message', message),
    bye: guarded(context, 'bye', 'join', bye),
    ipaddr: guarded(context, 'ipaddr', 'join', ipaddr),
  };
  const onDisconnect = disconnectListener(context);
  const { limits, lifecycle } = context;
  return (socket) => {
    if (lifecycle.closed || lifecycle.draining) {
      socket.disconnect(true);
      return;
    }
    socket.data.buckets = fullBuckets(limits);
    socket.on('create or join', listeners['create or join']);
    socket.on('message', listeners.message);
    socket.on('bye', listeners.bye);
    socket.on('ipaddr', listeners.ipaddr);
    socket.on('disconnect', onDisconnect);
    if (socket.recovered) settle(context, resume(context, socket), 'a recovered seat');
  };
}

/**
 * /healthz and /metrics answer the hosts the handshake answers, so a DNS-rebinding page cannot
 * read them from a server on localhost either.
 */
function hostCheckedHandler(gate: AccessGate, serve: HttpHandler): HttpHandler {
  return (request, response, next) => {
    const path = (request.url ?? '').split('?')[0];
    if ((path === '/healthz' || path === '/metrics') && !gate.hostAllowed(request)) {
      response.statusCode = 403;
      response.end('[signaling] this host is not served here; add it to ALLOWED_HOSTS');
      return;
    }
    serve(request, response, next);
  };
}
