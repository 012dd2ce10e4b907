import type { IncomingMessage } from 'node:http';
import type { AccessGate } from '../http/access.ts';
import type { SignalingServer } from './types.ts';

/** An engine.io transport, as far as telling a closed tab from a dropped network needs it. */
interface EngineTransport {
  name: string;
  socket?: { prependOnceListener(event: 'close', listener: (code: number) => void): unknown };
}

/** The engine.io connection, as far as the server needs it. */
export interface EngineConnection {
  request: IncomingMessage;
  transport: EngineTransport;
  once(event: 'close', listener: () => void): unknown;
  on(event: 'upgrade', listener: (transport: EngineTransport) => void): unknown;
  close(): void;
}

/** WebSocket close code a browser sends when its tab closes, reloads or navigates away. */
const GOING_AWAY = 1001;

/**
 * Counts engine-level connections (so sessions that never reach a namespace count, and are
 * closed on drain, too), releases their per-address slot when they close, and notes those whose
 * browser left on purpose. engine.io reports every websocket close as "transport close", but a
 * browser closing or reloading the tab sends 1001 "going away" while a failed network sends
 * nothing (1006): the first left on purpose (PROTOCOL.md: free the seat at once); only the
 * second may come back.
 */
export function trackConnections(
  io: SignalingServer,
  gate: AccessGate,
  wentAway: WeakSet<object>,
): Set<EngineConnection> {
  const connections = new Set<EngineConnection>();
  io.engine.on('connection', (connection: EngineConnection) => {
    // Prepended, so the code is known before engine.io's own listener ends the socket.
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
  return connections;
}
