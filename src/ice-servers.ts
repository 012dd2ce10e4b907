import type { IceServer } from '../server/protocol/index.ts';

/**
 * Gives `pc` new ICE servers (a renewed TURN credential) for its next gathering: an ICE
 * restart allocates its relays with them, while the relays it holds keep working (coturn
 * checks a credential's expiry when a relay is allocated, not when it is refreshed). Returns
 * the browser's refusal as text, or null.
 */
export function useIceServers(pc: RTCPeerConnection, servers: IceServer[]): string | null {
  if (pc.signalingState === 'closed') return null;
  try {
    pc.setConfiguration({ ...pc.getConfiguration(), iceServers: servers });
    return null;
  } catch (error) {
    return String(error);
  }
}
