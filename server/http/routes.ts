import type { SignalingContext } from '../core/context.ts';
import { HeldSessionAdapter } from '../core/session-adapter.ts';
import type { RoomStore } from '../core/store.ts';
import type { AccessGate } from './access.ts';
import { ADMIN_PATH, type AdminSource, createAdminHandler } from './admin.ts';
import {
  createHttpHandler,
  type HttpHandler,
  type MetricsSource,
  type SignalingMetrics,
} from './metrics.ts';
import type { SignalingOptions } from './options.ts';

/** What the http routes read besides the core's context: the edge's own parts. */
export interface RouteParts {
  gate: AccessGate;
  metrics: SignalingMetrics;
  source: MetricsSource;
  /** The engine connections of this attach. */
  connections: Set<unknown>;
}

/** The plain http routes: `/healthz`, `/metrics` and the operator's page, behind the Host check. */
export function httpRoutes(
  context: SignalingContext,
  { gate, metrics, source, connections }: RouteParts,
  options: SignalingOptions<RoomStore>,
): HttpHandler {
  return hostCheckedHandler(
    gate,
    withAdmin(
      options.adminSecret,
      gate,
      adminSource(context, metrics, connections),
      createHttpHandler(metrics, source, { metrics: options.metrics ?? true }),
    ),
  );
}

/** Puts the operator's page in front of `serve` when a secret is configured. */
function withAdmin(
  secret: string | undefined,
  gate: AccessGate,
  snapshot: AdminSource,
  serve: HttpHandler,
): HttpHandler {
  if (!secret) return serve;
  const admin = createAdminHandler(secret, snapshot, (request) => gate.address(request));
  return (request, response, next) =>
    admin(request, response, () => serve(request, response, next));
}

/** The operator's figures of this process: counts and states, room names only when asked. */
function adminSource(
  context: SignalingContext,
  metrics: SignalingMetrics,
  connections: Set<unknown>,
): AdminSource {
  const { io, rooms, holds, gate, lifecycle } = context;
  const count = async (counter: { get(): Promise<{ values: { value: number }[] }> }) =>
    (await counter.get()).values.reduce((sum, { value }) => sum + value, 0);
  return async (names) => {
    const summaries = [...(rooms.summaries?.() ?? [])];
    const byMembers: Record<string, number> = {};
    for (const { members } of summaries) byMembers[members] = (byMembers[members] ?? 0) + 1;
    const refusals: Record<string, number> = {};
    for (const { labels, value } of (await metrics.rejections.get()).values) {
      refusals[String(labels.reason)] = value;
    }
    const { adapter } = io.of('/');
    return {
      process: {
        pid: process.pid,
        uptimeSeconds: Math.round(process.uptime()),
        draining: lifecycle.draining,
      },
      connections: {
        sockets: io.of('/').sockets.size,
        engine: connections.size,
        addresses: gate.addresses,
      },
      away: {
        sessions: adapter instanceof HeldSessionAdapter ? adapter.heldSessions : 0,
        heldSeats: holds.size,
      },
      rooms: {
        total: rooms.size,
        locked: summaries.filter((room) => room.locked).length,
        byMembers,
        ...(names && { names: summaries }),
      },
      totals: {
        joins: await count(metrics.joins),
        full: await count(metrics.full),
        relays: await count(metrics.relays),
      },
      refusals,
      calls: await metrics.calls.summary(),
    };
  };
}

/**
 * /healthz, /metrics and the operator's page answer the hosts the handshake answers, so a DNS-rebinding page cannot
 * read them from a server on localhost either.
 */
function hostCheckedHandler(gate: AccessGate, serve: HttpHandler): HttpHandler {
  return (request, response, next) => {
    const path = (request.url ?? '').split('?')[0];
    const guarded =
      path === '/healthz' || path === '/metrics' || (path ?? '').startsWith(ADMIN_PATH);
    if (guarded && !gate.hostAllowed(request)) {
      response.statusCode = 403;
      response.end('[signaling] this host is not served here; add it to ALLOWED_HOSTS');
      return;
    }
    serve(request, response, next);
  };
}
