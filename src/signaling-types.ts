import type { Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../server/protocol/index.ts';

// The signaling controller's types, apart so that modules the controller imports (the ICE
// servers' renewal, the pre-call check) can name them without importing it back.

/** The socket's link to the server, as a person should see it. */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

/**
 * Where this tab stands with its room: none asked for, asked and waiting, first member,
 * second member, or refused because the room is full.
 */
export type SeatState = 'idle' | 'joining' | 'created' | 'joined' | 'full';

/** One line of the on-screen log. */
export interface LogEntry {
  id: number;
  time: Date;
  source: 'client' | 'server';
  level: 'info' | 'error';
  text: string;
}

/** A typed client socket of the protocol. */
export type SignalingClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
