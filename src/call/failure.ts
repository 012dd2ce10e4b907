/** What the app can know when a link fails to connect. */
export interface FailureFacts {
  /** The server handed out at least one TURN URL. */
  turnOffered: boolean;
  /** This browser gathered a relay candidate (it reached the TURN server). */
  relayGathered: boolean;
  /** The other member left before the link connected. */
  peerLeft?: boolean;
  /** Who, for the sentence: "the other member" in a room of two. */
  who?: string;
}

/**
 * Why a link failed, in plain words, with what to try. It says only what the app can know: no
 * relay offered and no direct path, a relay offered but not reached (UDP and TCP alike), a
 * relay reached that still found no path, or the other member gone.
 */
export function explainFailure(facts: FailureFacts): string {
  const who = facts.who ?? 'the other member';
  if (facts.peerLeft) {
    return `The call could not connect: ${who} left before it did. Wait for them to join again, or invite someone else.`;
  }
  if (!facts.turnOffered) {
    return `No network path between this browser and ${who}'s, and this server offers no TURN relay to go around the routers in between. Try another network on either side (a phone's hotspot, say), or ask the server's operator to set up TURN (TURN_URLS and TURN_SECRET).`;
  }
  if (!facts.relayGathered) {
    return `No direct path to ${who}, and this browser could not reach the server's TURN relay over UDP or TCP: a firewall may block it. Try another network, or ask the operator for TURN over TLS on port 443.`;
  }
  return `No path to ${who}, not even through the TURN relay this browser reached: their side may not reach it. Try again, or another network on their side.`;
}
