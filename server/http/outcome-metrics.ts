import { Counter, Histogram, type Registry } from 'prom-client';
import type { CallOutcome } from '../protocol/index.ts';

/** Upper bounds of the setup-time histogram, in seconds: srflx in under one, TURN/TLS in a few. */
export const SETUP_BUCKETS = [0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60];

/** What the operator's page shows of the reported calls. */
export interface CallSummary {
  /** Reports counted since start. */
  reported: number;
  connected: number;
  failed: number;
  /** Failed of all reported, 0 to 1; null before any report. */
  failedShare: number | null;
  /** Connected through a TURN relay (either end) of all connected with a known pair. */
  relayedShare: number | null;
  /** Setup time's median and 95th percentile in seconds, from the histogram as Prometheus's `histogram_quantile` reads it. */
  setupP50Seconds: number | null;
  setupP95Seconds: number | null;
}

/** The call outcomes' metrics: `record` counts one report, `summary` reads them back. */
export interface OutcomeMetrics {
  record(report: CallOutcome): void;
  summary(): Promise<CallSummary>;
}

/** Registers the call outcomes' metrics on `registry` (docs/nat-traversal.md#call-outcomes). */
export function outcomeMetrics(registry: Registry): OutcomeMetrics {
  const registers = [registry];
  const outcomes = new Counter({
    name: 'signaling_call_outcomes_total',
    help: 'Peer connections reported by clients, by outcome and, for failed ones, reason.',
    labelNames: ['outcome', 'reason'] as const,
    registers,
  });
  const pairs = new Counter({
    name: 'signaling_call_pairs_total',
    help: "Connected peer connections by their selected pair's candidate types and local protocol.",
    labelNames: ['local', 'remote', 'protocol'] as const,
    registers,
  });
  const setup = new Histogram({
    name: 'signaling_call_setup_seconds',
    help: 'Seconds from the second member joining to the peer connection first connected.',
    buckets: SETUP_BUCKETS,
    registers,
  });
  const restarts = new Counter({
    name: 'signaling_call_ice_restarts_total',
    help: 'ICE restarts of the reported peer connections.',
    registers,
  });
  const restarted = new Counter({
    name: 'signaling_call_restarted_total',
    help: 'Reported peer connections that restarted ICE, by whether they were connected after.',
    labelNames: ['recovered'] as const,
    registers,
  });
  const endings = new Counter({
    name: 'signaling_call_endings_total',
    help: 'Reported peer connections by how they ended.',
    labelNames: ['ended'] as const,
    registers,
  });
  return {
    record(report) {
      if (report.outcome === 'connected') {
        outcomes.inc({ outcome: 'connected', reason: 'none' });
        setup.observe(report.setupMs / 1000);
        if (report.pair) pairs.inc(report.pair);
      } else {
        outcomes.inc({ outcome: 'failed', reason: report.reason });
      }
      if (report.restarts > 0) {
        restarts.inc(report.restarts);
        restarted.inc({ recovered: report.recovered ? 'yes' : 'no' });
      }
      endings.inc({ ended: report.ended });
    },
    async summary() {
      let connected = 0;
      let failed = 0;
      for (const { labels, value } of (await outcomes.get()).values) {
        if (labels.outcome === 'connected') connected += value;
        else failed += value;
      }
      let paired = 0;
      let relayed = 0;
      for (const { labels, value } of (await pairs.get()).values) {
        paired += value;
        if (labels.local === 'relay' || labels.remote === 'relay') relayed += value;
      }
      const buckets = (await setup.get()).values
        .filter((sample) => sample.metricName?.endsWith('_bucket'))
        .map(({ labels, value }) => ({ le: Number(labels.le), count: value }))
        .sort((a, b) => a.le - b.le);
      const reported = connected + failed;
      return {
        reported,
        connected,
        failed,
        failedShare: reported > 0 ? failed / reported : null,
        relayedShare: paired > 0 ? relayed / paired : null,
        setupP50Seconds: quantile(0.5, buckets),
        setupP95Seconds: quantile(0.95, buckets),
      };
    },
  };
}

/**
 * The `q` quantile of a cumulative histogram, interpolated within its bucket as Prometheus's
 * `histogram_quantile` does (past the last finite bound: that bound); null when empty.
 */
export function quantile(q: number, buckets: { le: number; count: number }[]): number | null {
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const { le, count } of buckets) {
    if (count >= rank) {
      if (le === Number.POSITIVE_INFINITY) return lower;
      return lower + (le - lower) * ((rank - below) / (count - below));
    }
    lower = le;
    below = count;
  }
  return lower;
}
