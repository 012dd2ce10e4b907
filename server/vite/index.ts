import type { Plugin, PreviewServer, ServerOptions, ViteDevServer } from 'vite';
import {
  type AttachableServer,
  attachSignaling,
  type SignalingHandle,
  type SignalingOptions,
} from '../index.ts';

/** Options of the {@link signaling} Vite plugin: those of `attachSignaling`, and `httpServer`. */
export interface SignalingPluginOptions extends SignalingOptions {
  /**
   * As in `attachSignaling`, but on by default here: the UI shows a dropped peer as
   * reconnecting and gets its seat back.
   * @default 10000
   */
  recoveryWindowMs?: number;
  /**
   * In Vite's middleware mode, the http server that hosts Vite's middlewares: the signaling
   * attaches to it. Defaults to `server.hmr.server` when that is set; unused when Vite has a
   * server of its own.
   */
  httpServer?: AttachableServer;
}

/** The plugin's `api`, for tests and other plugins. */
export interface SignalingPluginApi {
  /** The signaling attached to the current Vite server, if any. */
  readonly handle: SignalingHandle | undefined;
}

/**
 * The attach on each server of the user's that outlives a Vite restart (middleware mode), so
 * the next Vite, whose config may make a new plugin, closes it before attaching its own.
 */
const attachments = new WeakMap<AttachableServer, SignalingHandle>();

/** The user's http server in middleware mode: the plugin's option, else Vite's HMR server. */
function middlewareServer(
  options: SignalingPluginOptions,
  config: ServerOptions,
): AttachableServer | undefined {
  const hmr = typeof config.hmr === 'object' ? config.hmr.server : undefined;
  return options.httpServer ?? hmr;
}

/**
 * Attaches the signaling server to Vite's own http server, in `vite` (dev) and in
 * `vite preview`, and serves `/healthz` and `/metrics` from its middlewares. Editing anything
 * vite.config.ts imports restarts Vite with a new http server: the old attach closes with the
 * old server and this hook attaches anew, and clients reconnect and re-join by themselves. In
 * middleware mode it attaches to the server given as `httpServer` (or `server.hmr.server`),
 * closing the previous Vite's attach there on a restart.
 */
export function signaling(options: SignalingPluginOptions = {}): Plugin<SignalingPluginApi> {
  const { httpServer: _given, ...signalingOptions } = options;
  let handle: SignalingHandle | undefined;
  const attach = async (
    server: ViteDevServer | PreviewServer,
    httpServer: AttachableServer | undefined,
    allowedHosts: string[] | true,
  ) => {
    if (!httpServer) {
      server.config.logger.warn(
        '[signaling] Vite runs in middleware mode, so it has no http server to attach to. ' +
          'Pass yours as signaling({ httpServer }) or as server.hmr.server, or call ' +
          "attachSignaling(httpServer) from 'webrtc-rooms' on the server that hosts Vite's " +
          'middlewares.',
      );
      return;
    }
    await attachments.get(httpServer)?.close();
    handle = attachSignaling(httpServer, {
      recoveryWindowMs: 10_000,
      ...signalingOptions,
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
    attachments.set(httpServer, handle);
    server.middlewares.use(handle.httpHandler);
  };
  return {
    name: 'webrtc-rooms:signaling',
    configureServer: (server) =>
      attach(
        server,
        server.httpServer ?? middlewareServer(options, server.config.server),
        server.config.server.allowedHosts,
      ),
    configurePreviewServer: (server) =>
      attach(server, server.httpServer, server.config.preview.allowedHosts),
    // Vite closes its own http server, and the attach with it, but not the user's.
    closeServer: async ({ reason }) => {
      if (reason === 'close') await handle?.close();
    },
    api: {
      get handle() {
        return handle;
      },
    },
  };
}
