import type { CallOutcome, IceServer, SignalingPayload } from '../../server/protocol/index.ts';
import type { SelectedPair } from '../call-stats.ts';

/**
 * Where a call stands: no room, alone in the room, setting up, up, up but its network path lost
 * (ICE restarting), hung up by one side, or failed (the restarts gave up).
 */
export type CallState =
  | 'idle'
  | 'waiting'
  | 'connecting'
  | 'connected'
  | 'reconnecting'
  | 'ended'
  | 'failed';

/** Where the link with one remote member stands. */
export type PeerState = 'connecting' | 'connected' | 'reconnecting' | 'ended' | 'failed';

/** One chat line; `name` is the sender's, unless it was me. */
export interface ChatEntry {
  id: number;
  from: 'me' | 'peer';
  text: string;
  time: Date;
  name?: string;
}

/** One step of the signaling of a peer connection, for the timeline. */
export interface TimelineEntry {
  id: number;
  /** Milliseconds since this peer connection was created. */
  at: number;
  direction: 'sent' | 'received' | 'local';
  kind: 'offer' | 'answer' | 'candidate' | 'bye' | 'event';
  detail: string;
}

/** One `getStats` sample. */
export interface StatsSample {
  /** Round-trip time of the selected pair, ms (null before the first STUN check answers). */
  rttMs: number | null;
  /** Bits per second received and sent over the selected pair (media and data). */
  kbpsIn: number;
  kbpsOut: number;
}

/** Options of the room call. */
export interface CallOptions {
  /** Relay candidates only (`iceTransportPolicy: 'relay'`): forces every link through TURN. */
  relay?: boolean;
  /** The largest file sent or accepted, in bytes (a received file is held in memory). */
  maxFileBytes?: number;
}

export type TransferStatus = 'active' | 'done' | 'cancelled' | 'failed';

/** One file going out or coming in over one link. */
export interface FileTransfer {
  id: string;
  direction: 'send' | 'receive';
  name: string;
  size: number;
  /** Bytes sent (handed to the channel) or received so far. */
  bytes: number;
  status: TransferStatus;
  /** Why it was cancelled or failed, for the person. */
  reason: string;
  /** Milliseconds from the first byte to the last, once done. */
  ms: number | null;
  /** The SHA-256 (hex) of the whole file, once known. */
  sha256: string | null;
  /** Received files: the sender's SHA-256 matched ours. */
  verified: boolean | null;
  /** Received files: an object URL to save it from, always typed `application/octet-stream`. */
  url: string | null;
}

/** A transfer with the member it goes to or comes from (`peerName` empty in a room of two). */
export interface ListedTransfer extends FileTransfer {
  peerId: string;
  peerName: string;
}

/** What one remote member says of itself over the control channel; null before it said. */
export interface Announced {
  mic: boolean | null;
  camera: boolean | null;
}

/** What the UI shows of one remote member and the link with it: replaced on every change. */
export interface PeerView extends Announced {
  id: string;
  /** The name shown: the member list's display name, else the start of the socket id. */
  name: string;
  /** The display name the member list carries, if any. */
  displayName: string | undefined;
  polite: boolean;
  state: PeerState;
  /** Who hung up, while `state` is `ended`. */
  endedBy: 'me' | 'peer' | null;
  /** Why the link failed, in plain words with what to try; empty otherwise. */
  problem: string;
  /** ICE restarts since the link last connected, and the most it tries before giving up. */
  restarts: number;
  maxRestarts: number;
  connectionState: RTCPeerConnectionState | 'none';
  iceConnectionState: RTCIceConnectionState | 'none';
  signalingState: RTCSignalingState | 'none';
  channelOpen: boolean;
  remoteStream: MediaStream | null;
  remoteVideo: boolean;
  pair: SelectedPair | null;
  samples: readonly StatsSample[];
  timeline: readonly TimelineEntry[];
  videoBytesReceived: number;
  /** Milliseconds from the member's join (or the link's creation) to the chat channel open. */
  openMs: number | null;
  /** Milliseconds the last ICE restart took, from asking to connected on new credentials. */
  lastRestartMs: number | null;
  /** This link's safety code (src/safety-code.ts), null before the first answer. */
  safetyCode: string | null;
}

/**
 * What other controllers hear from the signaling, in the order the server sent it: a seat
 * granted (`created` / `joined`), another member `join`ing, the room `ready`, another member
 * gone however it went (`peer-left`), its signaling dropped and back, a relayed `message`, the
 * ICE servers, this tab leaving, the member list and addressed signals of rooms above two.
 */
export type SignalingEvent =
  | { type: 'seat'; seat: 'created' | 'joined'; room: string }
  | { type: 'join' }
  | { type: 'ready' }
  | { type: 'message'; payload: SignalingPayload }
  | { type: 'ice-servers'; servers: IceServer[] }
  | { type: 'peer-reconnecting' }
  | { type: 'peer-reconnected' }
  | { type: 'left' }
  | { type: 'members'; ids: string[] }
  /** The members' display names changed (`room:names`). */
  | { type: 'names' }
  | { type: 'signal'; from: string; data: SignalingPayload }
  /**
   * Another member left (bye, a closed tab, a held seat that ended, its server gone, its seat
   * taken over): the one event for every departure. `id` names it in rooms above two (the
   * server's `peer:left`); in a room of two, whose codelab `bye` names nobody, it is null.
   */
  | { type: 'peer-left'; id: string | null };

/** What the call needs of the signaling (SignalingController is one). */
export interface CallSignaling {
  readonly capacity: number;
  readonly socketId: string | null;
  /** Rooms above two: the members' socket ids, this tab's included. */
  readonly memberIds: readonly string[];
  readonly iceServers: IceServer[];
  /** The display name the member list gives `id`, if it gives one. */
  memberName(id: string): string | undefined;
  /** A room of two: the display name the other member gave, if it gave one. */
  otherName(): string | undefined;
  subscribe(listener: (event: SignalingEvent) => void): () => void;
  /** Relays to the other member of a room of two (the codelab's `message`). */
  send(payload: SignalingPayload): void;
  /** Relays to one member of a room above two (`signal`). */
  signal(to: string, data: SignalingPayload): void;
  note(text: string, level?: 'info' | 'error'): void;
  /** Resolves once the ICE servers hold a fresh TURN credential (or have none). */
  freshIceServers(): Promise<unknown>;
  /** Reports a link's outcome to the server (`call:outcome`), if it collects them. */
  reportOutcome(report: CallOutcome): void;
}
