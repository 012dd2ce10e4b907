import { CANDIDATE_TYPES, type CallOutcome, PAIR_PROTOCOLS } from '../server/protocol/index.ts';
import { readStats, type SelectedPair } from './call-stats.ts';

/** How a peer connection ended (the protocol's fixed set). */
export type CallEnding = CallOutcome['ended'];
/** Why a peer connection never connected (the protocol's fixed set). */
export type CallFailureReason = Extract<CallOutcome, { outcome: 'failed' }>['reason'];
type ReportedPair = NonNullable<Extract<CallOutcome, { outcome: 'connected' }>['pair']>;

/** What the reporter learnt of one peer connection while it lived. */
export interface OutcomeFacts {
  /** Milliseconds from the join to the first `connected`; null if it never connected. */
  setupMs: number | null;
  pair: ReportedPair | undefined;
  restarts: number;
  /** Connected again since the last restart. */
  connectedSinceRestart: boolean;
  /** The call model's reason, if it gave one. */
  reason: CallFailureReason | undefined;
  /** What was seen when ICE failed: whether TURN was offered and a relay allocated. */
  iceFailed: { turnOffered: boolean; relayAllocated: boolean } | null;
}

/** The report of a connection that ended `ended`, from what was learnt of it. */
export function outcomeOf(facts: OutcomeFacts, ended: CallEnding): CallOutcome {
  const restarts = {
    restarts: facts.restarts,
    ...(facts.restarts > 0 && { recovered: facts.connectedSinceRestart }),
    ended,
  };
  if (facts.setupMs !== null) {
    return {
      outcome: 'connected',
      setupMs: Math.round(facts.setupMs),
      ...(facts.pair && { pair: facts.pair }),
      ...restarts,
    };
  }
  return { outcome: 'failed', reason: facts.reason ?? reasonOf(facts, ended), ...restarts };
}

/** The reason a connection never connected, when the call model gave none. */
function reasonOf({ iceFailed }: OutcomeFacts, ended: CallEnding): CallFailureReason {
  if (iceFailed) {
    if (!iceFailed.turnOffered) return 'no-relay';
    return iceFailed.relayAllocated ? 'ice-failed' : 'relay-unreachable';
  }
  return ended === 'peer-left' || ended === 'peer-hung-up' ? 'peer-left' : 'abandoned';
}

/** The selected pair as reported: types and protocol from the fixed sets, or nothing. */
export function reportedPair(pair: SelectedPair | null): ReportedPair | undefined {
  if (!pair) return undefined;
  const types: readonly string[] = CANDIDATE_TYPES;
  const protocols: readonly string[] = PAIR_PROTOCOLS;
  if (!types.includes(pair.localType) || !types.includes(pair.remoteType)) return undefined;
  if (!protocols.includes(pair.protocol)) return undefined;
  return {
    local: pair.localType as ReportedPair['local'],
    remote: pair.remoteType as ReportedPair['remote'],
    protocol: pair.protocol as ReportedPair['protocol'],
  };
}

/** The reporters whose connection has not ended: a tab that closes ends them all. */
const unended = new Set<CallOutcomeReporter>();

// Added when this module loads, so before socket.io-client's own `beforeunload` listener (added
// with each socket), which closes the socket: listeners of one phase run in the order added,
// so the reports go out first.
if (typeof addEventListener === 'function') {
  addEventListener('beforeunload', () => {
    for (const reporter of unended) reporter.end('page-closed');
  });
}

/** How many times, and how often, the selected pair is looked for after `connected`. */
const PAIR_TRIES = 10;
const PAIR_RETRY_MS = 500;

/**
 * Reports one peer connection's outcome to the server once, when it ends: connected or failed
 * (and why), the time from `joinedAt` to connected, the selected pair's candidate types and
 * protocol (never an address), ICE restarts and whether it came back, and how it ended. The
 * call model tells it of restarts (`restarted`), of a reason it knows (`failed`), and the end
 * (`end`); a tab that closes reports itself ('page-closed': this module must load before the
 * signaling socket is made, as the app's does). Only one side of each pair reports (the
 * caller's choice: the polite side), so a call of two counts once.
 */
export class CallOutcomeReporter {
  readonly #facts: OutcomeFacts = {
    setupMs: null,
    pair: undefined,
    restarts: 0,
    connectedSinceRestart: false,
    reason: undefined,
    iceFailed: null,
  };
  #done = false;
  #pairTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #onState = () => this.#stateChanged();

  /**
   * @param joinedAt when the second member joined (`performance.now()`), where setup starts
   * @param send sends the report over the signaling (`call:outcome`)
   */
  constructor(
    readonly pc: RTCPeerConnection,
    readonly joinedAt: number,
    readonly send: (report: CallOutcome) => void,
  ) {
    pc.addEventListener('connectionstatechange', this.#onState);
    unended.add(this);
  }

  /** An ICE restart began. */
  restarted(): void {
    this.#facts.restarts += 1;
    this.#facts.connectedSinceRestart = false;
  }

  /** The restart under way is done: connected again. */
  recovered(): void {
    this.#facts.connectedSinceRestart = true;
    this.#lookForPair(PAIR_TRIES);
  }

  /** Why the connection failed, as the call model words it (else the reporter's guess). */
  failed(reason: CallFailureReason): void {
    this.#facts.reason = reason;
  }

  /** The connection ended: sends its report, once. Call it before closing the connection. */
  end(ended: CallEnding): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#pairTimer);
    this.pc.removeEventListener('connectionstatechange', this.#onState);
    unended.delete(this);
    this.send(outcomeOf(this.#facts, ended));
  }

  #stateChanged(): void {
    const state = this.pc.connectionState;
    if (state === 'connected') {
      this.#facts.setupMs ??= performance.now() - this.joinedAt;
      if (this.#facts.restarts > 0) this.#facts.connectedSinceRestart = true;
      this.#lookForPair(PAIR_TRIES);
    } else if (state === 'failed' && this.#facts.setupMs === null) {
      void this.#noteIceFailure();
    }
  }

  /** Reads the selected pair (retrying: it can lag `connected` by a moment). */
  #lookForPair(tries: number): void {
    clearTimeout(this.#pairTimer);
    void this.pc.getStats().then(
      (report) => {
        if (this.#done) return;
        const pair = reportedPair(readStats(report).pair);
        if (pair) this.#facts.pair = pair;
        else if (tries > 1) {
          this.#pairTimer = setTimeout(() => this.#lookForPair(tries - 1), PAIR_RETRY_MS);
        }
      },
      () => {},
    );
  }

  /** What ICE had when it failed: TURN offered, and a relay candidate allocated. */
  async #noteIceFailure(): Promise<void> {
    const turnOffered = (this.pc.getConfiguration().iceServers ?? []).some((server) =>
      [server.urls].flat().some((url) => /^turns?:/.test(url)),
    );
    let relayAllocated = false;
    try {
      (await this.pc.getStats()).forEach((stat: RTCStats & { candidateType?: string }) => {
        if (stat.type === 'local-candidate' && stat.candidateType === 'relay') {
          relayAllocated = true;
        }
      });
    } catch {
      // Closed meanwhile: what was seen so far stands.
    }
    this.#facts.iceFailed = { turnOffered, relayAllocated };
  }
}
