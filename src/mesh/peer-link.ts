import type { IceServer, SignalingPayload } from '../../server/protocol/index.ts';
import type { StatsSample, TimelineEntry } from '../call-controller.ts';
import { type CallEnding, CallOutcomeReporter } from '../call-outcome.ts';
import { readStats, type SelectedPair } from '../call-stats.ts';
import { FileTransferController } from '../file-transfer-controller.ts';
import { useIceServers } from '../ice-servers.ts';
import { PerfectNegotiation } from '../perfect-negotiation.ts';
import { watchSafetyCode } from '../safety-code.ts';
import { isCandidate, isDescription } from '../signal-shapes.ts';

/** What a link needs from the mesh around it. */
export interface PeerLinkHost {
  /** Sends a payload to this link's peer only (`signal`). */
  signal(data: SignalingPayload): void;
  /** Something on screen changed. */
  changed(): void;
  /** A chat line arrived over this link's data channel. */
  chat(text: string): void;
  /** A line for the on-screen log. */
  note(text: string, level?: 'info' | 'error'): void;
  /**
   * Resolves once the ICE servers are fresh (a renewed TURN credential, handed to every link
   * by {@link PeerLink.useIceServers}): awaited before an ICE restart.
   */
  freshIceServers(): Promise<unknown>;
  /** Reports this link's outcome to the server (`call:outcome`). */
  reportOutcome: CallOutcomeReporter['send'];
}

/** What the UI shows of one pair's connection: a snapshot, replaced on every change. */
export interface PeerView {
  id: string;
  /** A short name for the person: the start of the socket id. */
  name: string;
  polite: boolean;
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
  /** Milliseconds from the link's creation to its data channel opening. */
  openMs: number | null;
  /** This pair's safety code (src/safety-code.ts), null before the first answer. */
  safetyCode: string | null;
}

const TIMELINE_LIMIT = 200;
const SAMPLE_LIMIT = 60;
/** Stats every two seconds: a tab in a call of six samples five links. */
const STATS_EVERY_MS = 2000;

/** The short name a member goes by on screen. */
export function shortName(id: string): string {
  return id.slice(0, 4);
}

/** The view of the link with `id` before anything happened on it (states `none`). */
export function emptyView(id: string, polite: boolean): PeerView {
  return {
    id,
    name: shortName(id),
    polite,
    connectionState: 'none',
    iceConnectionState: 'none',
    signalingState: 'none',
    channelOpen: false,
    remoteStream: null,
    remoteVideo: false,
    pair: null,
    samples: [],
    timeline: [],
    videoBytesReceived: 0,
    openMs: null,
    safetyCode: null,
  };
}

/**
 * One pair of a mesh: an RTCPeerConnection with one other member, its chat and file data
 * channels and its stats, negotiated over addressed `signal`s with Perfect Negotiation. Which
 * side is polite is decided per pair by comparing the two socket ids, so both sides agree
 * without a word.
 */
export class PeerLink {
  readonly polite: boolean;
  readonly pc: RTCPeerConnection;
  /**
   * Files to and from this peer: the one-to-one call's controller on this pair's own `files`
   * channel; it ends what is under way (as failed) when the link closes.
   */
  readonly files: FileTransferController;
  #view: PeerView;
  readonly #host: PeerLinkHost;
  readonly #channel: RTCDataChannel;
  readonly #createdAt = performance.now();
  readonly #negotiation: PerfectNegotiation;
  #inbox: Promise<void> = Promise.resolve();
  #statsTimer: ReturnType<typeof setInterval>;
  #lastBytes: { at: number; in: number; out: number } | null = null;
  #nextId = 0;
  #closed = false;
  /** Reports the link's outcome when it closes (the polite side of the pair only). */
  readonly #outcome: CallOutcomeReporter | null;

  constructor(
    readonly id: string,
    selfId: string,
    iceServers: IceServer[],
    host: PeerLinkHost,
  ) {
    this.polite = selfId < id;
    this.#host = host;
    this.pc = new RTCPeerConnection({ iceServers });
    this.#outcome = this.polite
      ? new CallOutcomeReporter(this.pc, this.#createdAt, host.reportOutcome)
      : null;
    this.#view = {
      ...emptyView(id, this.polite),
      connectionState: this.pc.connectionState,
      iceConnectionState: this.pc.iceConnectionState,
      signalingState: this.pc.signalingState,
    };
    this.#mark(
      'local',
      'event',
      `peer connection created (${this.polite ? 'polite' : 'impolite'})`,
    );
    this.#negotiation = new PerfectNegotiation(this.pc, this.polite, {
      send: (payload) => host.signal(payload),
      mark: (direction, kind, detail) => this.#mark(direction, kind, detail),
      offerFailed: (error) =>
        host.note(`Mesh ${this.#view.name}: could not make an offer: ${String(error)}`, 'error'),
    });
    this.#wire();
    watchSafetyCode(this.pc, (safetyCode) => this.#set({ safetyCode }));
    // Negotiated with a fixed id on both sides: exactly one channel whoever offers.
    this.#channel = this.pc.createDataChannel('chat', { negotiated: true, id: 0 });
    this.#wireChannel();
    // As in the one-to-one call: files on a channel of their own, so a large one never holds
    // up the chat.
    const filesChannel = this.pc.createDataChannel('files', { negotiated: true, id: 1 });
    // No Lit element hosts it: its updates are passed on to the mesh, and each one lets it
    // see the channel (open, or gone once the link closes), as a host's update would.
    this.files = new FileTransferController(
      {
        addController: () => {},
        removeController: () => {},
        requestUpdate: () => {
          this.files.hostUpdate();
          host.changed();
        },
        updateComplete: Promise.resolve(true),
      },
      () => (this.#closed ? null : filesChannel),
    );
    this.files.hostUpdate();
    this.#statsTimer = setInterval(() => void this.#sampleStats(), STATS_EVERY_MS);
  }

  /** The link as the UI shows it. */
  get view(): PeerView {
    return this.#view;
  }

  /** Handles a payload from this peer, in arrival order. */
  receive(data: SignalingPayload): void {
    this.#inbox = this.#inbox.then(() => this.#onSignal(data));
  }

  /** Sends the tracks of `stream` not yet sent (renegotiating), or nothing for null. */
  attach(stream: MediaStream | null): void {
    if (!stream || this.#closed) return;
    for (const track of stream.getTracks()) {
      if (this.pc.getSenders().some((sender) => sender.track === track)) continue;
      const idle = this.pc
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
        this.pc.addTrack(track, stream);
      }
    }
  }

  /** Stops sending local tracks; keeps the transceivers (receive only) for the next start. */
  detach(): void {
    for (const transceiver of this.pc.getTransceivers()) {
      if (transceiver.sender.track && transceiver.currentDirection !== 'stopped') {
        void transceiver.sender.replaceTrack(null);
        transceiver.direction = 'recvonly';
      }
    }
  }

  /** Sends a chat line if the channel is open; returns whether it did. */
  send(text: string): boolean {
    if (this.#channel.readyState !== 'open') return false;
    this.#channel.send(text);
    return true;
  }

  /** New ICE servers (a renewed TURN credential) for this link's next ICE restart. */
  useIceServers(servers: IceServer[]): void {
    const refusal = this.#closed ? null : useIceServers(this.pc, servers);
    if (refusal)
      this.#host.note(`Mesh ${this.#view.name}: could not use new ICE servers: ${refusal}`);
  }

  /** Closes the connection for good. */
  close(ended: CallEnding = 'left'): void {
    if (this.#closed) return;
    this.#outcome?.end(ended);
    this.#closed = true;
    this.#negotiation.stop();
    clearInterval(this.#statsTimer);
    // Fails what is under way; finished files (and their links to save them) stay.
    this.files.hostUpdate();
    this.#channel.close();
    this.pc.close();
  }

  #wire(): void {
    const pc = this.pc;
    pc.oniceconnectionstatechange = () => {
      this.#mark('local', 'event', `ICE ${pc.iceConnectionState}`);
      if (pc.iceConnectionState === 'failed') {
        this.#outcome?.restarted();
        void this.#host.freshIceServers().then(() => {
          if (!this.#closed) pc.restartIce();
        });
      }
      this.#set({ iceConnectionState: pc.iceConnectionState });
    };
    pc.onconnectionstatechange = () => this.#set({ connectionState: pc.connectionState });
    pc.onsignalingstatechange = () => this.#set({ signalingState: pc.signalingState });
    pc.ontrack = ({ track, streams }) => {
      const stream = streams[0] ?? this.#view.remoteStream ?? new MediaStream();
      if (!stream.getTracks().includes(track)) stream.addTrack(track);
      const refresh = () => {
        const remoteVideo = stream
          .getVideoTracks()
          .some((t) => t.readyState === 'live' && !t.muted);
        this.#set({ remoteStream: stream, remoteVideo });
      };
      stream.onaddtrack = refresh;
      stream.onremovetrack = refresh;
      track.onmute = refresh;
      track.onunmute = refresh;
      track.onended = refresh;
      refresh();
    };
  }

  #wireChannel(): void {
    const channel = this.#channel;
    channel.onopen = () => {
      const openMs = Math.round(performance.now() - this.#createdAt);
      this.#mark('local', 'event', 'data channel open');
      this.#set({ channelOpen: true, openMs });
    };
    channel.onclose = () => this.#set({ channelOpen: false });
    channel.onmessage = ({ data }) => {
      if (typeof data === 'string') this.#host.chat(data);
    };
  }

  async #onSignal(data: SignalingPayload): Promise<void> {
    if (this.#closed) return;
    try {
      if (isDescription(data)) await this.#negotiation.receiveDescription(data);
      else if (isCandidate(data)) await this.#negotiation.receiveCandidate(data);
    } catch (error) {
      this.#host.note(
        `Mesh ${this.#view.name}: could not apply a signal: ${String(error)}`,
        'error',
      );
    }
  }

  async #sampleStats(): Promise<void> {
    let report: RTCStatsReport;
    try {
      report = await this.pc.getStats();
    } catch {
      return;
    }
    if (this.#closed) return;
    const stats = readStats(report);
    const now = performance.now();
    let kbpsIn = 0;
    let kbpsOut = 0;
    const last = this.#lastBytes;
    if (last && now > last.at) {
      const seconds = (now - last.at) / 1000;
      kbpsIn = Math.max(0, ((stats.bytesIn - last.in) * 8) / 1000 / seconds);
      kbpsOut = Math.max(0, ((stats.bytesOut - last.out) * 8) / 1000 / seconds);
    }
    this.#lastBytes = { at: now, in: stats.bytesIn, out: stats.bytesOut };
    const sample: StatsSample = { rttMs: stats.rttMs, kbpsIn, kbpsOut };
    this.#set({
      pair: stats.pair,
      videoBytesReceived: stats.videoBytesReceived,
      samples: [...this.#view.samples.slice(1 - SAMPLE_LIMIT), sample],
    });
  }

  #mark(direction: TimelineEntry['direction'], kind: TimelineEntry['kind'], detail: string) {
    const entry: TimelineEntry = {
      id: this.#nextId++,
      at: Math.round(performance.now() - this.#createdAt),
      direction,
      kind,
      detail,
    };
    this.#view = {
      ...this.#view,
      timeline: [...this.#view.timeline.slice(1 - TIMELINE_LIMIT), entry],
    };
  }

  #set(change: Partial<PeerView>): void {
    if (this.#closed) return;
    this.#view = { ...this.#view, ...change };
    this.#host.changed();
  }
}
