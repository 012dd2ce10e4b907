// What the lab reads of a page's calls: every RTCPeerConnection the page makes, recorded from
// before the app's first script runs, and the selected candidate pair from its getStats.

/** One candidate of a selected pair, as getStats reports it. */
export interface PairEnd {
  /** host, srflx, prflx or relay. */
  type: string;
  /** The transport between the peers: udp, or tcp for ICE-TCP. */
  protocol: string;
  /** For a relay candidate, how this browser reaches the TURN server: udp, tcp or tls. */
  relayProtocol: string | null;
  address: string;
}

/** One peer connection of a page: its states so far, and its selected pair if it has one. */
export interface PeerReading {
  connectionState: string;
  /** Every state change in order: `pc:connected`, `ice:checking`, `gathering:complete`, ... */
  states: string[];
  /** Milliseconds from `new RTCPeerConnection` to its first `connected`, or null. */
  setupMs: number | null;
  pair: { local: PairEnd; remote: PairEnd } | null;
  /**
   * The candidate types gathered here and received from the peer (`host`, `srflx`, ...), as
   * trickled: getStats lists only candidates that are in a pair, and prunes failed pairs.
   */
  localTypes: string[];
  remoteTypes: string[];
  /** How often the page called `restartIce()` on it, and ms since the last call (or creation). */
  restarts: number;
  quietMs: number;
}

interface Recorded {
  pc: RTCPeerConnection;
  created: number;
  connectedAt: number | null;
  states: string[];
  localTypes: Set<string>;
  remoteTypes: Set<string>;
  restartsAt: number[];
}

declare global {
  interface Window {
    natLabPeers?: Recorded[];
  }
}

/**
 * Runs in the page before its scripts (an init script): replaces `RTCPeerConnection` with a
 * subclass that records each instance, when it was made and every state it went through.
 */
export function recordPeers(): void {
  const Native = window.RTCPeerConnection;
  const peers: Recorded[] = [];
  window.natLabPeers = peers;
  window.RTCPeerConnection = class extends Native {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      const record: Recorded = {
        pc: this,
        created: performance.now(),
        connectedAt: null,
        states: [],
        localTypes: new Set(),
        remoteTypes: new Set(),
        restartsAt: [],
      };
      peers.push(record);
      const typeOf = (candidate: string | undefined) => / typ (\w+)/.exec(candidate ?? '')?.[1];
      this.addEventListener('icecandidate', ({ candidate }) => {
        const type = typeOf(candidate?.candidate);
        if (type) record.localTypes.add(type);
      });
      const restart = this.restartIce.bind(this);
      this.restartIce = () => {
        record.restartsAt.push(performance.now());
        restart();
      };
      const add = this.addIceCandidate.bind(this);
      this.addIceCandidate = (candidate?: RTCIceCandidateInit | null) => {
        const type = typeOf(candidate?.candidate);
        if (type) record.remoteTypes.add(type);
        return add(candidate);
      };
      this.addEventListener('connectionstatechange', () => {
        record.states.push(`pc:${this.connectionState}`);
        if (this.connectionState === 'connected') record.connectedAt ??= performance.now();
      });
      this.addEventListener('iceconnectionstatechange', () => {
        record.states.push(`ice:${this.iceConnectionState}`);
      });
      this.addEventListener('icegatheringstatechange', () => {
        record.states.push(`gathering:${this.iceGatheringState}`);
      });
    }
  };
}

/** Runs in the page: reads every recorded peer connection's state and selected pair. */
export async function readPeers(): Promise<PeerReading[]> {
  type Stat = Record<string, unknown> & { type: string; id: string };
  const end = (stat: Stat | undefined) => ({
    type: String(stat?.candidateType ?? '?'),
    protocol: String(stat?.protocol ?? '?'),
    relayProtocol: typeof stat?.relayProtocol === 'string' ? stat.relayProtocol : null,
    address: String(stat?.address ?? ''),
  });
  return Promise.all(
    (window.natLabPeers ?? []).map(async (record) => {
      const stats: Stat[] = [];
      (await record.pc.getStats()).forEach((stat: Stat) => {
        stats.push(stat);
      });
      const byId = new Map(stats.map((stat) => [stat.id, stat]));
      const pairs = stats.filter((stat) => stat.type === 'candidate-pair');
      // Chromium names the pair on its transport; Firefox has no transport stats and flags it.
      const selectedId = stats.find((stat) => stat.type === 'transport')?.selectedCandidatePairId;
      const selected =
        (typeof selectedId === 'string' ? byId.get(selectedId) : undefined) ??
        pairs.find((pair) => pair.selected === true);
      return {
        connectionState: record.pc.connectionState,
        states: [...record.states],
        setupMs:
          record.connectedAt === null ? null : Math.round(record.connectedAt - record.created),
        pair: selected
          ? {
              local: end(byId.get(String(selected.localCandidateId))),
              remote: end(byId.get(String(selected.remoteCandidateId))),
            }
          : null,
        localTypes: [...record.localTypes].sort(),
        remoteTypes: [...record.remoteTypes].sort(),
        restarts: record.restartsAt.length,
        quietMs: Math.round(performance.now() - (record.restartsAt.at(-1) ?? record.created)),
      };
    }),
  );
}

/** `srflx/udp ↔ prflx/udp`, or `relay/udp (TURN/tcp) ↔ srflx/udp`: a pair as the table shows it. */
export function describePair(pair: PeerReading['pair']): string {
  if (!pair) return '–';
  const side = (end: PairEnd) =>
    `${end.type}/${end.protocol}${end.relayProtocol ? ` (TURN/${end.relayProtocol})` : ''}`;
  return `${side(pair.local)} ↔ ${side(pair.remote)}`;
}
