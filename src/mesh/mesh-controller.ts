import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { SignalingPayload } from '../../server/protocol/index.ts';
import type { ChatEntry } from '../call-controller.ts';
import type { CallEnding } from '../call-outcome.ts';
import { DEFAULT_MAX_FILE_BYTES, type FileTransfer } from '../file-transfer-controller.ts';
import { explainMediaError } from '../media-errors.ts';
import type { SignalingController, SignalingEvent } from '../signaling-controller.ts';
import { emptyView, PeerLink, type PeerView, shortName } from './peer-link.ts';
import { SignalInbox } from './signal-inbox.ts';

/** A chat line of a group: who said it, by short name, unless it was me. */
export interface MeshChatEntry extends ChatEntry {
  name?: string;
}

/** A file to or from one member of a group: a file sent to everyone is one of these per member. */
export interface MeshFileTransfer extends FileTransfer {
  peerId: string;
  peerName: string;
}

const CHAT_LIMIT = 200;
/** Transfers kept on screen from members who left (their files can still be saved). */
const RETIRED_FILES_LIMIT = 20;
/**
 * A mesh sends one copy of its video per member (five in a room of six), each encoded apart:
 * a small picture keeps a laptop's CPU and uplink within reach.
 */
const MESH_VIDEO: MediaTrackConstraints = {
  width: { ideal: 320 },
  height: { ideal: 240 },
  frameRate: { ideal: 15 },
};
/** Larger chat messages are cut: a data channel message over ~16 KiB does not cross everywhere. */
const CHAT_MAX_CHARS = 4000;

/**
 * The call of a room above two members: one {@link PeerLink} per other member (a full mesh),
 * kept in step with `room:members`. In each pair the polite side (the smaller socket id)
 * opens the link at once and offers; the impolite side opens it on the first offer, so a pair
 * rarely collides (Perfect Negotiation handles it when it does). A member who leaves or
 * reloads (a new id) closes only its own link; the other pairs never notice.
 */
export class MeshController implements ReactiveController {
  /** One entry per other member, in seating order; replaced on every change. */
  peers: PeerView[] = [];
  /** This tab's camera and microphone, sent to every pair. */
  localStream: MediaStream | null = null;
  micMuted = false;
  cameraOff = false;
  mediaStarting = false;
  mediaError = '';
  chat: MeshChatEntry[] = [];
  /**
   * Milliseconds from this tab's seat to all its links open, once measured: for a member who
   * joins a room where the others already are, the time until the whole mesh is up.
   */
  seatToMeshMs: number | null = null;

  readonly #host: ReactiveControllerHost;
  readonly #signaling: SignalingController;
  readonly #links = new Map<string, PeerLink>();
  /** Signals wait here for the member list to name their sender. */
  readonly #inbox = new SignalInbox((from, data) => this.#onSignal(from, data));
  /** Transfers of links now closed, so what arrived from a member who left can be saved. */
  #retiredFiles: MeshFileTransfer[] = [];
  #unsubscribe: (() => void) | undefined;
  #seatedAt: number | null = null;
  #nextId = 0;

  constructor(host: ReactiveControllerHost, signaling: SignalingController) {
    this.#host = host;
    this.#signaling = signaling;
    host.addController(this);
  }

  hostConnected(): void {
    this.#unsubscribe = this.#signaling.subscribe((event) => this.#onSignaling(event));
  }

  hostDisconnected(): void {
    this.#unsubscribe?.();
    this.#closeAll();
    this.#forgetFiles();
    this.#stopLocalTracks();
  }

  /** Whether any data channel is open (the chat can send). */
  get chatOpen(): boolean {
    return this.peers.some((peer) => peer.channelOpen);
  }

  /** Files to and from every member, one row per member and file; those of members gone first. */
  get transfers(): MeshFileTransfer[] {
    const live = [...this.#links.values()].flatMap((link) => filesOf(link));
    return [...this.#retiredFiles, ...live];
  }

  /** Whether a file can go out now: a link's file channel is open and no file is going out. */
  get filesReady(): boolean {
    const links = [...this.#links.values()];
    const sending = links.some((link) =>
      link.files.transfers.some((t) => t.direction === 'send' && t.status === 'active'),
    );
    return !sending && links.some((link) => link.files.ready);
  }

  /** The largest file sent or accepted, in bytes: each link's, the one-to-one call's. */
  readonly maxFileBytes = DEFAULT_MAX_FILE_BYTES;

  /** Sends `file` to every member whose file channel is open, each over its own link. */
  sendFile(file: File): void {
    if (!this.filesReady) return;
    for (const link of this.#links.values()) if (link.files.ready) void link.files.send(file);
  }

  /** Stops the transfer `id` to or from member `peerId`; the other side is told. */
  cancelFile(peerId: string, id: string): void {
    this.#links.get(peerId)?.files.cancel(id);
  }

  /** Asks for the camera and microphone and sends them to every member. */
  async startMedia(): Promise<void> {
    if (this.localStream || this.mediaStarting) return;
    this.mediaError = '';
    this.mediaStarting = true;
    this.#update();
    try {
      this.localStream = await navigator.mediaDevices.getUserMedia({
        audio: true,
        video: MESH_VIDEO,
      });
      this.micMuted = false;
      this.cameraOff = false;
      for (const link of this.#links.values()) link.attach(this.localStream);
    } catch (error) {
      this.mediaError = explainMediaError(error);
      this.#signaling.note(`Camera and microphone: ${this.mediaError}`, 'error');
    } finally {
      this.mediaStarting = false;
      this.#update();
    }
  }

  /** Stops the camera and microphone for every pair; the links stay up. */
  stopMedia(): void {
    for (const link of this.#links.values()) link.detach();
    this.#stopLocalTracks();
    this.#update();
  }

  /** Mutes or unmutes the microphone for every pair at once (one shared track). */
  toggleMute(): void {
    this.micMuted = !this.micMuted;
    for (const track of this.localStream?.getAudioTracks() ?? []) track.enabled = !this.micMuted;
    this.#update();
  }

  /** Turns the camera off or on for every pair at once, without renegotiating. */
  toggleCamera(): void {
    this.cameraOff = !this.cameraOff;
    for (const track of this.localStream?.getVideoTracks() ?? []) track.enabled = !this.cameraOff;
    this.#update();
  }

  /** Sends a chat line to every member whose channel is open. */
  sendChat(text: string): void {
    const line = text.trim().slice(0, CHAT_MAX_CHARS);
    if (!line) return;
    let sent = false;
    for (const link of this.#links.values()) sent = link.send(line) || sent;
    if (sent) this.#addChat('me', line);
  }

  #onSignaling(event: SignalingEvent): void {
    switch (event.type) {
      // Before `room:members` tells the capacity: it only resets.
      case 'seat':
        this.#closeAll();
        this.#inbox.forget();
        this.#seatedAt = performance.now();
        this.seatToMeshMs = null;
        break;
      case 'members':
        this.#follow(event.ids);
        this.#inbox.named(event.ids);
        break;
      case 'signal':
        // A room of two has no list: its call never signals this way.
        this.#inbox.receive(event.from, event.data, this.#signaling.memberIds);
        break;
      case 'peer-left':
        // Above two every departure names its member; a room of two is the call's.
        if (event.id === null) return;
        this.#inbox.forget(event.id);
        this.#drop(event.id);
        break;
      case 'ice-servers':
        for (const link of this.#links.values()) link.useIceServers(event.servers);
        return;
      case 'left':
        this.#closeAll();
        this.#inbox.forget();
        this.#forgetFiles();
        this.#seatedAt = null;
        break;
      default:
        return;
    }
    this.#refresh();
  }

  /** Opens the links this side starts and closes those of members who are gone. */
  #follow(ids: readonly string[]): void {
    const self = this.#signaling.socketId;
    if (self === null) return;
    for (const id of this.#links.keys()) if (!ids.includes(id)) this.#drop(id);
    // The polite side (smaller id) starts; the impolite one answers its offer.
    for (const id of ids) if (id > self && !this.#links.has(id)) this.#open(id, self);
  }

  #onSignal(from: string, data: SignalingPayload): void {
    let link = this.#links.get(from);
    if (!link) {
      const self = this.#signaling.socketId;
      const isOffer =
        typeof data === 'object' && data !== null && 'type' in data && data.type === 'offer';
      // Only a new pair's first offer opens a link; stray candidates of a closed one do not.
      if (self === null || !isOffer) return;
      link = this.#open(from, self);
    }
    link.receive(data);
  }

  #open(id: string, self: string): PeerLink {
    const link = new PeerLink(id, self, this.#signaling.iceServers, {
      signal: (data) => this.#signaling.signal(id, data),
      changed: () => this.#refresh(),
      chat: (text) => this.#addChat('peer', text.slice(0, CHAT_MAX_CHARS), shortName(id)),
      note: (text, level) => this.#signaling.note(text, level),
      freshIceServers: () => this.#signaling.freshIceServers(),
      reportOutcome: (report) => this.#signaling.reportOutcome(report),
    });
    this.#links.set(id, link);
    link.attach(this.localStream);
    return link;
  }

  #drop(id: string): void {
    const link = this.#links.get(id);
    if (!link) return;
    this.#retire(link, 'peer-left');
    this.#links.delete(id);
    this.#signaling.note(`Mesh: closed the link with ${shortName(id)}`);
  }

  #closeAll(): void {
    for (const link of this.#links.values()) this.#retire(link);
    this.#links.clear();
  }

  /** Closes a link, keeping its transfers on screen (bounded). */
  #retire(link: PeerLink, ended?: CallEnding): void {
    link.close(ended);
    const kept = [...this.#retiredFiles, ...filesOf(link)];
    for (const old of kept.slice(0, -RETIRED_FILES_LIMIT))
      if (old.url) URL.revokeObjectURL(old.url);
    this.#retiredFiles = kept.slice(-RETIRED_FILES_LIMIT);
  }

  /** Drops the files of members gone, and the memory their save links hold. */
  #forgetFiles(): void {
    for (const transfer of this.#retiredFiles) if (transfer.url) URL.revokeObjectURL(transfer.url);
    this.#retiredFiles = [];
  }

  /** Rebuilds the peers list (seating order) and measures the mesh once it is whole. */
  #refresh(): void {
    const self = this.#signaling.socketId;
    const others = this.#signaling.memberIds.filter((id) => id !== self);
    this.peers = others.map((id) => this.#links.get(id)?.view ?? waiting(id, self));
    const whole = others.length > 0 && this.peers.every((peer) => peer.channelOpen);
    if (whole && this.#seatedAt !== null) {
      this.seatToMeshMs = Math.round(performance.now() - this.#seatedAt);
      this.#seatedAt = null;
      this.#signaling.note(
        `Mesh: all ${others.length} links open ${this.seatToMeshMs} ms after joining`,
      );
    }
    this.#update();
  }

  #addChat(from: ChatEntry['from'], text: string, name?: string): void {
    const entry: MeshChatEntry = { id: this.#nextId++, from, text, time: new Date(), name };
    this.chat = [...this.chat.slice(1 - CHAT_LIMIT), entry];
    this.#update();
  }

  #stopLocalTracks(): void {
    for (const track of this.localStream?.getTracks() ?? []) track.stop();
    this.localStream = null;
    this.micMuted = false;
    this.cameraOff = false;
  }

  #update(): void {
    this.#host.requestUpdate();
  }
}

/** A link's transfers, each with the member it goes to or comes from. */
function filesOf(link: PeerLink): MeshFileTransfer[] {
  const peerName = shortName(link.id);
  return link.files.transfers.map((transfer) => ({ ...transfer, peerId: link.id, peerName }));
}

/** The view of a member whose link this side has not opened yet (it waits for an offer). */
function waiting(id: string, self: string | null): PeerView {
  return emptyView(id, self !== null && self < id);
}
