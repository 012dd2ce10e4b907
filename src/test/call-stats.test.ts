import { describe, expect, it } from 'vitest';
import { readStats } from '../call-stats.ts';

/** A report as Chromium shapes it, from plain objects (RTCStatsReport is a read-only Map). */
function report(...stats: Record<string, unknown>[]): RTCStatsReport {
  return new Map(stats.map((stat) => [stat.id, stat])) as unknown as RTCStatsReport;
}

const local = {
  id: 'L1',
  type: 'local-candidate',
  candidateType: 'relay',
  address: '127.0.0.1',
  port: 50000,
  protocol: 'udp',
  relayProtocol: 'udp',
};
const remote = {
  id: 'R1',
  type: 'remote-candidate',
  candidateType: 'host',
  address: '10.0.0.2',
  port: 40000,
  protocol: 'udp',
};

describe('readStats', () => {
  it("reads the transport's selected pair, its types, RTT and bytes, and video bytes", () => {
    const reading = readStats(
      report(
        { id: 'T', type: 'transport', selectedCandidatePairId: 'P2' },
        { id: 'P1', type: 'candidate-pair', localCandidateId: 'L0', remoteCandidateId: 'R1' },
        {
          id: 'P2',
          type: 'candidate-pair',
          localCandidateId: 'L1',
          remoteCandidateId: 'R1',
          currentRoundTripTime: 0.012,
          bytesReceived: 1000,
          bytesSent: 2000,
        },
        local,
        remote,
        { id: 'V', type: 'inbound-rtp', kind: 'video', bytesReceived: 5000 },
        { id: 'A', type: 'inbound-rtp', kind: 'audio', bytesReceived: 700 },
      ),
    );
    expect(reading).toEqual({
      pair: {
        localType: 'relay',
        remoteType: 'host',
        protocol: 'udp',
        local: '127.0.0.1:50000 udp via TURN/udp',
        remote: '10.0.0.2:40000 udp',
      },
      rttMs: 12,
      bytesIn: 1000,
      bytesOut: 2000,
      videoBytesReceived: 5000,
    });
  });

  it('falls back to a pair marked selected when there are no transport stats (Firefox)', () => {
    const reading = readStats(
      report(
        {
          id: 'P1',
          type: 'candidate-pair',
          localCandidateId: 'L1',
          remoteCandidateId: 'R1',
          selected: true,
        },
        local,
        remote,
      ),
    );
    expect(reading.pair?.localType).toBe('relay');
    expect(reading.rttMs).toBeNull();
  });

  it('says an address is hidden when the browser reports it empty (Chromium, prflx)', () => {
    const reading = readStats(
      report(
        { id: 'T', type: 'transport', selectedCandidatePairId: 'P1' },
        { id: 'P1', type: 'candidate-pair', localCandidateId: 'L1', remoteCandidateId: 'R2' },
        local,
        { ...remote, id: 'R2', candidateType: 'prflx', address: '' },
      ),
    );
    expect(reading.pair?.remote).toBe('(address hidden):40000 udp');
  });

  it("counts bytes on the transport, since media may arrive on a pair other than this side's", () => {
    const reading = readStats(
      report(
        {
          id: 'T',
          type: 'transport',
          selectedCandidatePairId: 'P1',
          bytesReceived: 9000,
          bytesSent: 3000,
        },
        {
          id: 'P1',
          type: 'candidate-pair',
          localCandidateId: 'L1',
          remoteCandidateId: 'R1',
          bytesReceived: 0,
          bytesSent: 2900,
        },
        local,
        remote,
      ),
    );
    expect(reading).toMatchObject({ bytesIn: 9000, bytesOut: 3000 });
  });

  it('has no pair before ICE has selected one', () => {
    expect(readStats(report({ id: 'T', type: 'transport' })).pair).toBeNull();
  });
});
