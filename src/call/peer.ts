import type { CallOutcome, IceServer, SignalingPayload } from '../../server/protocol/index.ts';
import { type CallEnding, CallOutcomeReporter } from '../call-outcome.ts';
import { StatsMeter } from '../call-stats.ts';
import { useIceServers } from '../ice-servers.ts';
import { watchSafetyCode } from '../safety-code.ts';
import { type Description, isCandidate, isDescription } from '../signal-shapes.ts';
import { explainFailure } from './failure.ts';
import { DEFAULT_MAX_FILE_BYTES, FileChannel } from './files.ts';
import type { Outgoing } from './local-media.ts';
import { initialView, parseAnnounced } from './peer-view.ts';
import { PerfectNegotiation } from './perfect-negotiation.ts';
import { RESTART_LIMITS, type RestartLimits, RestartPolicy } from './restarts.ts';
import { iceUfrag, syncSenders } from './senders.ts';
import type { PeerState, PeerView, TimelineEntry } from './types.ts';

/** What a peer needs from the room call around it. */
export interface PeerHost {
  /** Sends a payload to this peer only (`message` in a room of two, `signal` above). */
  send(payload: SignalingPayload): void;
  /** Something on screen changed. */
  changed(): void;
  /** A chat line arrived. */
  chat(text: string): void;
  note(text: string, level?: 'info' | 'error'): void;
  /** Resolves once the ICE servers are fresh: awaited before an ICE restart. */
  freshIceServers(): Promise<unknown>;
  /** The local tracks every link sends. */
  outgoing(): Outgoing[];
  /** Whether this tab's microphone and camera send, for the other side's badges. */
  announced(): { mic: boolean; camera: boolean };
  /** Sends this link's outcome to the server when it ends (`call:outcome`); polite side only. */
  reportOutcome?(report: CallOutcome): void;
}

/** How a peer starts. */
export interface PeerSetup {
  id: string;
  /** The name shown for it, and its display name if the member list carries one. */
  name: string;
  displayName?: string;
  polite: boolean;
  iceServers: IceServer[];
  relay: boolean;
  /** When to measure the chat channel's opening from (`performance.now()`). */
  since: number;
  statsEveryMs: number;
  maxFileBytes?: number;
  limits?: RestartLimits;
}

const TIMELINE_LIMIT = 300;
const SAMPLE_LIMIT = 60;

/**
 * One remote member: the one place an RTCPeerConnection is made. Perfect Negotiation over the
 * host's relay, the chat, control (what each side says of its microphone and camera) and
 * file channels, the safety code, stats and the signaling timeline, and ICE restarts with a
 * bounded backoff that end in `failed` with a reason in plain words and {@link retry}.
 */
export class Peer {
  readonly id: string;
  readonly polite: boolean;
  readonly pc: RTCPeerConnection;
  readonly files: FileChannel;
  #view: PeerView;
  readonly #host: PeerHost;
  readonly #negotiation: PerfectNegotiation;
  readonly #restarts: RestartPolicy;
  readonly #chat: RTCDataChannel;
  readonly #control: RTCDataChannel;
  readonly #createdAt = performance.now();
  readonly #since: number;
  readonly #turnOffered: boolean;
  #relayGathered = false;
  #everConnected = false;
  /** The reason given when the restarts gave up, while it is on screen. */
  #failure = '';
  #ended: 'me' | 'peer' | 'closed' | null = null;
  /** While an ICE restart is under way: when it was asked, and the local ufrag it replaces. */
  #restart: { at: number; fromUfrag: string | null } | null = null;
  #inbox: Promise<void> = Promise.resolve();
  #statsTimer: ReturnType<typeof setInterval>;
  /** Reports the link's outcome when it ends (the polite side of each pair, so it counts once). */
  readonly #outcome: CallOutcomeReporter | null;
  readonly #meter = new StatsMeter();
  #nextId = 0;

  constructor(setup: PeerSetup, host: PeerHost) {
    this.id = setup.id;
    this.polite = setup.polite;
    this.#host = host;
    this.#since = setup.since;
    this.#turnOffered = setup.iceServers.some((s) => s.urls.some((u) => u.startsWith('turn')));
    const limits = setup.limits ?? RESTART_LIMITS;
    this.pc = new RTCPeerConnection({
      iceServers: setup.iceServers,
      iceTransportPolicy: setup.relay ? 'relay' : 'all',
    });
    const pc = this.pc;
    const report = host.reportOutcome;
    this.#outcome =
      this.polite && report ? new CallOutcomeReporter(pc, setup.since, (r) => report(r)) : null;
    this.#view = initialView(setup, pc, limits.max, !this.#turnOffered);
    this.#mark(
      'local',
      'event',
      `peer connection created (${this.polite ? 'polite' : 'impolite'})`,
    );
    this.#restarts = new RestartPolicy(
      { restart: (reason) => this.#restartIce(reason), giveUp: (reason) => this.#giveUp(reason) },
      limits,
    );
    this.#negotiation = new PerfectNegotiation(pc, this.polite, {
      send: (payload) => host.send(payload),
      mark: (direction, kind, detail) => this.#mark(direction, kind, detail),
      offerFailed: (error) => this.#note(`could not make an offer: ${String(error)}`, 'error'),
      beforeOffer: (offer) => this.#noticeRestart(offer),
      // Local media rides on the answer: no second round trip.
      beforeAnswer: () => syncSenders(pc, host.outgoing()),
    });
    this.#watch();
    watchSafetyCode(pc, (safetyCode) => this.#set({ safetyCode }));
    // Negotiated with fixed ids on both sides: one channel each, whoever offers. Safety is 2.
    this.#chat = pc.createDataChannel('chat', { negotiated: true, id: 0 });
    this.files = new FileChannel(
      pc.createDataChannel('files', { negotiated: true, id: 1 }),
      () => this.#set({}),
      setup.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    );
    this.#control = pc.createDataChannel('control', { negotiated: true, id: 3 });
    this.#wireChannels();
    syncSenders(pc, host.outgoing());
    this.#statsTimer = setInterval(() => void this.#sampleStats(), setup.statsEveryMs);
  }

  /** The peer as the UI shows it. */
  /** The member's name changed (it gave one after the link opened). */
  rename(names: { name: string; displayName: string | undefined }): void {
    if (names.name !== this.#view.name || names.displayName !== this.#view.displayName)
      this.#set(names);
  }

  get view(): PeerView {
    return this.#view;
  }

  /** Whether the connection is over (hung up, left or closed). */
  get closed(): boolean {
    return this.#ended !== null;
  }

  /** Handles a description or candidate from this peer, in arrival order. */
  receive(data: SignalingPayload): void {
    this.#inbox = this.#inbox.then(() => this.#onSignal(data));
  }

  /** The local tracks changed: send what is wanted now, and say so. */
  syncMedia(): void {
    if (this.closed) return;
    syncSenders(this.pc, this.#host.outgoing());
    this.announce();
  }

  /** Tells the other side whether this tab's microphone and camera send. */
  announce(): void {
    if (this.#control.readyState !== 'open') return;
    this.#control.send(JSON.stringify({ type: 'media', ...this.#host.announced() }));
  }

  /** Sends a chat line if the channel is open; returns whether it did. */
  sendChat(text: string): boolean {
    if (this.#chat.readyState !== 'open') return false;
    this.#chat.send(text);
    return true;
  }

  /** New ICE servers (a renewed TURN credential) for this link's next ICE restart. */
  useIceServers(servers: IceServer[]): void {
    const refusal = this.closed ? null : useIceServers(this.pc, servers);
    if (refusal) this.#note(`could not use the new ICE servers: ${refusal}`);
  }

  /** The browser is online again: the old path may be gone, restart now. */
  online(): void {
    if (!this.closed) this.#restarts.online();
  }

  /** Tries again after the link failed: a fresh set of ICE restarts. */
  retry(): void {
    if (this.closed) return;
    this.#set({ problem: '' });
    this.#restarts.retry();
  }

  /** Something from the signaling for this link's timeline. */
  noteEvent(detail: string): void {
    if (this.closed) return;
    this.#mark('received', 'event', detail);
    this.#set({});
  }

  /**
   * The call with this peer is over: hung up here or there, or the link is dropped (`ended`
   * says why, for the outcome report).
   */
  close(by: 'me' | 'peer' | 'closed' = 'closed', ended: CallEnding = 'replaced'): void {
    if (this.closed) return;
    this.#outcome?.end(by === 'me' ? 'hang-up' : by === 'peer' ? 'peer-hung-up' : ended);
    if (by !== 'closed') this.#mark(by === 'me' ? 'sent' : 'received', 'bye', 'hang up');
    this.#set({ state: 'ended', endedBy: by === 'closed' ? null : by, channelOpen: false });
    this.#ended = by;
    this.#restarts.stop();
    this.#negotiation.stop();
    clearInterval(this.#statsTimer);
    this.files.close();
    this.#chat.close();
    this.#control.close();
    this.pc.close();
  }

  #watch(): void {
    const pc = this.pc;
    pc.oniceconnectionstatechange = () => {
      this.#mark('local', 'event', `ICE ${pc.iceConnectionState}`);
      this.#restarts.onIceState(pc.iceConnectionState);
      this.#checkRestartDone();
      this.#set({ iceConnectionState: pc.iceConnectionState });
    };
    pc.onconnectionstatechange = () => {
      const connected = pc.connectionState === 'connected';
      if (connected) this.#everConnected = true;
      // Connected after all: the reason it failed no longer holds.
      const failedBefore = connected && this.#view.problem === this.#failure;
      this.#set({ connectionState: pc.connectionState, ...(failedBefore ? { problem: '' } : {}) });
    };
    pc.onsignalingstatechange = () => {
      this.#checkRestartDone();
      this.#set({ signalingState: pc.signalingState });
    };
    pc.addEventListener('icecandidate', ({ candidate }) => {
      if (candidate?.type === 'relay' || / typ relay/.test(candidate?.candidate ?? ''))
        this.#relayGathered = true;
    });
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

  #wireChannels(): void {
    this.#chat.onopen = () => {
      const openMs = Math.round(performance.now() - this.#since);
      this.#mark('local', 'event', 'data channel open');
      this.#set({ channelOpen: true, openMs });
    };
    this.#chat.onclose = () => this.#set({ channelOpen: false });
    this.#chat.onmessage = ({ data }) => {
      if (typeof data === 'string' && !this.closed) this.#host.chat(data);
    };
    this.#control.onopen = () => this.announce();
    this.#control.onmessage = ({ data }) => {
      const said = parseAnnounced(data);
      if (said) this.#set(said);
    };
  }

  async #onSignal(data: SignalingPayload): Promise<void> {
    if (this.closed) return;
    try {
      if (isDescription(data)) await this.#negotiation.receiveDescription(data);
      else if (isCandidate(data)) await this.#negotiation.receiveCandidate(data);
    } catch (error) {
      this.#note(`could not apply a relayed message: ${String(error)}`, 'error');
    }
    this.#set({});
  }

  /**
   * Restarts ICE on this connection. `restartIce()` only marks it: the offer comes from
   * `negotiationneeded` like any other, so Perfect Negotiation settles a collision with the
   * other side restarting at the same time.
   */
  #restartIce(reason: string): void {
    const pc = this.pc;
    // Before the first answer there is nothing to restart: that negotiation is still going.
    if (this.closed || !pc.currentRemoteDescription) return;
    if (!this.#restart) this.#outcome?.restarted();
    this.#restart ??= {
      at: performance.now(),
      fromUfrag: iceUfrag(pc.currentLocalDescription?.sdp),
    };
    this.#mark('local', 'event', `ICE restart: ${reason}`);
    this.#note(`restarting ICE (${reason})`);
    // New relays are allocated with a credential at least half its life from expiry.
    void this.#host.freshIceServers().then(() => {
      if (!this.closed) pc.restartIce();
    });
    this.#set({});
  }

  #giveUp(reason: string): void {
    if (this.closed) return;
    const problem = explainFailure({
      turnOffered: this.#turnOffered,
      relayGathered: this.#relayGathered,
      who: this.#view.displayName ?? (this.id ? this.#view.name : undefined),
    });
    this.#restart = null;
    this.#failure = problem;
    this.#outcome?.failed(
      !this.#turnOffered ? 'no-relay' : this.#relayGathered ? 'ice-failed' : 'relay-unreachable',
    );
    this.#mark('local', 'event', `ICE ${reason}: failed`);
    this.#note(`${reason}. ${problem}`, 'error');
    this.#set({ problem });
  }

  /** The other side's offer changed its ICE credentials: their restart is ours to track too. */
  #noticeRestart(offer: Description): void {
    if (this.#restart) return;
    const from = iceUfrag(this.pc.currentRemoteDescription?.sdp);
    if (from === null || iceUfrag(offer.sdp) === from) return;
    this.#restart = { at: performance.now(), fromUfrag: iceUfrag(this.pc.localDescription?.sdp) };
    this.#outcome?.restarted();
    this.#mark('local', 'event', 'ICE restart: asked by the other member');
  }

  /** Ends the restart under way once both sides run on new credentials and ICE is up. */
  #checkRestartDone(): void {
    const pc = this.pc;
    const restart = this.#restart;
    if (!restart || pc.signalingState !== 'stable') return;
    if (pc.iceConnectionState !== 'connected' && pc.iceConnectionState !== 'completed') return;
    if (iceUfrag(pc.currentLocalDescription?.sdp) === restart.fromUfrag) return;
    this.#restart = null;
    // ICE may never leave `connected` through a restart: this is the policy's news of it.
    this.#restarts.connected();
    this.#outcome?.recovered();
    const lastRestartMs = Math.round(performance.now() - restart.at);
    this.#mark('local', 'event', `ICE restart done: connected again after ${lastRestartMs} ms`);
    this.#note(`ICE restarted; connected again after ${lastRestartMs} ms`);
    this.#set({ lastRestartMs });
  }

  #stateNow(): PeerState {
    if (this.#ended) return 'ended';
    if (this.#restarts.gaveUp) return 'failed';
    if (this.pc.connectionState === 'connected') return 'connected';
    return this.#everConnected ? 'reconnecting' : 'connecting';
  }

  async #sampleStats(): Promise<void> {
    const report = await this.pc.getStats().catch(() => null);
    if (!report || this.closed) return;
    const { stats, sample } = this.#meter.read(report, performance.now());
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

  #note(text: string, level: 'info' | 'error' = 'info'): void {
    this.#host.note(`Call with ${this.#view.name}: ${text}`, level);
  }

  #set(change: Partial<PeerView>): void {
    if (this.#ended) return;
    this.#view = {
      ...this.#view,
      ...change,
      state: change.state ?? this.#stateNow(),
      restarts: this.#restarts.count,
    };
    this.#host.changed();
  }
}
