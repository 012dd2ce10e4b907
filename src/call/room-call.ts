import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { SignalingPayload } from '../../server/protocol/index.ts';
import type { CallEnding } from '../call-outcome.ts';
import { isDescription } from '../signal-shapes.ts';
import { explainFailure } from './failure.ts';
import { DEFAULT_MAX_FILE_BYTES, RetiredFiles } from './files.ts';
import { LocalMedia } from './local-media.ts';
import { Peer } from './peer.ts';
import { PAIR_ID, shortName } from './peer-view.ts';
import type { RestartLimits } from './restarts.ts';
import { SignalInbox } from './signal-inbox.ts';
import type {
  CallOptions,
  CallSignaling,
  CallState,
  ChatEntry,
  ListedTransfer,
  PeerView,
  SignalingEvent,
} from './types.ts';

const CHAT_LIMIT = 200;
/** Larger chat messages are cut: a data channel message over ~16 KiB does not cross everywhere. */
const CHAT_MAX_CHARS = 4000;
/**
 * The call of a room, for any number of members: one {@link Peer} per remote member, like
 * LiveKit's `Room` with its map of remote participants (a call of two is a room with one remote).
 * Every feature (media, screen, chat, files, stats, ICE restarts) exists once, per peer.
 *
 * A room of two keeps the codelab's relay: `message` in its payload shapes, the second member
 * (`joined`) polite, the first offering on every `ready` (a join, a reload). A room above two
 * uses the addressed `signal`, kept in step with `room:members`: in each pair the smaller
 * socket id is polite and offers at once; the other opens its peer on the first offer. A
 * member gone however it went (`peer-left`, or missing from a member list) closes its peer only.
 */
export class RoomCall implements ReactiveController {
  /** The remote members, in seating order; replaced on every change. */
  peers: PeerView[] = [];
  /** Whether this tab sits in a room of two (the codelab's call) and is its polite side. */
  polite = false;
  chat: ChatEntry[] = [];
  /** Why the last link could not connect when it ended (the peer left), for the person. */
  problem = '';
  /** This tab's camera, microphone and screen, sent to every peer. */
  readonly media: LocalMedia;
  /** Milliseconds from this tab's seat to all its links open, once measured. */
  allOpenMs: number | null = null;
  readonly relay: boolean;

  readonly #host: ReactiveControllerHost;
  readonly #signaling: CallSignaling;
  readonly #options: CallOptions & { limits?: RestartLimits };
  readonly #peers = new Map<string, Peer>();
  /** Signals of a group wait here for the member list to name their sender. */
  readonly #inbox = new SignalInbox((from, data) => this.#onPayload(from, data));
  /** Transfers of links now closed, so what arrived from a member who left can be saved. */
  readonly #retired = new RetiredFiles();
  #unsubscribe: (() => void) | undefined;
  /** Room of two: whether the other member is here (`ready` until it leaves). */
  #pairPresent = false;
  #joinedAt: number | null = null;
  #seatedAt: number | null = null;
  #nextId = 0;
  readonly #onOnline = () => {
    for (const peer of this.#peers.values()) peer.online();
  };

  constructor(
    host: ReactiveControllerHost,
    signaling: CallSignaling,
    options: CallOptions & { limits?: RestartLimits } = {},
  ) {
    this.#host = host;
    this.#signaling = signaling;
    this.#options = options;
    this.relay = options.relay ?? false;
    this.media = new LocalMedia(
      () => this.#mediaChanged(),
      (text, level) => signaling.note(text, level),
    );
    host.addController(this);
  }

  hostConnected(): void {
    this.#unsubscribe = this.#signaling.subscribe((event) => this.#onSignaling(event));
    globalThis.addEventListener?.('online', this.#onOnline);
  }

  hostDisconnected(): void {
    globalThis.removeEventListener?.('online', this.#onOnline);
    this.#unsubscribe?.();
    this.#closeAll('page-closed');
    this.#retired.forget();
    this.media.close();
  }

  /** A room above two: a group call of one link per member. */
  get group(): boolean {
    return this.#signaling.capacity > 2;
  }

  /** Where the call stands as a whole: the one link's state in a room of two, the best above. */
  get state(): CallState {
    const states = this.peers.map((peer) => peer.state);
    if (states.length === 0) {
      // A room of two whose second member waits for the first one's offer is connecting.
      if (this.#pairPresent) return 'connecting';
      return this.#seatedAt === null ? 'idle' : 'waiting';
    }
    for (const state of ['connected', 'reconnecting', 'connecting', 'failed'] as const)
      if (states.includes(state)) return state;
    return 'ended';
  }

  /** Who hung up the call of a room of two, while it is `ended`. */
  get endedBy(): 'me' | 'peer' | null {
    return this.peers.find((peer) => peer.endedBy)?.endedBy ?? null;
  }

  /** Whether any chat channel is open. */
  get chatOpen(): boolean {
    return this.peers.some((peer) => peer.channelOpen);
  }

  /** Files to and from every member: those of links gone first. */
  get transfers(): ListedTransfer[] {
    const live = [...this.#peers.values()].flatMap((peer) => this.#filesOf(peer));
    return [...this.#retired.list, ...live];
  }

  /** Whether a file can go out now: a file channel is open and no file is going out. */
  get filesReady(): boolean {
    const peers = [...this.#peers.values()];
    return !peers.some((peer) => peer.files.sending) && peers.some((peer) => peer.files.ready);
  }

  get maxFileBytes(): number {
    return this.#options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  }

  /** Starts (or starts again, after a hang-up) the call with every member not linked. */
  start(): void {
    this.problem = '';
    if (!this.group) {
      if (this.#pairPresent) this.#open(PAIR_ID, this.polite);
    } else {
      const self = this.#signaling.socketId;
      for (const id of this.#others()) if (self !== null) this.#open(id, self < id);
    }
    this.#refresh();
  }

  /** Hangs up every link (the codelab's `bye` to each); the room stays. */
  hangUp(): void {
    for (const [id, peer] of this.#peers) {
      if (peer.closed) continue;
      this.#send(id, 'bye');
      peer.close('me');
    }
    this.#signaling.note('You hung up; the room stays open');
    this.#refresh();
  }

  /** Tries again a link that failed (all failed links without an id). */
  retry(id?: string): void {
    for (const [key, peer] of this.#peers) if (id === undefined || key === id) peer.retry();
  }

  sendChat(text: string): void {
    const line = text.trim().slice(0, CHAT_MAX_CHARS);
    if (!line) return;
    let sent = false;
    for (const peer of this.#peers.values()) sent = peer.sendChat(line) || sent;
    if (sent) this.#addChat('me', line);
  }

  /** Sends `file` to every member whose file channel is open, each over its own link. */
  sendFile(file: File): void {
    if (!this.filesReady) return;
    for (const peer of this.#peers.values()) if (peer.files.ready) void peer.files.send(file);
  }

  /** Stops transfer `id` to or from member `peerId`; the other side is told. */
  cancelFile(peerId: string, id: string): void {
    this.#peers.get(peerId)?.files.cancel(id);
  }

  startMedia(): Promise<void> {
    return this.media.start(this.group);
  }

  /** Sends the tracks opened before the call (the join screen's preview), as they are. */
  adoptMedia(stream: MediaStream | null): void {
    this.media.adopt(stream, this.group);
  }

  #onSignaling(event: SignalingEvent): void {
    const pair = !this.group;
    switch (event.type) {
      case 'seat':
        this.#closeAll();
        this.#inbox.forget();
        this.problem = '';
        this.polite = event.seat === 'joined';
        this.#pairPresent = false;
        this.#seatedAt = performance.now();
        this.allOpenMs = null;
        this.#joinedAt = event.seat === 'joined' ? performance.now() : null;
        break;
      case 'join':
        this.#joinedAt = performance.now();
        break;
      case 'names':
        for (const [id, peer] of this.#peers) peer.rename(this.#nameOf(id));
        this.#refresh();
        break;
      case 'ready':
        // Room of two: both members are (again) here; whatever link existed belongs to a
        // session that is gone. The first member offers; the second waits for that offer.
        if (!pair) return;
        this.#pairPresent = true;
        this.#closeAll();
        this.problem = '';
        if (!this.polite) this.#open(PAIR_ID, false);
        break;
      case 'message':
        if (pair) this.#onPayload(PAIR_ID, event.payload);
        return;
      case 'members':
        this.#follow(event.ids);
        this.#inbox.named(event.ids);
        break;
      case 'signal':
        this.#inbox.receive(event.from, event.data, this.#signaling.memberIds);
        return;
      case 'peer-left': {
        const id = event.id ?? PAIR_ID;
        this.#inbox.forget(id);
        this.#departed(id);
        if (event.id === null) {
          // The one who stays is the room's first member again: it offers on the next `ready`.
          this.polite = false;
          this.#pairPresent = false;
        }
        break;
      }
      case 'peer-reconnecting':
      case 'peer-reconnected':
        for (const peer of this.#peers.values())
          peer.noteEvent(
            event.type === 'peer-reconnected'
              ? 'peer:reconnected'
              : "peer:reconnecting (the other's seat is held)",
          );
        return;
      case 'ice-servers':
        for (const peer of this.#peers.values()) peer.useIceServers(event.servers);
        return;
      case 'left':
        this.#closeAll('left');
        this.#inbox.forget();
        this.#retired.forget();
        this.#pairPresent = false;
        this.#seatedAt = null;
        this.problem = '';
        break;
    }
    this.#refresh();
  }

  /** A description, candidate or `bye` from member `from` (PAIR_ID in a room of two). */
  #onPayload(from: string, data: SignalingPayload): void {
    let peer = this.#peers.get(from);
    if (data === 'bye') {
      if (peer && !peer.closed) {
        peer.close('peer');
        this.#signaling.note('The other member hung up; the room stays open');
        this.#refresh();
      }
      return;
    }
    if (!peer || peer.closed) {
      // Only an offer starts a link (a new pair, or a call started again); stray candidates
      // and answers of a closed one do not.
      if (!isDescription(data) || data.type !== 'offer') return;
      const self = this.#signaling.socketId;
      if (from !== PAIR_ID && self === null) return;
      peer = this.#open(from, from === PAIR_ID ? this.polite : (self ?? '') < from);
      this.#refresh();
    }
    peer.receive(data);
  }

  /** Group: opens the links this side starts, closes those of members no longer listed. */
  #follow(ids: readonly string[]): void {
    const self = this.#signaling.socketId;
    if (self === null) return;
    for (const id of this.#peers.keys()) if (!ids.includes(id)) this.#departed(id);
    // The polite side (smaller id) starts; the impolite one answers its offer.
    for (const id of ids) if (id > self && !this.#peers.has(id)) this.#open(id, true);
  }

  #open(id: string, polite: boolean): Peer {
    this.#retire(id);
    const { name, displayName } = this.#nameOf(id);
    const since = id === PAIR_ID ? (this.#joinedAt ?? performance.now()) : performance.now();
    const peer = new Peer(
      {
        id,
        name,
        displayName,
        polite,
        since,
        iceServers: this.#signaling.iceServers,
        relay: this.relay,
        statsEveryMs: this.group ? 2000 : 1000,
        maxFileBytes: this.#options.maxFileBytes,
        limits: this.#options.limits,
      },
      {
        send: (payload) => this.#send(id, payload),
        changed: () => this.#refresh(),
        chat: (text) => {
          const said = this.#nameOf(id);
          this.#addChat('peer', text.slice(0, CHAT_MAX_CHARS), said.displayName ?? said.name);
        },
        note: (text, level) => this.#signaling.note(text, level),
        freshIceServers: () => this.#signaling.freshIceServers(),
        outgoing: () => this.media.outgoing(),
        announced: () => this.media.announced(),
        reportOutcome: (report) => this.#signaling.reportOutcome(report),
      },
    );
    this.#peers.set(id, peer);
    return peer;
  }

  /** The name member `id` goes by: its display name, else `Them` (a room of two) or its id's start. */
  #nameOf(id: string): { name: string; displayName: string | undefined } {
    const displayName =
      id === PAIR_ID ? this.#signaling.otherName() : this.#signaling.memberName(id);
    return { name: displayName ?? (id === PAIR_ID ? 'Them' : shortName(id)), displayName };
  }

  #send(id: string, payload: SignalingPayload): void {
    if (id === PAIR_ID) this.#signaling.send(payload);
    else this.#signaling.signal(id, payload);
  }

  /** Member `id` is gone: its link closes (saying why if it never connected). */
  #departed(id: string): void {
    const peer = this.#peers.get(id);
    if (!peer) return;
    const { state, name } = peer.view;
    if (state === 'connecting' || state === 'failed' || state === 'reconnecting') {
      this.problem = explainFailure({
        turnOffered: false,
        relayGathered: false,
        peerLeft: true,
        who: id === PAIR_ID ? undefined : name,
      });
    }
    this.#retire(id, 'peer-left');
    if (id !== PAIR_ID) this.#signaling.note(`Closed the link with ${name}`);
  }

  #closeAll(ended: CallEnding = 'replaced'): void {
    for (const id of [...this.#peers.keys()]) this.#retire(id, ended);
  }

  /** Closes and forgets the peer `id`, keeping its transfers on screen. */
  #retire(id: string, ended: CallEnding = 'replaced'): void {
    const peer = this.#peers.get(id);
    if (!peer) return;
    peer.close('closed', ended);
    this.#peers.delete(id);
    this.#retired.keep(this.#filesOf(peer));
  }

  #filesOf(peer: Peer): ListedTransfer[] {
    const peerName = peer.id === PAIR_ID ? '' : peer.view.name;
    return peer.files.transfers.map((transfer) => ({ ...transfer, peerId: peer.id, peerName }));
  }

  /** The other members of a group, in seating order. */
  #others(): string[] {
    const self = this.#signaling.socketId;
    return this.#signaling.memberIds.filter((id) => id !== self);
  }

  #mediaChanged(): void {
    for (const peer of this.#peers.values()) peer.syncMedia();
    this.#update();
  }

  /** Rebuilds the peers list (seating order) and measures the call once every link is open. */
  #refresh(): void {
    this.media.fit(this.group);
    const order = this.group ? this.#others() : [PAIR_ID];
    const listed = order.flatMap((id) => this.#peers.get(id)?.view ?? []);
    const unlisted = [...this.#peers.values()].filter((p) => !order.includes(p.id));
    this.peers = [...listed, ...unlisted.map((p) => p.view)];
    if (this.peers.some((peer) => peer.channelOpen)) this.problem = '';
    const whole =
      this.peers.length > 0 &&
      this.peers.length >= order.length &&
      this.peers.every((peer) => peer.channelOpen);
    if (whole && this.#seatedAt !== null && this.allOpenMs === null && this.group) {
      this.allOpenMs = Math.round(performance.now() - this.#seatedAt);
      this.#signaling.note(
        `All ${this.peers.length} links open ${this.allOpenMs} ms after joining`,
      );
    }
    this.#update();
  }

  #addChat(from: ChatEntry['from'], text: string, name?: string): void {
    const entry: ChatEntry = { id: this.#nextId++, from, text, time: new Date(), name };
    this.chat = [...this.chat.slice(1 - CHAT_LIMIT), entry];
    this.#update();
  }

  #update(): void {
    this.#host.requestUpdate();
  }
}
