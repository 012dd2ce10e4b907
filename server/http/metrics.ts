import type { IncomingMessage, ServerResponse } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Registry } from 'prom-client';
import type { RejectionReason, SignalingCounters } from '../core/ports.ts';
import { type OutcomeMetrics, outcomeMetrics } from './outcome-metrics.ts';

/** The live figures the metrics read at scrape time. */
export interface MetricsSource {
  /** Connected Socket.IO sockets. */
  connections(): number;
  /** Rooms with at least one seat taken. */
  rooms(): number;
  /** Seats held for a member whose connection dropped (waiting for it to recover). */
  held(): number;
  /** True once the server drains for shutdown. */
  draining(): boolean;
  /** Whether the room store can seat anyone (a shared store may lose its Redis). */
  store(): { ok: true } | { ok: false; reason: string };
}

/** The signaling server's Prometheus metrics, in a registry of their own (one per attach). */
export interface SignalingMetrics extends SignalingCounters {
  /** The registry; add `collectDefaultMetrics({ register })` to it for process metrics. */
  registry: Registry;
  /** Seats given (`created` or `joined`). */
  joins: Counter;
  /** Joins refused because the room was full. */
  full: Counter;
  /** Messages relayed to a room (`relayed` counted since the last scrape included). */
  relays: Counter;
  /**
   * Relays not yet in `relays`: the relay path adds one here, a plain number, and the counter
   * takes them when scraped (a `Counter.inc` on every relay cost two objects).
   */
  relayed: number;
  /** Requests and handshakes refused, by reason. */
  rejections: Counter<'reason'>;
  /** Counts one refusal of `reason`. */
  reject(reason: RejectionReason): void;
  /** The call outcomes clients report (outcome-metrics.ts). */
  calls: OutcomeMetrics;
  /** Stops the event-loop monitor. */
  close(): void;
}

/** The gauges read from the {@link MetricsSource} at each scrape: name, help, and what to read. */
const SOURCE_GAUGES = [
  ['signaling_connections', 'Connected Socket.IO sockets.', 'connections'],
  ['signaling_rooms', 'Rooms with at least one seat taken.', 'rooms'],
  [
    'signaling_seats_held',
    'Seats held for members whose connection dropped, until they recover or time out.',
    'held',
  ],
] as const;

/** The event loop's delay as a gauge; returns the monitor, to stop with the metrics. */
function eventLoopLag(registry: Registry) {
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  new Gauge({
    name: 'signaling_event_loop_lag_seconds',
    help: 'Event-loop delay since the previous scrape: the 99th percentile.',
    registers: [registry],
    collect() {
      // The histogram is in nanoseconds; the delay includes the 20 ms sampling interval.
      this.set(Math.max(0, loop.percentile(99) / 1e9 - 0.02));
      loop.reset();
    },
  });
  return loop;
}

/** Creates the metrics of one attach; nothing is module-level, so a Vite restart starts afresh. */
export function createMetrics(source: MetricsSource): SignalingMetrics {
  const registry = new Registry();
  for (const [name, help, read] of SOURCE_GAUGES) {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(source[read]());
      },
    });
  }
  const loop = eventLoopLag(registry);
  const rejections = new Counter({
    name: 'signaling_rejections_total',
    help: 'Requests and handshakes refused, by reason (the signaling:error code or handshake check).',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const calls = outcomeMetrics(registry);
  const metrics: SignalingMetrics = {
    registry,
    joins: new Counter({
      name: 'signaling_joins_total',
      help: 'Seats given in a room (created or joined).',
      registers: [registry],
    }),
    full: new Counter({
      name: 'signaling_full_total',
      help: 'Joins refused because the room was full.',
      registers: [registry],
    }),
    relays: new Counter({
      name: 'signaling_relays_total',
      help: 'Messages relayed to the other member of a room.',
      registers: [registry],
      collect() {
        this.inc(metrics.relayed);
        metrics.relayed = 0;
      },
    }),
    relayed: 0,
    rejections,
    reject: (reason) => rejections.inc({ reason }),
    calls,
    callOutcome: (report) => calls.record(report),
    close: () => loop.disable(),
  };
  return metrics;
}

/**
 * Connect-style request handler for `/healthz` and `/metrics`; other paths go to `next` (or get
 * a 404 without one). Vite's middlewares and the production server both mount it.
 */
export type HttpHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

/** Builds the {@link HttpHandler} serving the health check and the metrics. */
export function createHttpHandler(
  metrics: SignalingMetrics,
  source: MetricsSource,
  options: { metrics: boolean },
): HttpHandler {
  return (request, response, next) => {
    const path = (request.url ?? '').split('?')[0];
    const method = request.method ?? 'GET';
    // `/healthz` and `/metrics` are valid room names too (`/foo` opens room foo:
    // docs/protocol.md#joining): a browser navigating there asks for HTML and gets the app;
    // probes and scrapers do not.
    const readOnly =
      (method === 'GET' || method === 'HEAD') &&
      !(next && (request.headers.accept ?? '').includes('text/html'));
    if (path === '/healthz' && readOnly) {
      // 503 tells a load balancer to send new clients elsewhere: this process is going away,
      // or cannot seat anyone (its Redis is unreachable).
      const store = source.store();
      const status = source.draining() ? 'draining' : store.ok ? 'ok' : 'unavailable';
      response.statusCode = status === 'ok' ? 200 : 503;
      response.setHeader('Content-Type', 'application/json');
      response.setHeader('Cache-Control', 'no-store');
      response.end(
        JSON.stringify({
          status,
          ...(!store.ok && { reason: store.reason }),
          connections: source.connections(),
          rooms: source.rooms(),
        }),
      );
      return;
    }
    if (path === '/metrics' && readOnly && options.metrics) {
      metrics.registry.metrics().then(
        (text) => {
          response.statusCode = 200;
          response.setHeader('Content-Type', metrics.registry.contentType);
          response.setHeader('Cache-Control', 'no-store');
          response.end(text);
        },
        (error: unknown) => {
          console.error(
            '[signaling] collecting /metrics failed; check the metric collectors',
            error,
          );
          response.statusCode = 500;
          response.end();
        },
      );
      return;
    }
    if (next) {
      next();
      return;
    }
    response.statusCode = 404;
    response.end('Not found');
  };
}
