import type { PeerView } from './types.ts';

/** The key of the one remote of a room of two, whose codelab relay names nobody. */
export const PAIR_ID = '';

/** The short name a member goes by on screen, without a display name. */
export function shortName(id: string): string {
  return id.slice(0, 4);
}

/** The view of a new link, before anything happened on it. */
export function initialView(
  setup: { id: string; name: string; displayName?: string; polite: boolean; relay: boolean },
  pc: RTCPeerConnection,
  maxRestarts: number,
  noTurn: boolean,
): PeerView {
  return {
    id: setup.id,
    name: setup.name,
    displayName: setup.displayName,
    polite: setup.polite,
    state: 'connecting',
    endedBy: null,
    problem:
      setup.relay && noTurn
        ? 'Relay only (?relay=1) needs a TURN server: start the server with TURN_URLS and TURN_SECRET.'
        : '',
    restarts: 0,
    maxRestarts,
    connectionState: pc.connectionState,
    iceConnectionState: pc.iceConnectionState,
    signalingState: pc.signalingState,
    channelOpen: false,
    remoteStream: null,
    remoteVideo: false,
    mic: null,
    camera: null,
    pair: null,
    samples: [],
    timeline: [],
    videoBytesReceived: 0,
    openMs: null,
    lastRestartMs: null,
    safetyCode: null,
  };
}

/** What the other side's control channel says of its microphone and camera, checked. */
export function parseAnnounced(data: unknown): { mic: boolean; camera: boolean } | null {
  if (typeof data !== 'string' || data.length > 200) return null;
  try {
    const value = JSON.parse(data) as Record<string, unknown>;
    if (value?.type !== 'media') return null;
    if (typeof value.mic !== 'boolean' || typeof value.camera !== 'boolean') return null;
    return { mic: value.mic, camera: value.camera };
  } catch {
    return null;
  }
}
