import type { CallOutcome, IceServer, SignalingPayload } from '../../server/protocol/index.ts';
import type { CallSignaling, SignalingEvent } from '../call/types.ts';

/**
 * A hand-made stand-in for the browser's RTCPeerConnection, just enough for the room call's
 * bookkeeping: descriptions move the signaling state as the browser's do, `negotiationneeded`
 * fires once data channels are made, and the test drives the ICE state. The real browser is
 * covered by the e2e suite.
 */
export class FakePeerConnection {
  static made: FakePeerConnection[] = [];
  readonly config: RTCConfiguration;
  signalingState: RTCSignalingState = 'stable';
  iceConnectionState: RTCIceConnectionState = 'new';
  connectionState: RTCPeerConnectionState = 'new';
  localDescription: RTCSessionDescriptionInit | null = null;
  currentLocalDescription: RTCSessionDescriptionInit | null = null;
  currentRemoteDescription: RTCSessionDescriptionInit | null = null;
  restarts = 0;
  closed = false;
  onnegotiationneeded: (() => void) | null = null;
  onicecandidate: ((event: { candidate: null }) => void) | null = null;
  oniceconnectionstatechange: (() => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;
  onsignalingstatechange: (() => void) | null = null;
  ontrack: (() => void) | null = null;
  readonly channels: FakeChannel[] = [];
  #ufrag = 1;
  #needed = false;
  #listeners = new Map<string, (() => void)[]>();

  constructor(config: RTCConfiguration) {
    this.config = config;
    FakePeerConnection.made.push(this);
  }

  createDataChannel(label: string): FakeChannel {
    const channel = new FakeChannel(label);
    this.channels.push(channel);
    this.#needNegotiation();
    return channel;
  }

  addEventListener(type: string, listener: () => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }

  removeEventListener(type: string, listener: () => void): void {
    this.#listeners.set(
      type,
      (this.#listeners.get(type) ?? []).filter((known) => known !== listener),
    );
  }

  getTransceivers(): RTCRtpTransceiver[] {
    return [];
  }

  getSenders(): RTCRtpSender[] {
    return [];
  }

  getConfiguration(): RTCConfiguration {
    return this.config;
  }

  setConfiguration(): void {}

  async getStats(): Promise<Map<string, unknown>> {
    return new Map();
  }

  async setLocalDescription(): Promise<void> {
    const sdp = `v=0\r\na=ice-ufrag:u${this.#ufrag}\r\n`;
    if (this.signalingState === 'have-remote-offer') {
      this.localDescription = { type: 'answer', sdp };
      this.currentLocalDescription = this.localDescription;
      this.#setSignaling('stable');
    } else {
      this.localDescription = { type: 'offer', sdp };
      this.#setSignaling('have-local-offer');
    }
  }

  async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    if (description.type === 'offer') {
      // The answer to come carries the data channels too: nothing left to negotiate.
      this.#needed = false;
      this.currentRemoteDescription = description;
      this.#setSignaling('have-remote-offer');
    } else {
      this.currentRemoteDescription = description;
      this.currentLocalDescription = this.localDescription;
      this.#setSignaling('stable');
    }
  }

  async addIceCandidate(): Promise<void> {}

  restartIce(): void {
    this.restarts += 1;
    this.#ufrag += 1;
    this.#needNegotiation();
  }

  close(): void {
    this.closed = true;
    this.signalingState = 'closed';
  }

  /** The test moves ICE (and the connection with it) as the network would. */
  setIce(state: RTCIceConnectionState): void {
    this.iceConnectionState = state;
    this.oniceconnectionstatechange?.();
    const connection: Partial<Record<RTCIceConnectionState, RTCPeerConnectionState>> = {
      checking: 'connecting',
      connected: 'connected',
      disconnected: 'disconnected',
      failed: 'failed',
    };
    const next = connection[state];
    if (next && next !== this.connectionState) {
      this.connectionState = next;
      this.onconnectionstatechange?.();
      for (const listener of this.#listeners.get('connectionstatechange') ?? []) listener();
    }
  }

  #setSignaling(state: RTCSignalingState): void {
    this.signalingState = state;
    this.onsignalingstatechange?.();
    for (const listener of this.#listeners.get('signalingstatechange') ?? []) listener();
  }

  /** As the browser: a task later, if still needed and stable (a remote offer may cover it). */
  #needNegotiation(): void {
    if (this.#needed) return;
    this.#needed = true;
    setTimeout(() => {
      if (!this.#needed || this.closed || this.signalingState !== 'stable') return;
      this.#needed = false;
      this.onnegotiationneeded?.();
    }, 0);
  }
}

/** A data channel that never opens (no transport in a unit test). */
export class FakeChannel {
  readyState: RTCDataChannelState = 'connecting';
  binaryType = 'blob';
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  constructor(readonly label: string) {}
  send(): void {}
  close(): void {
    this.readyState = 'closed';
  }
  addEventListener(): void {}
  removeEventListener(): void {}
}

/** A relayed payload as the fake signaling saw it leave: to whom (`*` for `message`), what. */
export interface Sent {
  to: string;
  data: SignalingPayload;
}

/** The signaling as the room call sees it, driven by the test. */
export class FakeSignaling implements CallSignaling {
  capacity = 2;
  socketId: string | null = null;
  memberIds: string[] = [];
  iceServers: IceServer[] = [];
  readonly sent: Sent[] = [];
  readonly notes: string[] = [];
  #listeners = new Set<(event: SignalingEvent) => void>();

  /** Display names by member id, as `room:names` gives them. */
  names: Record<string, string> = {};

  otherName(): string | undefined {
    return Object.entries(this.names).find(([id]) => id !== this.socketId)?.[1];
  }

  memberName(id: string): string | undefined {
    return this.names[id];
  }

  subscribe(listener: (event: SignalingEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  send(payload: SignalingPayload): void {
    this.sent.push({ to: '*', data: payload });
  }

  signal(to: string, data: SignalingPayload): void {
    this.sent.push({ to, data });
  }

  note(text: string): void {
    this.notes.push(text);
  }

  async freshIceServers(): Promise<IceServer[]> {
    return this.iceServers;
  }

  /** Outcome reports the room call sent (`call:outcome`). */
  readonly outcomes: CallOutcome[] = [];

  reportOutcome(report: CallOutcome): void {
    this.outcomes.push(report);
  }

  /** What the server would say; `members` also sets the list, as the controller does. */
  emit(event: SignalingEvent): void {
    if (event.type === 'members') this.memberIds = event.ids;
    for (const listener of this.#listeners) listener(event);
  }
}
