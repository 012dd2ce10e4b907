import type { ClientEventName } from '../protocol/index.ts';
import { connectionGates } from './connection-gates.ts';
import { type EngineConnection, trackConnections } from './connections.ts';
import { type SignalingContext, settle } from './context.ts';
import { guarded, type SharedListener } from './guard.ts';
import { bye } from './handlers/bye.ts';
import { callOutcome, outcomeBuckets } from './handlers/call-outcome.ts';
import { createOrJoin } from './handlers/create-or-join.ts';
import { disconnectListener } from './handlers/disconnect.ts';
import { iceServers } from './handlers/ice-servers.ts';
import { ipaddr } from './handlers/ipaddr.ts';
import { message } from './handlers/message.ts';
import { roomPeek } from './handlers/room-peek.ts';
import { signal } from './handlers/signal.ts';
import { checkIceOptions, IceIssuer } from './ice.ts';
import { createLifecycle } from './lifecycle.ts';
import { useMiddlewares } from './middlewares.ts';
import type { CoreOptions, TrackedState } from './options.ts';
import { carriedBuckets, fullBuckets, resolveRateLimits } from './rate-limit.ts';
import { frameRelay, relayFrom } from './relay.ts';
import { resume } from './seating.ts';
import { HeldSessionAdapter, type ReplayTarget } from './session-adapter.ts';
import { sizedParser } from './sized-parser.ts';
import type { RoomStore } from './store.ts';
import type { AttachableServer, SignalingSocket } from './types.ts';
import { DEFAULT_MAX_PAYLOAD_BYTES } from './validation.ts';

/**
 * Serves the signaling protocol (docs/protocol.md) on the context's Socket.IO server: counts
 * engine connections and passes them through the gates, puts the middlewares in front of the
 * namespace, gives every socket the shared event listeners, and returns the drain and close
 * of this attach. The http edge's `createSignaling` makes the server and the context and calls
 * this; each client event has its own module under `handlers/`.
 */
export function serveSignaling(
  context: SignalingContext,
  maxBufferedBytes: number,
): {
  connections: Set<EngineConnection>;
  drain: (timeoutMs?: number) => Promise<void>;
  close: (timeoutMs?: number) => Promise<void>;
} {
  const { io, gate, metrics } = context;
  const connections = trackConnections(io, {
    gate,
    wentAway: context.wentAway,
    gates: connectionGates({
      again: (address) => gate.handshakeAgain(address),
      refused: (reason) => metrics.reject(reason),
      maxBufferedBytes,
    }),
  });
  useMiddlewares(context);
  io.on('connection', connectionListener(context));
  return { connections, ...pruned(context, createLifecycle(context, connections)) };
}

/** The context's settings from `options` with their defaults, checked before attaching. */
export function checkedSettings(options: CoreOptions<RoomStore>) {
  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  const ice = options.ice ?? {};
  checkIceOptions(ice);
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
    outcomes: outcomeBuckets(options.callOutcomes),
  } satisfies Partial<SignalingContext>;
}

/** The address `httpServer` listens on, while it listens on one. */
export function boundAddress(httpServer: AttachableServer): string | undefined {
  const address = httpServer.address();
  return typeof address === 'object' && address ? address.address : undefined;
}

/**
 * Limits that outlive a socket keep a bucket per key; full buckets are dropped now and then,
 * so after a flood the server's memory returns to where it was. Stops with `close`.
 */
function pruned(
  { gate, access, ice, outcomes }: SignalingContext,
  lifecycle: ReturnType<typeof createLifecycle>,
): ReturnType<typeof createLifecycle> {
  const pruning = setInterval(() => {
    gate.prune();
    access.prune();
    ice.prune();
    outcomes?.prune();
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

/** How often buckets that are full again are dropped. */
const PRUNE_INTERVAL_MS = 5000;

/** The size of every structure the server keeps per client (see `SignalingHandle.tracked`). */
export function tracked({
  io,
  gate,
  holds,
  access,
  ice,
  outcomes,
}: SignalingContext): TrackedState {
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
    outcomeAddresses: outcomes?.size ?? 0,
  };
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
    'room:peek': guarded(context, 'room:peek', 'join', roomPeek),
    // The message bucket bounds a socket's flood; the address's own bucket, what is counted.
    'call:outcome': guarded(context, 'call:outcome', 'message', callOutcome),
  };
  const onDisconnect = disconnectListener(context);
  const relay = frameRelay(context);
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
    socket.on('room:peek', listeners['room:peek']);
    socket.on('call:outcome', listeners['call:outcome']);
    socket.on('disconnect', onDisconnect);
    if (relay) relayFrom(relay, socket);
    if (!socket.recovered) return;
    const { adapter } = context.io.of('/');
    if (adapter instanceof HeldSessionAdapter) adapter.replay(socket as unknown as ReplayTarget);
    settle(context, resume(context, socket), 'a recovered seat');
  };
}
