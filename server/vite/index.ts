import type { Plugin, PreviewServer, ViteDevServer } from 'vite';
import { attachSignaling, type SignalingHandle, type SignalingOptions } from '../index.ts';

/** Options of the {@link signaling} Vite plugin: those of `attachSignaling`. */
export interface SignalingPluginOptions extends SignalingOptions {
  /**
   * As in `attachSignaling`, but on by default here: the UI shows a dropped peer as
   * reconnecting and gets its seat back.
   * @default 10000
   */
  recoveryWindowMs?: number;
}

/** The plugin's `api`, for tests and other plugins. */
export interface SignalingPluginApi {
  /** The signaling attached to the current Vite server, if any. */
  readonly handle: SignalingHandle | undefined;
}

/**
 * Attaches the signaling server to Vite's own http server, in `vite` (dev) and in
 * `vite preview`, and serves `/healthz` and `/metrics` from its middlewares. Editing anything
 * vite.config.ts imports restarts Vite with a new http server: the old attach closes with the
 * old server and this hook attaches anew, and clients reconnect and re-join by themselves.
 */
export function signaling(options: SignalingPluginOptions = {}): Plugin<SignalingPluginApi> {
  let handle: SignalingHandle | undefined;
  const attach = (server: ViteDevServer | PreviewServer, allowedHosts: string[] | true) => {
    const { httpServer } = server;
    if (!httpServer) {
      server.config.logger.warn(
        '[signaling] Vite runs in middleware mode, so it has no http server to attach to. ' +
          "Call attachSignaling(httpServer) from 'webrtc-rooms' on the server that hosts " +
          "Vite's middlewares.",
      );
      return;
    }
    handle = attachSignaling(httpServer, {
      recoveryWindowMs: 10_000,
      ...options,
      // engine.io answers /socket.io/ before Vite's host check runs: the signaling checks the
      // same hosts Vite allows, unless told otherwise.
      access: { allowedHosts, ...options.access },
      socketOptions: {
        ...options.socketOptions,
        // engine.io ends every other upgrade on this port after 1 s by default, and Vite's
        // HMR websocket shares the port: leave other upgrades to their own listeners.
        destroyUpgrade: false,
      },
    });
    server.middlewares.use(handle.httpHandler);
  };
  return {
    name: 'webrtc-rooms:signaling',
    configureServer: (server) => attach(server, server.config.server.allowedHosts),
    configurePreviewServer: (server) => attach(server, server.config.preview.allowedHosts),
    api: {
      get handle() {
        return handle;
      },
    },
  };
}
