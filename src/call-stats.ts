// Reading getStats() for the connection panel, apart from the controller so it can be tested
// with a plain Map standing in for the report.

/** The candidate pair ICE picked, as `getStats` reports it. */
export interface SelectedPair {
  localType: string;
  remoteType: string;
  /** How the local end sends: for a relay candidate, to its TURN server (udp, tcp or tls). */
  protocol: string;
  local: string;
  remote: string;
}

/** What the panel needs from one `getStats` report. */
export interface StatsReading {
  pair: SelectedPair | null;
  rttMs: number | null;
  bytesIn: number;
  bytesOut: number;
  videoBytesReceived: number;
}

interface CandidateStats {
  candidateType?: string;
  address?: string;
  port?: number;
  protocol?: string;
  relayProtocol?: string;
}

/** Reads the selected candidate pair, its RTT and byte counts, and the video bytes received. */
export function readStats(report: RTCStatsReport): StatsReading {
  let pairStats: RTCIceCandidatePairStats | undefined;
  let transport: RTCTransportStats | undefined;
  let videoBytesReceived = 0;
  const stats: RTCStats[] = [];
  report.forEach((stat: RTCStats) => {
    stats.push(stat);
  });
  for (const stat of stats) {
    if (stat.type === 'transport') {
      transport = stat as RTCTransportStats;
      const id = transport.selectedCandidatePairId;
      if (id) pairStats = report.get(id) as RTCIceCandidatePairStats | undefined;
    } else if (stat.type === 'inbound-rtp') {
      const inbound = stat as RTCInboundRtpStreamStats;
      if (inbound.kind === 'video') videoBytesReceived += inbound.bytesReceived ?? 0;
    }
  }
  // Firefox has no transport stats: its pair says `selected` itself.
  pairStats ??= stats.find(
    (stat) => stat.type === 'candidate-pair' && (stat as { selected?: boolean }).selected,
  ) as RTCIceCandidatePairStats | undefined;
  if (!pairStats) {
    return { pair: null, rttMs: null, bytesIn: 0, bytesOut: 0, videoBytesReceived };
  }
  const local = report.get(pairStats.localCandidateId) as CandidateStats | undefined;
  const remote = report.get(pairStats.remoteCandidateId) as CandidateStats | undefined;
  const rtt = pairStats.currentRoundTripTime;
  // Count bytes on the transport where there is one (Chromium): the two sides may each send
  // on a pair of their own choosing (seen Chromium ↔ Firefox: IPv6 one way, IPv4 the other),
  // so the selected pair can show nothing received while media arrives.
  const bytes = transport?.bytesReceived === undefined ? pairStats : transport;
  return {
    pair: {
      localType: local?.candidateType ?? '?',
      remoteType: remote?.candidateType ?? '?',
      protocol: local?.relayProtocol ?? local?.protocol ?? '?',
      local: describeCandidate(local),
      remote: describeCandidate(remote),
    },
    rttMs: typeof rtt === 'number' ? rtt * 1000 : null,
    bytesIn: bytes.bytesReceived ?? 0,
    bytesOut: bytes.bytesSent ?? 0,
    videoBytesReceived,
  };
}

function describeCandidate(candidate: CandidateStats | undefined): string {
  if (!candidate) return '?';
  const relay = candidate.relayProtocol ? ` via TURN/${candidate.relayProtocol}` : '';
  // Chromium reports an empty address for a remote candidate it learned from a check (prflx)
  // while the other side's host candidate was an mDNS name it could not resolve (Firefox's).
  const address = candidate.address || '(address hidden)';
  return `${address}:${candidate.port ?? '?'} ${candidate.protocol ?? ''}${relay}`;
}

/** One sample of a link: its RTT and bit rates since the previous sample. */
export interface RateSample {
  rttMs: number | null;
  kbpsIn: number;
  kbpsOut: number;
}

/** Turns successive `getStats` reports of one connection into samples with bit rates. */
export class StatsMeter {
  #last: { at: number; in: number; out: number } | null = null;

  /** The reading of `report`, taken at `now` (ms), and its sample. */
  read(report: RTCStatsReport, now: number): { stats: StatsReading; sample: RateSample } {
    const stats = readStats(report);
    let kbpsIn = 0;
    let kbpsOut = 0;
    const last = this.#last;
    if (last && now > last.at) {
      const seconds = (now - last.at) / 1000;
      kbpsIn = Math.max(0, ((stats.bytesIn - last.in) * 8) / 1000 / seconds);
      kbpsOut = Math.max(0, ((stats.bytesOut - last.out) * 8) / 1000 / seconds);
    }
    this.#last = { at: now, in: stats.bytesIn, out: stats.bytesOut };
    return { stats, sample: { rttMs: stats.rttMs, kbpsIn, kbpsOut } };
  }
}
