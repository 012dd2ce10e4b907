import type { Socket } from 'node:net';

/** engine.io's server, as far as {@link forgetUpgradeResponse} reads it. */
interface EngineWithMiddlewares {
  /** The middlewares `engine.use` added (engine.io 6.5 and later). */
  middlewares?: readonly unknown[];
}

/**
 * Takes off the `close` listener engine.io leaves on a websocket's TCP socket for the whole
 * life of the connection, and with it what that listener holds: the upgrade request, its
 * headers and parser state (some 1.1 KiB per idle client, measured with heap snapshots; see
 * docs/scaling.md#what-a-connection-keeps).
 *
 * Reaching inside engine.io 6.6 (socket.io 4.8): its `handleUpgrade` makes a
 * `WebSocketResponse` for every upgrade, so that engine middlewares see a response, and the
 * response's constructor, the first thing `handleUpgrade` does to the socket, adds
 * `socket.once('close', () => this.emit('close'))`: only a middleware could listen to that
 * `close`, so with no middleware the listener has nobody to tell. It is the first `close`
 * listener added while engine.io handled the upgrade (`before` were there already), a `once`
 * wrapper. If an upgrade of engine.io changes this, server/test/connection-memory.test.ts
 * fails (the upgrade request is no longer collected); nothing else changes.
 */
export function forgetUpgradeResponse(engine: object, socket: Socket, before: number): void {
  if (((engine as EngineWithMiddlewares).middlewares?.length ?? 0) > 0) return;
  const listener = socket.rawListeners('close')[before] as
    | (((...args: unknown[]) => void) & { listener?: unknown })
    | undefined;
  if (typeof listener === 'function' && typeof listener.listener === 'function') {
    socket.off('close', listener);
  }
}
