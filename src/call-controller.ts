import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { SignalingPayload } from '../server/protocol/index.ts';
import { type CallEnding, CallOutcomeReporter } from './call-outcome.ts';
import { readStats, type SelectedPair } from './call-stats.ts';
import { useIceServers } from './ice-servers.ts';
import { explainMediaError, explainScreenError } from './media-errors.ts';
import { PerfectNegotiation } from './perfect-negotiation.ts';
import { watchSafetyCode } from './safety-code.ts';
import { type Candidate, type Description, isCandidate, isDescription } from './signal-shapes.ts';
import type { SignalingController, SignalingEvent } from './signaling-controller.ts';

/**
 * Where the call stands: no room, alone in the room, setting up, up, up but its network path
 * lost (ICE restarting), hung up by one side, or failed.
 */
export type CallState =
  | 'idle'
  | 'waiting'
  | 'connecting'
  | 'connected'
  | 'reconnecting'
  | 'ended'
  | 'failed';

/** One chat line. */
export interface ChatEntry {
  id: number;
  from: 'me' | 'peer';
  text: string;
  time: Date;
}

/** One step of the signaling of the current peer connection, for the timeline. */
export interface TimelineEntry {
  id: number;
  /** Milliseconds since this peer connection was created. */
  at: number;
  direction: 'sent' | 'received' | 'local';
  kind: 'offer' | 'answer' | 'candidate' | 'bye' | 'event';
  detail: string;
}

/** One `getStats` sample, once a second. */
export interface StatsSample {
  /** Round-trip time of the selected pair, ms (null before the first STUN check answers). */
  rttMs: number | null;
  /** Bits per second received and sent over the selected pair (media and data). */
  kbpsIn: number;
  kbpsOut: number;
}

/** Options of {@link CallController}. */
export interface CallOptions {
  /**
   * Use relay candidates only (`iceTransportPolicy: 'relay'`): forces the call through TURN.
   * @default false
   */
  relay?: boolean;
}

const CHAT_LIMIT = 200;
const TIMELINE_LIMIT = 300;
const SAMPLE_LIMIT = 60;
/** Larger chat messages are cut: a data channel message over ~16 KiB does not cross everywhere. */
const CHAT_MAX_CHARS = 4000;
/**
 * How long ICE may stay `disconnected` before we restart it. Consent checks often survive a
 * short blip by themselves (and a restart costs a round trip of signaling), but a changed
 * network never comes back on the old pair.
 */
const ICE_RESTART_GRACE_MS = 2000;

/**
 * Owns the call of a tab: one RTCPeerConnection with the other member of the room, negotiated
 * over the signaling's `message` relay in the codelab's payload shapes, with the Perfect
 * Negotiation pattern. The second member of a room (`joined`) is polite: on an offer collision
 * it rolls back and answers; the first (`created`) ignores the other's offer and waits for
 * the answer to its own. Each `ready` starts a fresh connection (a rejoin or a reload), the
 * first member offering. Components read its fields and call its methods; they never touch
 * RTCPeerConnection.
 */
export class CallController implements ReactiveController {
  /** Where the call stands. */
  state: CallState = 'idle';
  /** Who hung up, while `state` is `ended`. */
  endedBy: 'me' | 'peer' | null = null;
  /** Why the call failed or cannot start, for the person. */
  problem = '';
  /** Whether this side rolls back on an offer collision (the member who joined second). */
  polite = false;
  /** The peer connection's states, `none` without one. */
  iceConnectionState: RTCIceConnectionState | 'none' = 'none';
  connectionState: RTCPeerConnectionState | 'none' = 'none';
  signalingState: RTCSignalingState | 'none' = 'none';
  /** Whether the chat's data channel is open. */
  channelOpen = false;
  /** The call's channel for files (see FileTransferController), null without a call. */
  fileChannel: RTCDataChannel | null = null;
  /** The chat, kept across calls in the same page. */
  chat: ChatEntry[] = [];
  /** The signaling of the current peer connection, oldest first. */
  timeline: TimelineEntry[] = [];
  /** This tab's camera and microphone, while on. */
  localStream: MediaStream | null = null;
  /** The screen (or window, or tab) this tab shares, while on; it replaces the camera. */
  screenStream: MediaStream | null = null;
  /** What the other member sends, while the call is up. */
  remoteStream: MediaStream | null = null;
  /** The remote stream has a live, unmuted video track. */
  remoteVideo = false;
  micMuted = false;
  /** Why the camera or microphone could not start, for the person. */
  mediaError = '';
  /** `getUserMedia` is pending (e.g. the permission prompt is open). */
  mediaStarting = false;
  /** The selected candidate pair, from the last `getStats`. */
  pair: SelectedPair | null = null;
  /** The last minute of `getStats` samples, oldest first. */
  samples: StatsSample[] = [];
  /** Bytes of video received in this connection (inbound-rtp), from `getStats`. */
  videoBytesReceived = 0;
  /** Milliseconds from the second member's join to the data channel opening, once measured. */
  joinToOpenMs: number | null = null;
  /** Milliseconds the last ICE restart took, from asking to connected on new credentials. */
  lastRestartMs: number | null = null;
  /**
   * The safety code of the call's connection (src/safety-code.ts), the same on both sides
   * unless someone sits in between; null without an answered connection.
   */
  safetyCode: string | null = null;
  /** Relay candidates only (see {@link CallOptions.relay}). */
  readonly relay: boolean;

  readonly #host: ReactiveControllerHost;
  readonly #signaling: SignalingController;
  #unsubscribe: (() => void) | undefined;
  #pc: RTCPeerConnection | null = null;
  /** Reports this side's connection to the server when it ends (the polite side only). */
  #outcome: CallOutcomeReporter | null = null;
  #channel: RTCDataChannel | null = null;
  #peerPresent = false;
  #negotiation: PerfectNegotiation | null = null;
  /** Relayed messages are handled one at a time, in order, so a candidate never overtakes its description. */
  #inbox: Promise<void> = Promise.resolve();
  #createdAt = 0;
  #joinedAt: number | null = null;
  #statsTimer: ReturnType<typeof setInterval> | undefined;
  #lastBytes: { at: number; in: number; out: number } | null = null;
  #nextId = 0;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  /** While an ICE restart is under way: when it was asked, and the local ufrag it replaces. */
  #restart: { at: number; fromUfrag: string | null } | null = null;
  /** The browser says the network is back (a new Wi-Fi, a cable): the old path may be gone. */
  readonly #onOnline = () => this.#restartIce('the network came back (online)');

  constructor(
    host: ReactiveControllerHost,
    signaling: SignalingController,
    options: CallOptions = {},
  ) {
    this.#host = host;
    this.#signaling = signaling;
    this.relay = options.relay ?? false;
    host.addController(this);
  }

  hostConnected(): void {
    this.#unsubscribe = this.#signaling.subscribe((event) => this.#onSignaling(event));
    window.addEventListener('online', this.#onOnline);
  }

  hostDisconnected(): void {
    window.removeEventListener('online', this.#onOnline);
    this.#unsubscribe?.();
    this.#close('page-closed');
    this.#stopLocalTracks();
    this.stopScreenShare();
  }

  /** Starts (or restarts, after a hang-up) the call with the member in the room. */
  start(): void {
    if (!this.#peerPresent) return;
    this.endedBy = null;
    this.#open();
    this.#update();
  }

  /** Ends the call for both sides (the codelab's `'bye'` message); the room stays. */
  hangUp(): void {
    // The polite side may still be waiting for the first offer, with no connection yet.
    if (!this.#pc && this.state !== 'connecting') return;
    this.#signaling.send('bye');
    this.#mark('sent', 'bye', 'hang up');
    this.#close('hang-up');
    this.state = 'ended';
    this.endedBy = 'me';
    this.#signaling.note('You hung up; the room stays open');
    this.#update();
  }

  /** Sends a chat line over the data channel. */
  sendChat(text: string): void {
    const line = text.trim().slice(0, CHAT_MAX_CHARS);
    if (!line || this.#channel?.readyState !== 'open') return;
    this.#channel.send(line);
    this.#addChat('me', line);
  }

  /** Asks for the camera and microphone and sends them in the call (renegotiating if needed). */
  async startMedia(): Promise<void> {
    if (this.localStream || this.mediaStarting) return;
    this.mediaError = '';
    this.mediaStarting = true;
    this.#update();
    try {
      this.localStream = await getMedia();
      this.micMuted = false;
      if (this.#pc) this.#attachLocalMedia(this.#pc);
    } catch (error) {
      this.mediaError = explainMediaError(error);
      this.#signaling.note(`Camera and microphone: ${this.mediaError}`, 'error');
    } finally {
      this.mediaStarting = false;
      this.#update();
    }
  }

  /**
   * Shares a screen instead of the camera: the browser asks which. Its track replaces the
   * camera's on the same sender (`replaceTrack`, no renegotiation); with the camera off it is
   * added like the camera would be.
   */
  async startScreenShare(): Promise<void> {
    if (this.screenStream) return;
    this.mediaError = '';
    let stream: MediaStream;
    try {
      if (!navigator.mediaDevices?.getDisplayMedia) {
        throw new DOMException('no getDisplayMedia', 'NotSupportedError');
      }
      stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch (error) {
      this.mediaError = explainScreenError(error);
      this.#signaling.note(`Screen sharing: ${this.mediaError}`, 'error');
      this.#update();
      return;
    }
    this.screenStream = stream;
    // The browser's own "Stop sharing" ends the track: back to the camera then too.
    for (const track of stream.getTracks()) track.onended = () => this.stopScreenShare();
    if (this.#pc) this.#attachLocalMedia(this.#pc);
    this.#update();
  }

  /** Stops sharing the screen; the camera, if on, takes its sender back. */
  stopScreenShare(): void {
    const stream = this.screenStream;
    if (!stream) return;
    this.screenStream = null;
    const screen = stream.getTracks();
    const camera = this.localStream?.getVideoTracks()[0] ?? null;
    for (const transceiver of this.#pc?.getTransceivers() ?? []) {
      const track = transceiver.sender.track;
      if (!track || !screen.includes(track)) continue;
      void transceiver.sender.replaceTrack(camera);
      if (!camera) transceiver.direction = 'recvonly';
    }
    for (const track of screen) {
      track.onended = null;
      track.stop();
    }
    this.#update();
  }

  /** Stops the camera and microphone; the call goes on without them (a shared screen too). */
  stopMedia(): void {
    const pc = this.#pc;
    const screen = this.screenStream?.getTracks() ?? [];
    if (pc) {
      for (const transceiver of pc.getTransceivers()) {
        const track = transceiver.sender.track;
        if (track && !screen.includes(track) && transceiver.currentDirection !== 'stopped') {
          void transceiver.sender.replaceTrack(null);
          // Keeping the transceiver (receive only) lets the next start reuse its m-line.
          transceiver.direction = 'recvonly';
        }
      }
    }
    this.#stopLocalTracks();
    this.#update();
  }

  /** Mutes or unmutes the microphone without renegotiating. */
  toggleMute(): void {
    const audio = this.localStream?.getAudioTracks() ?? [];
    this.micMuted = !this.micMuted;
    for (const track of audio) track.enabled = !this.micMuted;
    this.#update();
  }

  #onSignaling(event: SignalingEvent): void {
    // Rooms above two are a mesh (src/mesh/), told apart before `ready` by `room:members`.
    if (this.#signaling.capacity > 2 && event.type !== 'left') return;
    switch (event.type) {
      case 'seat':
        // Roles follow the seat: the member who joined second is polite.
        this.polite = event.seat === 'joined';
        this.#peerPresent = false;
        this.#close();
        this.state = 'waiting';
        this.endedBy = null;
        this.#joinedAt = event.seat === 'joined' ? performance.now() : null;
        break;
      case 'join':
        this.#joinedAt = performance.now();
        break;
      case 'ready':
        // Both members are (again) here: whatever connection existed belongs to a session
        // that is gone (a reload, a rejoin), so start fresh. The first member offers; the
        // second waits for that offer, which the server relays after this `ready`.
        this.#peerPresent = true;
        this.#close();
        this.endedBy = null;
        this.problem = '';
        if (this.polite) this.state = 'connecting';
        else this.#open();
        break;
      case 'peer-left':
        // The one who stays is the room's first member again, so the next one to join is
        // the polite side: exactly one offers on `ready`.
        this.polite = false;
        this.#peerPresent = false;
        this.#close('peer-left');
        this.state = 'waiting';
        this.endedBy = null;
        break;
      case 'peer-reconnecting':
        // Only the signaling dropped so far; the media path may well be alive.
        if (this.#pc)
          this.#mark('received', 'event', "peer:reconnecting (the other's seat is held)");
        break;
      case 'peer-reconnected':
        if (this.#pc) this.#mark('received', 'event', 'peer:reconnected');
        break;
      case 'left':
        this.#peerPresent = false;
        this.#close('left');
        this.state = 'idle';
        break;
      case 'message':
        this.#inbox = this.#inbox.then(() => this.#onMessage(event.payload));
        break;
      case 'ice-servers': {
        const refusal = this.#pc ? useIceServers(this.#pc, event.servers) : null;
        if (refusal) this.#signaling.note(`Call: could not use the new ICE servers: ${refusal}`);
        return;
      }
    }
    this.#update();
  }

  async #onMessage(payload: SignalingPayload): Promise<void> {
    try {
      if (payload === 'bye') {
        this.#mark('received', 'bye', 'the other member hung up');
        this.#close('peer-hung-up');
        this.state = 'ended';
        this.endedBy = 'peer';
        this.#signaling.note('The other member hung up; the room stays open');
      } else if (isDescription(payload)) {
        await this.#onDescription(payload);
      } else if (isCandidate(payload)) {
        await this.#onCandidate(payload);
      }
    } catch (error) {
      this.#signaling.note(`Call: could not apply a relayed message: ${String(error)}`, 'error');
    }
    this.#update();
  }

  async #onDescription(description: Description): Promise<void> {
    // An offer with no connection is the other member starting (or restarting) the call.
    if (!this.#pc && description.type === 'answer') return;
    if (!this.#pc) this.#open();
    await this.#negotiation?.receiveDescription(description);
  }

  async #onCandidate(payload: Candidate): Promise<void> {
    await this.#negotiation?.receiveCandidate(payload);
  }

  /** The other member's offer changed its ICE credentials: their restart is ours to track too. */
  #noticeRestart(pc: RTCPeerConnection, offer: Description): void {
    if (this.#restart) return;
    const from = iceUfrag(pc.currentRemoteDescription?.sdp);
    if (from === null || iceUfrag(offer.sdp) === from) return;
    this.#restart = { at: performance.now(), fromUfrag: iceUfrag(pc.localDescription?.sdp) };
    this.#outcome?.restarted();
    this.#mark('local', 'event', 'ICE restart: asked by the other member');
  }

  #open(): RTCPeerConnection {
    this.#close();
    this.problem = '';
    this.endedBy = null;
    const iceServers = this.#signaling.iceServers;
    if (this.relay && !iceServers.some((server) => server.urls.some((u) => u.startsWith('turn')))) {
      this.problem =
        'Relay only (?relay=1) needs a TURN server: start the server with TURN_URLS and TURN_SECRET.';
    }
    const pc = new RTCPeerConnection({
      iceServers,
      iceTransportPolicy: this.relay ? 'relay' : 'all',
    });
    this.#pc = pc;
    this.#createdAt = performance.now();
    // One side of the pair reports, so a call counts once.
    if (this.polite) {
      this.#outcome = new CallOutcomeReporter(pc, this.#joinedAt ?? this.#createdAt, (report) =>
        this.#signaling.reportOutcome(report),
      );
    }
    this.timeline = [];
    this.samples = [];
    this.pair = null;
    this.videoBytesReceived = 0;
    this.#lastBytes = null;
    this.state = 'connecting';
    this.#mark(
      'local',
      'event',
      `peer connection created (${this.polite ? 'polite' : 'impolite'})`,
    );

    this.#negotiation = new PerfectNegotiation(pc, this.polite, {
      send: (payload) => this.#signaling.send(payload),
      mark: (direction, kind, detail) => this.#mark(direction, kind, detail),
      offerFailed: (error) =>
        this.#signaling.note(`Call: could not make an offer: ${String(error)}`, 'error'),
      beforeOffer: (offer) => this.#noticeRestart(pc, offer),
      // After the offer is applied, local media reuses its transceivers, so the answer already
      // carries it and no second round trip is needed.
      beforeAnswer: () => this.#attachLocalMedia(pc),
    });
    this.#watchStates(pc);
    watchSafetyCode(pc, (code) => {
      if (pc !== this.#pc) return;
      this.safetyCode = code;
      this.#update();
    });
    this.#watchTracks(pc);
    this.#openChannels(pc);
    this.#attachLocalMedia(pc);
    this.#statsTimer = setInterval(() => void this.#sampleStats(pc), 1000);
    this.signalingState = pc.signalingState;
    this.iceConnectionState = pc.iceConnectionState;
    this.connectionState = pc.connectionState;
    return pc;
  }

  /** The connection's states, on screen and in the timeline (and ICE restarts from them). */
  #watchStates(pc: RTCPeerConnection): void {
    pc.oniceconnectionstatechange = () => {
      if (pc !== this.#pc) return;
      this.iceConnectionState = pc.iceConnectionState;
      this.#mark('local', 'event', `ICE ${pc.iceConnectionState}`);
      this.#onIceState(pc);
      this.#update();
    };
    pc.onconnectionstatechange = () => {
      if (pc !== this.#pc) return;
      this.connectionState = pc.connectionState;
      this.state = callStateOf(pc.connectionState);
      if (pc.connectionState === 'failed') {
        this.problem ||= NO_PATH;
      } else if (pc.connectionState === 'connected' && this.problem === NO_PATH) {
        this.problem = '';
      }
      this.#update();
    };
    pc.onsignalingstatechange = () => {
      if (pc !== this.#pc) return;
      this.signalingState = pc.signalingState;
      this.#checkRestartDone(pc);
      this.#update();
    };
  }

  /** Remote tracks into one stream, refreshed as tracks come, go, mute and end. */
  #watchTracks(pc: RTCPeerConnection): void {
    pc.ontrack = ({ track, streams }) => {
      if (pc !== this.#pc) return;
      const stream = streams[0] ?? this.remoteStream ?? new MediaStream();
      if (!stream.getTracks().includes(track)) stream.addTrack(track);
      this.remoteStream = stream;
      const refresh = () => this.#refreshRemote(stream);
      stream.onaddtrack = refresh;
      stream.onremovetrack = refresh;
      track.onmute = refresh;
      track.onunmute = refresh;
      track.onended = refresh;
      refresh();
    };
  }

  /** The chat and file data channels, negotiated on both sides. */
  #openChannels(pc: RTCPeerConnection): void {
    // Negotiated with a fixed id on both sides: whoever offers, there is exactly one channel
    // and neither side waits for `datachannel`.
    const channel = pc.createDataChannel('chat', { negotiated: true, id: 0 });
    this.#channel = channel;
    channel.onopen = () => {
      if (channel !== this.#channel) return;
      this.channelOpen = true;
      this.#mark('local', 'event', 'data channel open');
      if (this.#joinedAt !== null) {
        this.joinToOpenMs = Math.round(performance.now() - this.#joinedAt);
        this.#joinedAt = null;
        this.#signaling.note(
          `Data channel open ${this.joinToOpenMs} ms after the second member joined`,
        );
      }
      this.#update();
    };
    channel.onclose = () => {
      if (channel !== this.#channel) return;
      this.channelOpen = false;
      this.#update();
    };
    channel.onmessage = ({ data }) => {
      if (channel === this.#channel && typeof data === 'string')
        this.#addChat('peer', data.slice(0, CHAT_MAX_CHARS));
    };
    // Files go on a channel of their own, so a large one never holds up the chat.
    this.fileChannel = pc.createDataChannel('files', { negotiated: true, id: 1 });
  }

  /**
   * A network change kills the selected path: restart ICE when the connection stays
   * `disconnected` past a grace period, or at once when it `failed`.
   */
  #onIceState(pc: RTCPeerConnection): void {
    clearTimeout(this.#graceTimer);
    switch (pc.iceConnectionState) {
      case 'disconnected':
        this.#graceTimer = setTimeout(() => {
          if (pc === this.#pc && pc.iceConnectionState === 'disconnected')
            this.#restartIce(`disconnected for ${ICE_RESTART_GRACE_MS / 1000} s`);
        }, ICE_RESTART_GRACE_MS);
        break;
      case 'failed':
        this.#restartIce('ICE failed');
        break;
      case 'connected':
      case 'completed':
        this.#checkRestartDone(pc);
        break;
    }
  }

  /**
   * Restarts ICE on this connection. `restartIce()` only marks it: the offer comes from this
   * side's `negotiationneeded` like any other, so Perfect Negotiation's roles settle a
   * collision with the other side restarting at the same time.
   */
  #restartIce(reason: string): void {
    const pc = this.#pc;
    // Before the first answer there is nothing to restart: that negotiation is still going.
    if (!pc || pc.signalingState === 'closed' || !pc.currentRemoteDescription) return;
    if (!this.#restart) this.#outcome?.restarted();
    this.#restart ??= {
      at: performance.now(),
      fromUfrag: iceUfrag(pc.currentLocalDescription?.sdp),
    };
    this.#mark('local', 'event', `ICE restart: ${reason}`);
    this.#signaling.note(`Call: restarting ICE (${reason})`);
    // The new relays are allocated with the credential at hand: a fresh one first if it is
    // past half its life (the ice-servers event hands it to this connection).
    void this.#signaling.freshIceServers().then(() => {
      if (pc === this.#pc && pc.signalingState !== 'closed') pc.restartIce();
    });
    this.#update();
  }

  /** Ends the restart under way once both sides run on new credentials and ICE is up. */
  #checkRestartDone(pc: RTCPeerConnection): void {
    const restart = this.#restart;
    if (!restart || pc.signalingState !== 'stable') return;
    if (pc.iceConnectionState !== 'connected' && pc.iceConnectionState !== 'completed') return;
    if (iceUfrag(pc.currentLocalDescription?.sdp) === restart.fromUfrag) return;
    this.#restart = null;
    this.#outcome?.recovered();
    this.lastRestartMs = Math.round(performance.now() - restart.at);
    this.#mark(
      'local',
      'event',
      `ICE restart done: connected again after ${this.lastRestartMs} ms`,
    );
    this.#signaling.note(`Call: ICE restarted; connected again after ${this.lastRestartMs} ms`);
  }

  /** Closes the peer connection, if any; the call state is the caller's to set. */
  #close(ended: CallEnding = 'replaced'): void {
    this.#outcome?.end(ended);
    this.#outcome = null;
    clearInterval(this.#statsTimer);
    this.#statsTimer = undefined;
    clearTimeout(this.#graceTimer);
    this.#restart = null;
    this.#negotiation?.stop();
    this.#negotiation = null;
    const pc = this.#pc;
    this.#pc = null;
    this.#channel?.close();
    this.#channel = null;
    this.fileChannel?.close();
    this.fileChannel = null;
    pc?.close();
    this.channelOpen = false;
    this.remoteStream = null;
    this.remoteVideo = false;
    this.safetyCode = null;
    this.iceConnectionState = 'none';
    this.connectionState = 'none';
    this.signalingState = 'none';
  }

  /** What this tab sends: the microphone, and the shared screen or else the camera. */
  #outgoing(): { track: MediaStreamTrack; stream: MediaStream }[] {
    const from = (stream: MediaStream | null, kind: 'audio' | 'video') =>
      stream
        ? stream.getTracks().flatMap((track) => (track.kind === kind ? [{ track, stream }] : []))
        : [];
    return [
      ...from(this.localStream, 'audio'),
      ...from(this.screenStream ?? this.localStream, 'video'),
    ];
  }

  /**
   * Sends the outgoing tracks not yet sent, on a transceiver of the same kind that is idle or
   * sends a track no longer wanted (the camera, when a screen replaces it), else a new one.
   */
  #attachLocalMedia(pc: RTCPeerConnection): void {
    if (pc.signalingState === 'closed') return;
    const outgoing = this.#outgoing();
    const wanted = outgoing.map(({ track }) => track);
    const transceivers = pc.getTransceivers();
    for (const { track, stream } of outgoing) {
      if (pc.getSenders().some((sender) => sender.track === track)) continue;
      const reusable = transceivers.find(
        (t) =>
          t.currentDirection !== 'stopped' &&
          t.receiver.track.kind === track.kind &&
          (t.sender.track
            ? !wanted.includes(t.sender.track)
            : t.direction === 'recvonly' || t.direction === 'inactive'),
      );
      if (reusable?.sender.track) {
        // A live sender swaps tracks in place: no renegotiation, the other side sees new frames.
        void reusable.sender.replaceTrack(track);
      } else if (reusable) {
        void reusable.sender.replaceTrack(track);
        reusable.sender.setStreams(stream);
        reusable.direction = 'sendrecv';
      } else {
        pc.addTrack(track, stream);
      }
    }
  }

  #stopLocalTracks(): void {
    for (const track of this.localStream?.getTracks() ?? []) track.stop();
    this.localStream = null;
    this.micMuted = false;
  }

  #refreshRemote(stream: MediaStream): void {
    if (stream !== this.remoteStream) return;
    this.remoteVideo = stream
      .getVideoTracks()
      .some((track) => track.readyState === 'live' && !track.muted);
    this.#update();
  }

  async #sampleStats(pc: RTCPeerConnection): Promise<void> {
    let report: RTCStatsReport;
    try {
      report = await pc.getStats();
    } catch {
      return;
    }
    if (pc !== this.#pc) return;
    const stats = readStats(report);
    this.pair = stats.pair;
    this.videoBytesReceived = stats.videoBytesReceived;
    const now = performance.now();
    let kbpsIn = 0;
    let kbpsOut = 0;
    if (this.#lastBytes && now > this.#lastBytes.at) {
      const seconds = (now - this.#lastBytes.at) / 1000;
      kbpsIn = Math.max(0, ((stats.bytesIn - this.#lastBytes.in) * 8) / 1000 / seconds);
      kbpsOut = Math.max(0, ((stats.bytesOut - this.#lastBytes.out) * 8) / 1000 / seconds);
    }
    this.#lastBytes = { at: now, in: stats.bytesIn, out: stats.bytesOut };
    const sample: StatsSample = { rttMs: stats.rttMs, kbpsIn, kbpsOut };
    this.samples = [...this.samples.slice(1 - SAMPLE_LIMIT), sample];
    this.#update();
  }

  #mark(direction: TimelineEntry['direction'], kind: TimelineEntry['kind'], detail: string) {
    const entry: TimelineEntry = {
      id: this.#nextId++,
      at: Math.round(performance.now() - this.#createdAt),
      direction,
      kind,
      detail,
    };
    this.timeline = [...this.timeline.slice(1 - TIMELINE_LIMIT), entry];
  }

  #addChat(from: ChatEntry['from'], text: string): void {
    const entry: ChatEntry = { id: this.#nextId++, from, text, time: new Date() };
    this.chat = [...this.chat.slice(1 - CHAT_LIMIT), entry];
    this.#update();
  }

  #update(): void {
    this.#host.requestUpdate();
  }
}

const NO_PATH = 'No network path between the two browsers: a TURN server may be needed.';

/** The `a=ice-ufrag` of a description: a new one means an ICE restart. */
function iceUfrag(sdp: string | undefined): string | null {
  return sdp?.match(/^a=ice-ufrag:(\S+)/m)?.[1] ?? null;
}

function callStateOf(state: RTCPeerConnectionState): CallState {
  switch (state) {
    case 'connected':
      return 'connected';
    case 'disconnected':
      return 'reconnecting';
    case 'failed':
      return 'failed';
    default:
      return 'connecting';
  }
}

/** Camera and microphone; without a microphone (or camera), whichever of the two exists. */
async function getMedia(): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new DOMException('no mediaDevices', 'SecurityError');
  }
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  } catch (error) {
    if (!(error instanceof DOMException) || error.name !== 'NotFoundError') throw error;
  }
  try {
    return await navigator.mediaDevices.getUserMedia({ video: true });
  } catch (error) {
    if (!(error instanceof DOMException) || error.name !== 'NotFoundError') throw error;
  }
  return navigator.mediaDevices.getUserMedia({ audio: true });
}
