import type { SignalingPayload } from '../server/protocol/index.ts';

/** A session description in the codelab's shape (`message` and `signal` carry it). */
export type Description = { type: 'offer' | 'answer'; sdp: string };

/** An ICE candidate in the codelab's shape: `label` is sdpMLineIndex, `id` is sdpMid. */
export type Candidate = {
  type: 'candidate';
  label: number | null;
  id: string | null;
  candidate: string;
};

/** A JSON object (not an array, not null). */
function isRecord(value: SignalingPayload): value is { [key: string]: SignalingPayload } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An offer or an answer, as the codelab sends them. */
export function isDescription(value: SignalingPayload): value is Description {
  return (
    isRecord(value) &&
    (value.type === 'offer' || value.type === 'answer') &&
    typeof value.sdp === 'string'
  );
}

/** A candidate, as the codelab sends it. */
export function isCandidate(value: SignalingPayload): value is Candidate {
  return (
    isRecord(value) &&
    value.type === 'candidate' &&
    typeof value.candidate === 'string' &&
    (typeof value.label === 'number' || value.label === null || value.label === undefined) &&
    (typeof value.id === 'string' || value.id === null || value.id === undefined)
  );
}

/** `host udp 192.168.1.2` from a candidate line. */
export function candidateDetail(candidate: string): string {
  const parts = candidate.split(' ');
  const type = parts[parts.indexOf('typ') + 1] ?? '?';
  return `${type} ${parts[2]?.toLowerCase() ?? ''} ${parts[4] ?? ''}`.trim();
}

/** The candidate as `addIceCandidate` takes it: the codelab's `label` and `id` renamed. */
export function candidateInit(payload: Candidate): RTCIceCandidateInit {
  return { candidate: payload.candidate, sdpMLineIndex: payload.label, sdpMid: payload.id };
}
