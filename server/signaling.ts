import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Http2SecureServer, Http2Server } from 'node:http2';
import type { Server as HttpsServer } from 'node:https';
import { networkInterfaces } from 'node:os';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import { AccessGate, type AccessOptions, type AccessVerdict } from './access.ts';
import { checkIceOptions, type IceOptions, iceServersFor } from './ice.ts';
import {
  createHttpHandler,
  createMetrics,
  type HttpHandler,
  type MetricsSource,
  type SignalingMetrics,
} from './metrics.ts';
import {
  type ClientEventName,
  type ClientToServerEvents,
  type ErrorCode,
  type InterServerEvents,
  ROOM_PREFIX,
  type ServerToClientEvents,
  type SignalingPayload,
  type SocketData,
} from './protocol.ts';
import { type RateLimitOptions, resolveRateLimits, TokenBucket } from './rate-limit.ts';
import { type JoinOutcome, type MaybePromise, type RoomStore, Rooms } from './rooms.ts';
import { SeatHolds } from './seat-holds.ts';
import { HeldSessionAdapter } from './session-adapter.ts';
import {
  ByeArgumentSchema,
  check,
  DEFAULT_MAX_PAYLOAD_BYTES,
  payloadSchema,
  RoomNameSchema,
} from './validation.ts';

/** The typed Socket.IO server of the signaling protocol. */
export type SignalingServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;

/** One connected client of the signaling protocol. */
export type SignalingSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;

/** Any Node server Socket.IO can attach to (Vite's own may be https or http2). */
export type AttachableServer = HttpServer | HttpsServer | Http2Server | Http2SecureServer;

/** Where the server writes its own warnings and errors. */
export type SignalingLogger = Pick<Console, 'warn' | 'error'>;

/** Options of {@link attachSignaling}. */
export interface SignalingOptions<S extends RoomStore = Rooms> {
  /**
   * How many members a room holds (ignored when `rooms` is given: the store has its own).
   * @default 2
   */
  roomCapacity?: number;
  /**
   * Where room occupancy lives, e.g. a Redis store shared by several processes.
   * @default new Rooms(roomCapacity), in this process's memory
   */
  rooms?: S;
  /**
   * Mirror server log lines to the client that caused them (the codelab's `log` event). Useful
   * in development; it costs an extra packet per relayed message, so production turns it off.
   * @default true
   */
  clientLog?: boolean;
  /**
   * Answer `ipaddr` with the server's non-loopback IPv4 addresses.
   * @default true
   */
  exposeAddresses?: boolean;
  /**
   * Options passed to Socket.IO's `Server` (and engine.io's `attach`), e.g. `destroyUpgrade`.
   * @default {}
   */
  socketOptions?: Partial<ServerOptions>;
  /**
   * The STUN and TURN servers handed to each client at join (TURN with short-lived
   * credentials from the shared secret, never the secret itself).
   * @default {}
   */
  ice?: IceOptions;
  /**
   * Where warnings and errors go.
   * @default console
   */
  logger?: SignalingLogger;
  /**
   * The largest `message` payload relayed, in bytes of JSON; larger ones are refused with
   * `invalid-payload`. Socket.IO's `maxHttpBufferSize` is set to twice this, so a packet past
   * that closes the connection before it is even parsed.
   * @default 65536
   */
  maxPayloadBytes?: number;
  /**
   * Per-socket token buckets; a request past them is refused with `rate-limited`. Buckets not
   * given keep their defaults (see `DEFAULT_RATE_LIMITS`).
   * @default DEFAULT_RATE_LIMITS
   */
  rateLimits?: Partial<RateLimitOptions>;
  /**
   * Handshake checks: allowed origins and hosts, connections per address.
   * @default { allowedOrigins: [], allowedHosts: [], maxConnectionsPerAddress: 20 }
   */
  access?: AccessOptions;
  /**
   * Socket.IO connection state recovery, in milliseconds: a member whose connection drops keeps
   * its seat this long, the other member is told `peer:reconnecting`, and relays it missed are
   * replayed when it recovers (see `HeldSessionAdapter`). 0 turns it off. Off in the core, which
   * then frees a seat the moment its connection goes, as PROTOCOL.md describes; the Vite plugin
   * and the production server turn it on.
   * @default 0
   */
  recoveryWindowMs?: number;
  /**
   * Serve `/metrics` from {@link SignalingHandle.httpHandler} (`/healthz` is always served).
   * @default true
   */
  metrics?: boolean;
}

/** What {@link attachSignaling} returns. */
export interface SignalingHandle<S extends RoomStore = Rooms> {
  /** The Socket.IO server, typed with the protocol's events. */
  io: SignalingServer;
  /** The room state of this attach. */
  rooms: S;
  /** Seats held for members whose connection dropped (empty unless recovery is on). */
  holds: SeatHolds;
  /** The Prometheus metrics of this attach. */
  metrics: SignalingMetrics;
  /** Serves `/healthz` and `/metrics`; mount it on the http server (Connect-style `next`). */
  httpHandler: HttpHandler;
  /** How many client addresses have open connections (for leak checks). */
  openAddresses(): number;
  /**
   * Tells every client `server:shutdown`, refuses new handshakes and closes every connection so
   * clients reconnect (to this server once restarted, or to another). Resolves once they are
   * gone, or after `timeoutMs`. Idempotent.
   */
  drain(timeoutMs?: number): Promise<void>;
  /**
   * Drains (waiting at most `timeoutMs`), then stops the engine. Idempotent. It never closes the
   * http server, which belongs to the caller (Socket.IO's own `io.close()` would).
   */
  close(timeoutMs?: number): Promise<void>;
}

// Socket.IO persists a session for recovery on more reasons (socket.io's lib/socket.ts,
// RECOVERABLE_DISCONNECT_REASONS), but the others are this server closing connections itself
// (a drain, engine.io closing with its http server on a Vite restart): no one comes back to
// those seats here. A seat is held only when the network failed.
const NETWORK_FAILURES: ReadonlySet<string> = new Set([
  'transport error',
  'transport close',
  'ping timeout',
]);

/** An engine.io transport, as far as telling a closed tab from a dropped network needs it. */
interface EngineTransport {
  name: string;
  socket?: { prependOnceListener(event: 'close', listener: (code: number) => void): unknown };
}

/** The engine.io connection, as far as the server needs it. */
interface EngineConnection {
  request: IncomingMessage;
  transport: EngineTransport;
  once(event: 'close', listener: () => void): unknown;
  on(event: 'upgrade', listener: (transport: EngineTransport) => void): unknown;
  close(): void;
}

/** WebSocket close code a browser sends when its tab closes, reloads or navigates away. */
const GOING_AWAY = 1001;

/**
 * Attaches the signaling protocol (PROTOCOL.md) to an http server: the codelab's events with
 * its bugs fixed. Knows nothing of Vite; the Vite plugin, the production entry and the tests
 * call it.
 */
export function attachSignaling<S extends RoomStore = Rooms>(
  httpServer: AttachableServer,
  options: SignalingOptions<S> = {},
): SignalingHandle<S> {
  const {
    roomCapacity = 2,
    clientLog = true,
    exposeAddresses = true,
    socketOptions = {},
    logger = console,
    maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES,
    recoveryWindowMs = 0,
    ice = {},
  } = options;
  checkIceOptions(ice);
  const limits = resolveRateLimits(options.rateLimits);
  if (limits.messageBytes.burst < maxPayloadBytes) {
    throw new RangeError(
      `[signaling] rateLimits.messageBytes.burst (${limits.messageBytes.burst}) is below maxPayloadBytes (${maxPayloadBytes}): no full-size message could pass; raise the burst`,
    );
  }
  const rooms = (options.rooms ?? new Rooms(roomCapacity)) as S;
  const holds = new SeatHolds();
  const gate = new AccessGate(options.access);
  const payload = payloadSchema(maxPayloadBytes);
  let draining = false;
  let closed = false;
  const io: SignalingServer = new Server(httpServer, {
    maxHttpBufferSize: maxPayloadBytes * 2,
    ...socketOptions,
    ...(recoveryWindowMs > 0 && {
      connectionStateRecovery: {
        maxDisconnectionDuration: recoveryWindowMs,
        skipMiddlewares: true,
      },
      // Recovery that keeps the codelab's argument lists and costs nothing while nobody is away.
      adapter: socketOptions.adapter ?? HeldSessionAdapter,
    }),
    allowRequest: (request, callback) => {
      const verdict: AccessVerdict = draining
        ? {
            ok: false,
            reason: 'draining',
            message: '[signaling] the server is shutting down; reconnect in a moment',
          }
        : gate.check(request);
      if (verdict.ok) {
        callback(null, true);
        return;
      }
      metrics.reject(verdict.reason);
      callback(verdict.message, false);
    },
  });
  const source: MetricsSource = {
    connections: () => io.of('/').sockets.size,
    rooms: () => rooms.size,
    held: () => holds.size,
    draining: () => draining,
  };
  const metrics = createMetrics(source);
  const serveHttp = createHttpHandler(metrics, source, { metrics: options.metrics ?? true });
  // /healthz and /metrics answer the hosts the handshake answers, so a DNS-rebinding page cannot
  // read them from a server on localhost either.
  const httpHandler: HttpHandler = (request, response, next) => {
    const path = (request.url ?? '').split('?')[0];
    if ((path === '/healthz' || path === '/metrics') && !gate.hostAllowed(request)) {
      response.statusCode = 403;
      response.end('[signaling] this host is not served here; add it to ALLOWED_HOSTS');
      return;
    }
    serveHttp(request, response, next);
  };

  // Counted at the engine level, so sessions that never reach a namespace count too (and are
  // closed on drain too).
  const connections = new Set<EngineConnection>();
  // engine.io reports every websocket close as "transport close", but a browser closing or
  // reloading the tab sends 1001 "going away" while a failed network sends nothing (1006). The
  // first left on purpose (PROTOCOL.md: free the seat at once); only the second may come back.
  // Prepended, so the code is known before engine.io's own listener ends the socket.
  const wentAway = new WeakSet<object>();
  io.engine.on('connection', (connection: EngineConnection) => {
    const watch = (transport: EngineTransport) => {
      if (transport.name !== 'websocket') return;
      transport.socket?.prependOnceListener('close', (code) => {
        if (code === GOING_AWAY) wentAway.add(connection);
      });
    };
    watch(connection.transport);
    connection.on('upgrade', watch);
    const release = gate.opened(connection.request);
    connections.add(connection);
    connection.once('close', () => {
      release();
      connections.delete(connection);
    });
  });

  // A middleware error reaches socket.io-client as `connect_error` with this message and
  // `data.code`, and it does not retry by itself: the UI can show why.
  io.use((socket, next) => {
    const verdict = gate.checkConnection(socket.request);
    if (verdict.ok) {
      next();
      return;
    }
    metrics.reject(verdict.reason);
    next(Object.assign(new Error(verdict.message), { data: { code: verdict.reason } }));
  });

  io.on('connection', (socket) => {
    if (closed || draining) {
      socket.disconnect(true);
      return;
    }
    const buckets = {
      join: new TokenBucket(limits.join),
      message: new TokenBucket(limits.message),
      messageBytes: new TokenBucket(limits.messageBytes),
    };
    // Set while a join waits on an asynchronous store, so a second request cannot race it.
    let joining = false;
    const log = clientLog
      ? (...parts: unknown[]) => socket.emit('log', ['Message from server:', ...parts])
      : undefined;
    const refuse = (event: ClientEventName, code: ErrorCode, message: string) => {
      metrics.reject(code);
      socket.emit('signaling:error', { event, code, message });
      log?.(`Refused "${event}": ${message}`);
    };

    // Every handler takes a token first, so floods of bad input are limited too. A handler that
    // throws (or rejects, once the room store is async) would surface as an unhandled error in
    // Socket.IO's emitter; answer the sender instead and keep every other room going.
    const guard =
      <A extends unknown[]>(
        event: ClientEventName,
        bucket: 'join' | 'message',
        handler: (...args: A) => void | Promise<void>,
      ) =>
      (...args: A) => {
        if (!buckets[bucket].take()) {
          refuse(event, 'rate-limited', `too many "${event}" requests; wait a moment and retry`);
          return;
        }
        const fail = (error: unknown) => {
          logger.error(
            `[signaling] "${event}" from ${socket.id} failed; the client was told:`,
            error,
          );
          refuse(event, 'internal', 'the server failed on this request; try again');
        };
        try {
          const result = handler(...args);
          if (result instanceof Promise) result.catch(fail);
        } catch (error) {
          fail(error);
        }
      };

    socket.on(
      'create or join',
      guard('create or join', 'join', (value: unknown) => {
        const name = check(RoomNameSchema, value);
        if (!name.ok) {
          refuse('create or join', 'invalid-room', `${name.reason}; pick another name`);
          return;
        }
        const room = name.value;
        log?.(`Received request to create or join room ${room}`);
        if (socket.data.room !== undefined || joining) {
          refuse(
            'create or join',
            'already-in-room',
            socket.data.room === undefined
              ? 'this tab is still waiting for its answer to an earlier join; wait for it'
              : `this tab already has a seat in room "${socket.data.room}"; send "bye" before joining another`,
          );
          return;
        }
        const pending = seat(socket, room, log);
        if (!(pending instanceof Promise)) return;
        joining = true;
        return pending.finally(() => {
          joining = false;
        });
      }),
    );

    socket.on(
      'message',
      guard('message', 'message', (value: unknown) => {
        const room = socket.data.room;
        if (room === undefined) {
          refuse('message', 'not-in-room', 'this tab has no seat in a room; join one first');
          return;
        }
        const checked = check(payload, value);
        if (!checked.ok) {
          refuse('message', 'invalid-payload', checked.reason);
          return;
        }
        if (!buckets.messageBytes.take(checked.value.bytes)) {
          refuse('message', 'rate-limited', 'too many bytes relayed; wait a moment and retry');
          return;
        }
        log?.('Client said: ', value);
        // The payload goes on as it came (codelab clients depend on it), and only to the
        // sender's own room: the client never chooses the recipient.
        socket.to(ROOM_PREFIX + room).emit('message', value as SignalingPayload);
        metrics.relays.inc();
      }),
    );

    socket.on(
      'bye',
      guard('bye', 'join', (value?: unknown) => {
        const named = check(ByeArgumentSchema, value);
        if (!named.ok) {
          refuse('bye', 'invalid-room', `${named.reason}; send "bye" alone or with your room`);
          return;
        }
        const room = socket.data.room;
        if (room === undefined) {
          refuse('bye', 'not-in-room', 'this tab has no seat to leave');
          return;
        }
        if (named.value !== undefined && named.value !== room) {
          refuse('bye', 'not-in-room', `this tab sits in room "${room}", not the one named`);
          return;
        }
        settle(leave(socket), `leave of ${room}`);
        log?.(`Client ID ${socket.id} left room ${room}`);
      }),
    );

    socket.on(
      'ipaddr',
      guard('ipaddr', 'join', () => {
        if (!exposeAddresses) {
          refuse('ipaddr', 'disabled', 'this server does not publish its addresses');
          return;
        }
        for (const address of lanAddresses()) socket.emit('ipaddr', address);
      }),
    );

    socket.on('disconnect', (reason) => {
      const room = socket.data.room;
      if (room === undefined) return;
      const recoverable = NETWORK_FAILURES.has(reason) && !wentAway.has(socket.conn);
      if (recoveryWindowMs > 0 && !draining && recoverable) {
        // Socket.IO kept this socket's session (id, rooms, data) for the window: keep its seat
        // as long, so a dropped network is "reconnecting" to the other member, not "left".
        holds.hold(socket.id, room, recoveryWindowMs, () =>
          settle(free(socket.id, room), `freeing the held seat in ${room}`),
        );
        io.to(ROOM_PREFIX + room).emit('peer:reconnecting', room);
        return;
      }
      settle(leave(socket), `leave of ${room}`);
    });

    if (socket.recovered) settle(resume(socket, log), 'a recovered seat');
  });

  /**
   * Seats `socket` in `room` and tells the members, per the codelab's sequence. A seat held for
   * a dropped connection gives way when the room is otherwise full: the likeliest newcomer is
   * that very tab reloaded (a reload drops the connection as a network failure does).
   */
  function seat(
    socket: SignalingSocket,
    room: string,
    log?: (...parts: unknown[]) => void,
  ): MaybePromise<void> {
    return after(rooms.join(room, socket.id), (first) => {
      const [stale] = first.kind === 'full' ? holds.heldIn(room) : [];
      if (stale === undefined) return place(socket, room, first, log);
      holds.release(stale);
      return after(free(stale, room), () =>
        after(rooms.join(room, socket.id), (outcome) => place(socket, room, outcome, log)),
      );
    });
  }

  /** Acts on the store's answer: seats the socket and tells the room, or says full. */
  function place(
    socket: SignalingSocket,
    room: string,
    outcome: JoinOutcome,
    log?: (...parts: unknown[]) => void,
  ): MaybePromise<void> {
    // The tab left while a shared store was deciding: hand the seat straight back.
    if (socket.disconnected) {
      return outcome.kind === 'full' ? undefined : after(rooms.leave(room, socket.id), noop);
    }
    const key = ROOM_PREFIX + room;
    if (outcome.kind !== 'full') socket.emit('ice:servers', iceServersFor(ice, socket.id));
    switch (outcome.kind) {
      case 'created':
        log?.(`Room ${room} now has 1 client(s)`);
        socket.join(key);
        socket.data.room = room;
        metrics.joins.inc();
        log?.(`Client ID ${socket.id} created room ${room}`);
        socket.emit('created', room, socket.id);
        update(room, 1);
        break;
      case 'joined':
        log?.(`Room ${room} now has ${outcome.others.length + 1} client(s)`);
        log?.(`Client ID ${socket.id} joined room ${room}`);
        io.to(key).emit('join', room);
        socket.join(key);
        socket.data.room = room;
        metrics.joins.inc();
        socket.emit('joined', room, socket.id);
        io.to(key).emit('ready');
        update(room, outcome.others.length + 1);
        break;
      case 'full':
        log?.(`Room ${room} is full`);
        metrics.full.inc();
        socket.emit('full', room);
        break;
    }
  }

  /**
   * A socket came back through connection state recovery with its old id, rooms and data. If
   * its seat was held, it keeps it; if the seat was freed meanwhile (the window ended, or a
   * reloaded tab took it), it asks for one again like a new tab, so a room never holds more
   * members than its capacity.
   */
  function resume(
    socket: SignalingSocket,
    log?: (...parts: unknown[]) => void,
  ): MaybePromise<void> {
    const room = socket.data.room;
    if (room === undefined) return;
    const key = ROOM_PREFIX + room;
    const held = holds.release(socket.id) === room;
    return after(rooms.members(room), (members) => {
      if (held && members.includes(socket.id)) {
        socket.to(key).emit('peer:reconnected', room);
        log?.(`Client ID ${socket.id} is back in room ${room}`);
        return;
      }
      socket.leave(key);
      socket.data.room = undefined;
      return seat(socket, room, log);
    });
  }

  /** Frees `member`'s seat in `room` and tells whoever remains that it left. */
  function free(member: string, room: string): MaybePromise<void> {
    const remaining = rooms.leave(room, member);
    io.to(ROOM_PREFIX + room).emit('bye', room);
    return after(remaining, (members) => update(room, members.length));
  }

  /** Frees the socket's seat and tells whoever remains that it left. */
  function leave(socket: SignalingSocket): MaybePromise<void> {
    const room = socket.data.room;
    if (room === undefined) return;
    socket.data.room = undefined;
    socket.leave(ROOM_PREFIX + room);
    return free(socket.id, room);
  }

  /** Tells the members of `room` how many seats are taken, after the codelab's own events. */
  function update(room: string, members: number): void {
    // A shared store can answer after close(), when the adapter can no longer publish.
    if (members > 0 && !closed)
      io.to(ROOM_PREFIX + room).emit('room:update', { room, members, capacity: rooms.capacity });
  }

  /** Logs a failed asynchronous store call that nobody waits on, so it is never unhandled. */
  function settle(value: MaybePromise<void>, what: string): void {
    if (value instanceof Promise) {
      value.catch((error: unknown) =>
        logger.error(`[signaling] room store failed on ${what}; check the store (Redis?):`, error),
      );
    }
  }

  const drain = async (timeoutMs = 3000) => {
    if (!draining) {
      draining = true;
      for (const [member, room] of holds.clear()) {
        settle(after(rooms.leave(room, member), noop), `freeing the held seat in ${room}`);
      }
      io.emit('server:shutdown');
      // Closing the transport, not the Socket.IO socket: socket.io-client reconnects by itself
      // after a transport close, but not after a server-side `disconnect()`. engine.io flushes
      // the write buffer (the shutdown notice) before it closes.
      for (const connection of connections) connection.close();
    }
    const deadline = Date.now() + timeoutMs;
    while (connections.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  const close = async (timeoutMs?: number) => {
    if (closed) return;
    closed = true;
    await drain(timeoutMs);
    // What io.close() does, minus closing the http server that belongs to the caller.
    io.local.disconnectSockets(true);
    await Promise.allSettled([...io._nsps.values()].map((nsp) => nsp.adapter.close()));
    io.engine.close();
    metrics.close();
  };
  // engine.io closes itself when the http server closes (Vite's restart does this); drop the
  // rest of this attach's state with it.
  httpServer.once('close', () => void close());

  return {
    io,
    rooms,
    holds,
    metrics,
    httpHandler,
    openAddresses: () => gate.addresses,
    drain,
    close,
  };
}

/**
 * Runs `next` on a store's answer: at once for the in-memory store, so its events keep their
 * synchronous order, or when a shared store answers.
 */
function after<T, R>(value: MaybePromise<T>, next: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}

function noop(): void {}

/** The machine's non-loopback IPv4 addresses, as the codelab's `ipaddr` lists them. */
function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((details) => details !== undefined && details.family === 'IPv4' && !details.internal)
    .map((details) => (details as { address: string }).address);
}
