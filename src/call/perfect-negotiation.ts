import {
  type Candidate,
  candidateDetail,
  candidateInit,
  type Description,
} from '../signal-shapes.ts';
import type { TimelineEntry } from './types.ts';

/** What a {@link PerfectNegotiation} needs from the peer around it. */
export interface NegotiationHost {
  /** Sends a description or a candidate to the other side (`message` in a room of two, `signal` above). */
  send(payload: Description | Candidate): void;
  /** A line for the connection's signaling timeline. */
  mark(direction: TimelineEntry['direction'], kind: TimelineEntry['kind'], detail: string): void;
  /** An offer could not be made (nothing was sent). */
  offerFailed(error: unknown): void;
  /** A remote offer about to be applied (not one ignored in a collision). */
  beforeOffer?(offer: Description): void;
  /** A remote offer was applied; the answer is made next, with what the host adds now. */
  beforeAnswer?(): void;
}

/**
 * The Perfect Negotiation pattern on one RTCPeerConnection, in the codelab's payload shapes:
 * offers from `negotiationneeded`, trickled candidates, and on an offer collision the polite
 * side rolls back and answers while the impolite one ignores the other's offer. One of these
 * per connection, for every peer of a room call; what carries the
 * payloads and who is polite are the host's.
 */
export class PerfectNegotiation {
  readonly #pc: RTCPeerConnection;
  readonly #polite: boolean;
  readonly #host: NegotiationHost;
  #makingOffer = false;
  #ignoreOffer = false;
  #settingRemoteAnswer = false;
  #stopped = false;

  constructor(pc: RTCPeerConnection, polite: boolean, host: NegotiationHost) {
    this.#pc = pc;
    this.#polite = polite;
    this.#host = host;
    pc.onnegotiationneeded = async () => {
      try {
        this.#makingOffer = true;
        await pc.setLocalDescription();
        this.#sendDescription();
      } catch (error) {
        host.offerFailed(error);
      } finally {
        this.#makingOffer = false;
      }
    };
    pc.onicecandidate = ({ candidate }) => {
      // The end-of-candidates signal has no place in the codelab's candidate shape.
      if (!candidate?.candidate || this.#stopped) return;
      const payload: Candidate = {
        type: 'candidate',
        label: candidate.sdpMLineIndex,
        id: candidate.sdpMid,
        candidate: candidate.candidate,
      };
      host.send(payload);
      host.mark('sent', 'candidate', candidateDetail(candidate.candidate));
    };
  }

  /** Sends nothing more: the connection is closed or replaced. */
  stop(): void {
    this.#stopped = true;
  }

  /** Applies the other side's offer or answer, and answers an offer; throws what is real. */
  async receiveDescription(description: Description): Promise<void> {
    const pc = this.#pc;
    this.#host.mark('received', description.type, `${description.sdp.length} bytes of SDP`);
    const readyForOffer =
      !this.#makingOffer && (pc.signalingState === 'stable' || this.#settingRemoteAnswer);
    const collision = description.type === 'offer' && !readyForOffer;
    this.#ignoreOffer = !this.#polite && collision;
    if (this.#ignoreOffer) {
      this.#host.mark('local', 'event', 'offer collision: ignored (impolite side)');
      return;
    }
    if (collision) this.#host.mark('local', 'event', 'offer collision: rolling back (polite side)');
    if (description.type === 'offer') this.#host.beforeOffer?.(description);
    this.#settingRemoteAnswer = description.type === 'answer';
    try {
      await pc.setRemoteDescription(description);
    } finally {
      this.#settingRemoteAnswer = false;
    }
    if (this.#stopped || description.type !== 'offer') return;
    this.#host.beforeAnswer?.();
    await pc.setLocalDescription();
    this.#sendDescription();
  }

  /** Adds the other side's candidate; throws unless it belonged to an offer ignored here. */
  async receiveCandidate(payload: Candidate): Promise<void> {
    this.#host.mark('received', 'candidate', candidateDetail(payload.candidate));
    try {
      await this.#pc.addIceCandidate(candidateInit(payload));
    } catch (error) {
      // Candidates of an offer ignored in a collision cannot apply; anything else is real.
      if (!this.#ignoreOffer) throw error;
    }
  }

  #sendDescription(): void {
    const description = this.#pc.localDescription;
    if (this.#stopped || !description) return;
    if (description.type !== 'offer' && description.type !== 'answer') return;
    const payload: Description = { type: description.type, sdp: description.sdp };
    this.#host.send(payload);
    this.#host.mark('sent', description.type, `${description.sdp.length} bytes of SDP`);
  }
}
