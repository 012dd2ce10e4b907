import type { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Server, Socket } from 'node:net';
import type { AccessVerdict, HandshakeRefusal } from '../core/ports.ts';
import { filterAccepts } from './accept-filter.ts';

type UpgradeListener = (request: IncomingMessage, socket: Socket, head: Buffer) => void;

/** The http status of a websocket handshake refused for `reason`. */
const STATUS: Record<HandshakeRefusal, string> = {
  host: '403 Forbidden',
  origin: '403 Forbidden',
  'too-many-connections': '429 Too Many Requests',
  'too-many-handshakes': '429 Too Many Requests',
  draining: '503 Service Unavailable',
};

/** The raw http answer to a refused websocket handshake: status, message, and the socket ends. */
function refusalResponse(reason: HandshakeRefusal, message: string): string {
  return (
    `HTTP/1.1 ${STATUS[reason]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`
  );
}

/** What {@link refuseEarly} needs from the server it guards. */
export interface EarlyRefusal {
  /** The engine's path (Socket.IO's `path`, `/socket.io` by default). */
  path: string;
  /** The verdict on a handshake (draining, then the access gate); takes its handshake token. */
  decide(request: IncomingMessage): AccessVerdict;
  /** Whether a new TCP connection from `address` is dropped before a byte of it is read. */
  shed(address: string | undefined): boolean;
  /** Counts a refusal in the metrics. */
  refused(reason: HandshakeRefusal): void;
  /**
   * Where the websocket handshakes decided here and let through are marked: `allowRequest`
   * passes those without taking a second token.
   */
  passed: WeakSet<IncomingMessage>;
  /**
   * Called once engine.io has handled an upgrade on `socket`, which had `closeListeners`
   * `close` listeners before (see upgrade-response.ts).
   */
  upgraded?(socket: Socket, closeListeners: number): void;
}

/**
 * Refuses what it can before engine.io does any work, because a refusal is what a churning
 * client makes the server do thousands of times a second:
 *
 * - a new TCP connection from an address that `shed` names is closed as libuv accepts it,
 *   before Node makes a socket of it (accept-filter.ts; the cheapest answer a process can give),
 *   or failing that in the first `connection` listener, before Node parses a byte of http;
 * - a websocket handshake (an upgrade on the engine's path without `sid`) is decided here, by
 *   wrapping the `upgrade` listeners engine.io added (those not in `upgradeListenersBefore`);
 *   refused, it gets a short raw http error and its socket is destroyed, without engine.io's
 *   request preparation.
 *
 * Returns the function that takes the accept filter off. Polling handshakes are still decided
 * in `allowRequest`, which answers them with engine.io's JSON error that socket.io-client
 * reads. Other listeners of `upgrade` (Vite's HMR) are left as they were.
 */
export function refuseEarly(
  server: Server,
  upgradeListenersBefore: readonly unknown[],
  options: EarlyRefusal,
): () => void {
  const engineListeners = (server.listeners('upgrade') as UpgradeListener[]).filter(
    (listener) => !upgradeListenersBefore.includes(listener),
  );
  // Without websocket transport engine.io adds no `upgrade` listener, and neither does this:
  // Node then destroys unhandled upgrades itself.
  if (engineListeners.length > 0) wrapUpgrades(server, engineListeners, options);
  const filter = filterAccepts(server, (address) => {
    if (!options.shed(address)) return false;
    options.refused('too-many-handshakes');
    return true;
  });
  server.prependListener('connection', (socket: Socket) => {
    if (filter.active || !options.shed(socket.remoteAddress)) return;
    options.refused('too-many-handshakes');
    socket.on('error', ignore);
    socket.destroy();
  });
  return () => filter.stop();
}

/** Puts the handshake decision in front of engine.io's `upgrade` listeners (see above). */
function wrapUpgrades(
  server: EventEmitter,
  engineListeners: readonly UpgradeListener[],
  options: EarlyRefusal,
): void {
  for (const listener of engineListeners) server.off('upgrade', listener);
  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    if (isHandshake(request.url ?? '', options.path)) {
      const verdict = options.decide(request);
      if (!verdict.ok) {
        options.refused(verdict.reason);
        socket.on('error', ignore);
        if (socket.writable) socket.write(refusalResponse(verdict.reason, verdict.message));
        socket.destroy();
        return;
      }
      options.passed.add(request);
    }
    const closeListeners = socket.listenerCount('close');
    for (const listener of engineListeners) listener.call(server, request, socket, head);
    options.upgraded?.(socket, closeListeners);
  });
}

function ignore(): void {}

/** Whether `url` opens a new engine.io session on `path` (an upgrade of one carries `sid`). */
function isHandshake(url: string, path: string): boolean {
  if (!url.startsWith(path)) return false;
  const rest = url.charCodeAt(path.length);
  // `/socket.io/?…`, `/socket.io?…` or `/socket.io`, not `/socket.iox`.
  if (!Number.isNaN(rest) && rest !== SLASH && rest !== QUESTION) return false;
  const query = url.indexOf('?');
  return query === -1 || !SID.test(url.slice(query));
}

const SLASH = 47;
const QUESTION = 63;
const SID = /[?&]sid=/;
