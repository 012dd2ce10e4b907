import type { Server as HttpServer } from 'node:http';
import type { Http2SecureServer, Http2Server } from 'node:http2';
import type { Server as HttpsServer } from 'node:https';
import type { Server, Socket } from 'socket.io';
import type {
  ClientToServerEvents,
  InterServerEvents,
  ServerToClientEvents,
  SocketData,
} from '../protocol/index.ts';
import type { BucketLevels } from './rate-limit.ts';

/** What the server keeps on each socket: the protocol's part, and this server's own. */
export interface ServerSocketData extends SocketData {
  /** The socket's token buckets, made at its connection. */
  buckets: BucketLevels;
  /** Set while a join waits on an asynchronous store, so a second request cannot race it. */
  joining?: boolean;
}

/** The typed Socket.IO server of the signaling protocol. */
export type SignalingServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  ServerSocketData
>;

/** One connected client of the signaling protocol. */
export type SignalingSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  ServerSocketData
>;

/** Any Node server Socket.IO can attach to (Vite's own may be https or http2). */
export type AttachableServer = HttpServer | HttpsServer | Http2Server | Http2SecureServer;

/** Where the server writes its own warnings and errors. */
export type SignalingLogger = Pick<Console, 'warn' | 'error'>;
