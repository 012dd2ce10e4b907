import type { CoreOptions, TrackedState } from '../core/options.ts';
import type { SeatHolds } from '../core/seat-holds.ts';
import type { RoomStore } from '../core/store.ts';
import type { SignalingServer } from '../core/types.ts';
import type { AccessOptions } from './access.ts';
import type { HttpHandler, SignalingMetrics } from './metrics.ts';

/** Options of {@link attachSignaling}: the core's, and the edge's handshake checks and routes. */
export interface SignalingOptions<S extends RoomStore = RoomStore> extends CoreOptions<S> {
  /**
   * Handshake checks: allowed origins and hosts, connections per address.
   * @default { allowedOrigins: [], allowedHosts: [], maxConnectionsPerAddress: 20 }
   */
  access?: AccessOptions;
  /**
   * Serves the operator's page (`/_signaling/admin`) from `httpHandler`, behind this secret.
   * Unset, there is no page.
   * @default undefined
   */
  adminSecret?: string;
  /**
   * Serve `/metrics` from {@link SignalingHandle.httpHandler} (`/healthz` is always served).
   * @default true
   */
  metrics?: boolean;
}

/** What {@link attachSignaling} returns. */
export interface SignalingHandle<S extends RoomStore = RoomStore> {
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
  /** The size of every structure kept per client, to check that each returns to empty. */
  tracked(): TrackedState;
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
