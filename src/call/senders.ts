import type { Outgoing } from './local-media.ts';

/**
 * Makes `pc` send exactly `outgoing`: a sender whose track is no longer wanted takes a wanted
 * track of its kind not yet sent (`replaceTrack`, no renegotiation: the screen replacing the
 * camera) or goes idle (receive only, its m-line kept for the next start); a wanted track not
 * yet sent takes an idle transceiver of its kind, else a new one (`addTrack`, renegotiating).
 */
export function syncSenders(pc: RTCPeerConnection, outgoing: readonly Outgoing[]): void {
  if (pc.signalingState === 'closed') return;
  const wanted = outgoing.map(({ track }) => track);
  // replaceTrack settles later: what is placed is counted here, not read back from the senders.
  const placed = new Set(pc.getSenders().map((sender) => sender.track));
  for (const transceiver of pc.getTransceivers()) {
    const track = transceiver.sender.track;
    if (!track || wanted.includes(track) || transceiver.currentDirection === 'stopped') continue;
    const next = outgoing.find((o) => o.track.kind === track.kind && !placed.has(o.track));
    // A live sender swaps tracks in place: the other side sees new frames on the same track.
    void transceiver.sender.replaceTrack(next?.track ?? null);
    if (next) placed.add(next.track);
    else transceiver.direction = 'recvonly';
  }
  for (const { track, stream } of outgoing) {
    if (placed.has(track)) continue;
    placed.add(track);
    const idle = pc
      .getTransceivers()
      .find(
        (t) =>
          t.currentDirection !== 'stopped' &&
          !t.sender.track &&
          t.receiver.track.kind === track.kind &&
          (t.direction === 'recvonly' || t.direction === 'inactive'),
      );
    if (idle) {
      void idle.sender.replaceTrack(track);
      idle.sender.setStreams(stream);
      idle.direction = 'sendrecv';
    } else {
      pc.addTrack(track, stream);
    }
  }
}

/** The `a=ice-ufrag` of a description: a new one means an ICE restart. */
export function iceUfrag(sdp: string | undefined): string | null {
  return sdp?.match(/^a=ice-ufrag:(\S+)/m)?.[1] ?? null;
}
