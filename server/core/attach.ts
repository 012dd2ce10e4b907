import type { IncomingMessage } from 'node:http';
import { Server } from 'socket.io';
import {
  AccessGate,
  type AccessVerdict,
  DEFAULT_MAX_HELD_SEATS_PER_ADDRESS,
} from '../http/access.ts';
import {
  ADMIN_PATH,
  type AdminSource,
  checkAdminSecret,
  createAdminHandler,
} from '../http/admin.ts';
import { refuseEarly } from '../http/early-refusal.ts';
import {
  createHttpHandler,
  createMetrics,
  type HttpHandler,
  type MetricsSource,
  type SignalingMetrics,
} from '../http/metrics.ts';
import type { ClientEventName } from '../protocol/index.ts';
import { connectionGates, DEFAULT_MAX_BUFFERED_BYTES } from './connection-gates.ts';
import { trackConnections } from './connections.ts';
import { type SignalingContext, settle } from './context.ts';
import { trackListeners } from './detach.ts';
import { guarded, type SharedListener } from './guard.ts';
import { bye } from './handlers/bye.ts';
import { createOrJoin } from './handlers/create-or-join.ts';
import { disconnectListener } from './handlers/disconnect.ts';
import { iceServers } from './handlers/ice-servers.ts';
import { ipaddr } from './handlers/ipaddr.ts';
import { message } from './handlers/message.ts';
import { signal } from './handlers/signal.ts';
import { checkIceOptions, IceIssuer } from './ice.ts';
import { createLifecycle } from './lifecycle.ts';
import { useMiddlewares } from './middlewares.ts';
import type { SignalingHandle, SignalingOptions, TrackedState } from './options.ts';
import { carriedBuckets, fullBuckets, resolveRateLimits } from './rate-limit.ts';
import { RoomAccess } from './room-access.ts';
import { SeatHolds } from './seat-holds.ts';
import { resume } from './seating.ts';
import { HeldSessionAdapter, type ReplayTarget } from './session-adapter.ts';
import { sizedParser } from './sized-parser.ts';
import type { RoomStore } from './store.ts';
import type { AttachableServer, SignalingServer, SignalingSocket } from './types.ts';
import { DEFAULT_MAX_PAYLOAD_BYTES } from './validation.ts';

/**
 * Attaches the signaling protocol (docs/protocol.md) to an http server with `rooms` as its seat
 * store: the composition root of the core. Each client event has its own module under
 * `handlers/`; their listeners are made once here and shared by every socket. The package's
 * `attachSignaling` calls this with the in-memory store unless given another.
 */
export function createSignaling<S extends RoomStore>(
  httpServer: AttachableServer,
  rooms: S,
  options: SignalingOptions<S> = {},
): SignalingHandle<S> {
  const settings = checkedSettings(options);
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
  const connections = trackConnections(io, {
    gate,
    wentAway: context.wentAway,
    gates: connectionGates({
      again: (request) => gate.handshakeAgain(request),
      refused: (reason) => metrics.reject(reason),
      maxBufferedBytes: options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
    }),
  });
  useMiddlewares(context);
  io.on('connection', connectionListener(context));
  const ends = pruned(context, createLifecycle(context, connections));
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
    httpHandler: httpHandlerOf(context, connections, source, options),
    openAddresses: () => gate.addresses,
    tracked: () => tracked(context),
    drain,
    close,
  };
}

/** The context's settings from `options` with their defaults, checked before attaching. */
function checkedSettings(options: SignalingOptions<RoomStore>) {
  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  const ice = options.ice ?? {};
  checkIceOptions(ice);
  checkAdminSecret(options.adminSecret);
  const limits = resolveRateLimits(options.rateLimits);
  if (limits.messageBytes.burst < maxPayloadBytes) {
    throw new RangeError(
      `[signaling] rateLimits.messageBytes.burst (${limits.messageBytes.burst}) is below maxPayloadBytes (${maxPayloadBytes}): no full-size message could pass; raise the burst`,
    );
  }
  return {
    maxPayloadBytes,
    limits,
    ice: new IceIssuer(ice),
    recoveryWindowMs: options.recoveryWindowMs ?? 0,
    logger: options.logger ?? console,
    sizedPackets: (options.socketOptions?.parser ?? sizedParser) === sizedParser,
    clientLog: options.clientLog ?? true,
    exposeAddresses: options.exposeAddresses ?? true,
  } satisfies Partial<SignalingContext>;
}

/** The address `httpServer` listens on, while it listens on one. */
function boundAddress(httpServer: AttachableServer): string | undefined {
  const address = httpServer.address();
  return typeof address === 'object' && address ? address.address : undefined;
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

/** The plain http routes: `/healthz`, `/metrics` and the operator's page, behind the Host check. */
function httpHandlerOf(
  context: SignalingContext,
  connections: Set<unknown>,
  source: MetricsSource,
  options: SignalingOptions<RoomStore>,
) {
  const { gate, metrics } = context;
  return hostCheckedHandler(
    gate,
    withAdmin(
      options.adminSecret,
      gate,
      adminSource(context, connections),
      createHttpHandler(metrics, source, { metrics: options.metrics ?? true }),
    ),
  );
}

/**
 * Limits that outlive a socket keep a bucket per key; full buckets are dropped now and then,
 * so after a flood the server's memory returns to where it was. Stops with `close`.
 */
function pruned(
  { gate, access, ice }: SignalingContext,
  lifecycle: ReturnType<typeof createLifecycle>,
): ReturnType<typeof createLifecycle> {
  const pruning = setInterval(() => {
    gate.prune();
    access.prune();
    ice.prune();
  }, PRUNE_INTERVAL_MS);
  pruning.unref();
  return {
    drain: lifecycle.drain,
    close: (timeoutMs?: number) => {
      clearInterval(pruning);
      return lifecycle.close(timeoutMs);
    },
  };
}

/** Puts the operator's page in front of `serve` when a secret is configured. */
function withAdmin(
  secret: string | undefined,
  gate: AccessGate,
  snapshot: AdminSource,
  serve: HttpHandler,
): HttpHandler {
  if (!secret) return serve;
  const admin = createAdminHandler(secret, snapshot, (request) => gate.address(request));
  return (request, response, next) =>
    admin(request, response, () => serve(request, response, next));
}

/** The operator's figures of this process: counts and states, room names only when asked. */
function adminSource(context: SignalingContext, connections: Set<unknown>): AdminSource {
  const { io, rooms, holds, gate, metrics, lifecycle } = context;
  const count = async (counter: { get(): Promise<{ values: { value: number }[] }> }) =>
    (await counter.get()).values.reduce((sum, { value }) => sum + value, 0);
  return async (names) => {
    const summaries = [...(rooms.summaries?.() ?? [])];
    const byMembers: Record<string, number> = {};
    for (const { members } of summaries) byMembers[members] = (byMembers[members] ?? 0) + 1;
    const refusals: Record<string, number> = {};
    for (const { labels, value } of (await metrics.rejections.get()).values) {
      refusals[String(labels.reason)] = value;
    }
    const { adapter } = io.of('/');
    return {
      process: {
        pid: process.pid,
        uptimeSeconds: Math.round(process.uptime()),
        draining: lifecycle.draining,
      },
      connections: {
        sockets: io.of('/').sockets.size,
        engine: connections.size,
        addresses: gate.addresses,
      },
      away: {
        sessions: adapter instanceof HeldSessionAdapter ? adapter.heldSessions : 0,
        heldSeats: holds.size,
      },
      rooms: {
        total: rooms.size,
        locked: summaries.filter((room) => room.locked).length,
        byMembers,
        ...(names && { names: summaries }),
      },
      totals: {
        joins: await count(metrics.joins),
        full: await count(metrics.full),
        relays: await count(metrics.relays),
      },
      refusals,
    };
  };
}

/** How often buckets that are full again are dropped. */
const PRUNE_INTERVAL_MS = 5000;

/** The size of every structure the server keeps per client (see `SignalingHandle.tracked`). */
function tracked({ io, gate, holds, access, ice }: SignalingContext): TrackedState {
  const { adapter } = io.of('/');
  const held = adapter instanceof HeldSessionAdapter;
  return {
    sockets: io.of('/').sockets.size,
    engineConnections: io.engine.clientsCount,
    openAddresses: gate.addresses,
    handshakeAddresses: gate.handshakeAddresses,
    heldSeats: holds.size,
    heldSeatIndex: holds.indexSizes.addresses + holds.indexSizes.rooms,
    awaySessions: held ? adapter.heldSessions : 0,
    awaySessionRooms: held ? adapter.indexedRooms : 0,
    ...access.sizes,
    turnAddresses: ice.addresses,
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
  });
  return { io, stopRefusing };
}

/**
 * The `connection` listener: gives the socket its buckets and the shared event listeners, and
 * nothing per socket besides (no closures: they would cost memory per idle client).
 */
function connectionListener(context: SignalingContext): (socket: SignalingSocket) => void {
  const listeners: Record<ClientEventName, SharedListener> = {
    'create or join': guarded(context, 'create or join', 'join', createOrJoin),
    message: guarded(context, 'message', 'message', message),
    signal: guarded(context, 'signal', 'message', signal),
    bye: guarded(context, 'bye', 'join', bye),
    ipaddr: guarded(context, 'ipaddr', 'join', ipaddr),
    'ice:servers': guarded(context, 'ice:servers', 'join', iceServers),
  };
  const onDisconnect = disconnectListener(context);
  const { limits, lifecycle } = context;
  return (socket) => {
    if (lifecycle.closed || lifecycle.draining) {
      socket.disconnect(true);
      return;
    }
    // A recovered socket keeps its member's buckets (and its join can no longer be in flight).
    socket.data.buckets = socket.recovered
      ? carriedBuckets(socket.data.buckets, limits)
      : fullBuckets(limits);
    socket.data.joining = undefined;
    socket.on('create or join', listeners['create or join']);
    socket.on('message', listeners.message);
    socket.on('signal', listeners.signal);
    socket.on('bye', listeners.bye);
    socket.on('ipaddr', listeners.ipaddr);
    socket.on('ice:servers', listeners['ice:servers']);
    socket.on('disconnect', onDisconnect);
    if (!socket.recovered) return;
    const { adapter } = context.io.of('/');
    if (adapter instanceof HeldSessionAdapter) adapter.replay(socket as unknown as ReplayTarget);
    settle(context, resume(context, socket), 'a recovered seat');
  };
}

/**
 * /healthz, /metrics and the operator's page answer the hosts the handshake answers, so a DNS-rebinding page cannot
 * read them from a server on localhost either.
 */
function hostCheckedHandler(gate: AccessGate, serve: HttpHandler): HttpHandler {
  return (request, response, next) => {
    const path = (request.url ?? '').split('?')[0];
    const guarded =
      path === '/healthz' || path === '/metrics' || (path ?? '').startsWith(ADMIN_PATH);
    if (guarded && !gate.hostAllowed(request)) {
      response.statusCode = 403;
      response.end('[signaling] this host is not served here; add it to ALLOWED_HOSTS');
      return;
    }
    serve(request, response, next);
  };
}
