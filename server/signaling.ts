import type { Server as HttpServer } from 'node:http';
import type { Http2SecureServer, Http2Server } from 'node:http2';
import type { Server as HttpsServer } from 'node:https';
import { networkInterfaces } from 'node:os';
import { Server, type ServerOptions, type Socket } from 'socket.io';
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
import { parseRoomName } from './room-name.ts';
import { Rooms } from './rooms.ts';

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
export interface SignalingOptions {
  /**
   * How many members a room holds.
   * @default 2
   */
  roomCapacity?: number;
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
   * Where warnings and errors go.
   * @default console
   */
  logger?: SignalingLogger;
}

/** What {@link attachSignaling} returns. */
export interface SignalingHandle {
  /** The Socket.IO server, typed with the protocol's events. */
  io: SignalingServer;
  /** The room state of this attach. */
  rooms: Rooms;
  /**
   * Disconnects every client and stops the engine. Idempotent. It never closes the http
   * server, which belongs to the caller (Socket.IO's own `io.close()` would).
   */
  close(): Promise<void>;
}

/**
 * Attaches the signaling protocol (PROTOCOL.md) to an http server: the codelab's events with
 * its bugs fixed. Knows nothing of Vite; the Vite plugin, the production entry and the tests
 * call it.
 */
export function attachSignaling(
  httpServer: AttachableServer,
  options: SignalingOptions = {},
): SignalingHandle {
  const {
    roomCapacity = 2,
    clientLog = true,
    exposeAddresses = true,
    socketOptions = {},
    logger = console,
  } = options;
  const rooms = new Rooms(roomCapacity);
  const io: SignalingServer = new Server(httpServer, socketOptions);
  let closed = false;

  io.on('connection', (socket) => {
    if (closed) {
      socket.disconnect(true);
      return;
    }
    const log = clientLog
      ? (...parts: unknown[]) => socket.emit('log', ['Message from server:', ...parts])
      : undefined;
    const refuse = (event: ClientEventName, code: ErrorCode, message: string) => {
      socket.emit('signaling:error', { event, code, message });
      log?.(`Refused "${event}": ${message}`);
    };

    // A socket handler that throws would surface as an unhandled error in Socket.IO's
    // emitter; answer the sender instead and keep every other room going.
    const guard =
      <A extends unknown[]>(event: ClientEventName, handler: (...args: A) => void) =>
      (...args: A) => {
        try {
          handler(...args);
        } catch (error) {
          logger.error(`[signaling] "${event}" from ${socket.id} failed:`, error);
          refuse(event, 'internal', 'the server failed on this request; try again');
        }
      };

    socket.on(
      'create or join',
      guard('create or join', (value: unknown) => {
        const parsed = parseRoomName(value);
        if (!parsed.ok) {
          refuse('create or join', 'invalid-room', `${parsed.reason}; pick another name`);
          return;
        }
        const { room } = parsed;
        log?.(`Received request to create or join room ${room}`);
        if (socket.data.room !== undefined) {
          refuse(
            'create or join',
            'already-in-room',
            `this tab already has a seat in room "${socket.data.room}"; send "bye" before joining another`,
          );
          return;
        }
        const outcome = rooms.join(room, socket.id);
        const key = ROOM_PREFIX + room;
        switch (outcome.kind) {
          case 'created':
            log?.(`Room ${room} now has 1 client(s)`);
            socket.join(key);
            socket.data.room = room;
            log?.(`Client ID ${socket.id} created room ${room}`);
            socket.emit('created', room, socket.id);
            update(room);
            break;
          case 'joined':
            log?.(`Room ${room} now has ${outcome.others.length + 1} client(s)`);
            log?.(`Client ID ${socket.id} joined room ${room}`);
            io.to(key).emit('join', room);
            socket.join(key);
            socket.data.room = room;
            socket.emit('joined', room, socket.id);
            io.to(key).emit('ready');
            update(room);
            break;
          case 'full':
            log?.(`Room ${room} is full`);
            socket.emit('full', room);
            break;
        }
      }),
    );

    socket.on(
      'message',
      guard('message', (payload: unknown) => {
        const room = socket.data.room;
        if (room === undefined) {
          refuse('message', 'not-in-room', 'this tab has no seat in a room; join one first');
          return;
        }
        if (payload === undefined) {
          refuse('message', 'invalid-payload', 'a message needs a payload');
          return;
        }
        log?.('Client said: ', payload);
        // The payload goes on as it came (codelab clients depend on it), and only to the
        // sender's own room: the client never chooses the recipient. Socket.IO's parser has
        // already decoded it, so it is a JSON value (or binary, which passes through too).
        socket.to(ROOM_PREFIX + room).emit('message', payload as SignalingPayload);
      }),
    );

    socket.on(
      'bye',
      guard('bye', (value?: unknown) => {
        const room = socket.data.room;
        if (room === undefined) {
          refuse('bye', 'not-in-room', 'this tab has no seat to leave');
          return;
        }
        if (typeof value === 'string' && value.normalize('NFC') !== room) {
          refuse('bye', 'not-in-room', `this tab sits in room "${room}", not the one named`);
          return;
        }
        leave(socket);
        log?.(`Client ID ${socket.id} left room ${room}`);
      }),
    );

    socket.on(
      'ipaddr',
      guard('ipaddr', () => {
        if (!exposeAddresses) {
          refuse('ipaddr', 'disabled', 'this server does not publish its addresses');
          return;
        }
        for (const address of lanAddresses()) socket.emit('ipaddr', address);
      }),
    );

    socket.on('disconnect', () => leave(socket));
  });

  /** Frees the socket's seat and tells whoever remains that it left. */
  function leave(socket: SignalingSocket): void {
    const room = socket.data.room;
    if (room === undefined) return;
    socket.data.room = undefined;
    const key = ROOM_PREFIX + room;
    rooms.leave(room, socket.id);
    socket.leave(key);
    io.to(key).emit('bye', room);
    update(room);
  }

  /** Tells the members of `room` how many seats are taken, after the codelab's own events. */
  function update(room: string): void {
    const members = rooms.members(room).length;
    if (members > 0)
      io.to(ROOM_PREFIX + room).emit('room:update', { room, members, capacity: roomCapacity });
  }

  const close = async () => {
    if (closed) return;
    closed = true;
    // What io.close() does, minus closing the http server that belongs to the caller.
    io.local.disconnectSockets(true);
    await Promise.allSettled([...io._nsps.values()].map((nsp) => nsp.adapter.close()));
    io.engine.close();
  };
  // engine.io closes itself when the http server closes (Vite's restart does this); drop the
  // rest of this attach's state with it.
  httpServer.once('close', () => void close());

  return { io, rooms, close };
}

/** The machine's non-loopback IPv4 addresses, as the codelab's `ipaddr` lists them. */
function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((details) => details !== undefined && details.family === 'IPv4' && !details.internal)
    .map((details) => (details as { address: string }).address);
}
