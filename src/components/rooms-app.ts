import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { Video } from 'lucide';
import { RoomCall } from '../call/room-call.ts';
import { ownPeek } from '../lobby/room-peek.ts';
import { pathForRoom, roomFromPath } from '../room-path.ts';
import { type ConnectionState, SignalingController } from '../signaling-controller.ts';
import { type CallRetryDetail, callStatus } from './call-panel.ts';
import type { ChatSendDetail } from './chat-panel.ts';
import type { PanelView } from './control-bar.ts';
import type { FileCancelDetail, FileSendDetail } from './file-panel.ts';
import { icon } from './icon.ts';
import type { RoomJoinDetail } from './join-form.ts';
import type { LobbyJoinDetail, LobbyRefusal } from './join-screen.ts';
import { roomsAppStyles } from './rooms-app-styles.ts';
import { tokenStyles } from './tokens.ts';
import './call-panel.ts';
import './call-stage.ts';
import './chat-panel.ts';
import './connection-panel.ts';
import './control-bar.ts';
import './file-panel.ts';
import './join-form.ts';
import './join-screen.ts';
import './lan-links.ts';
import './log-panel.ts';
import './room-status.ts';
import './side-panel.ts';

const CONNECTION_TEXT: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  disconnected: 'Disconnected',
};

// Declared before the element: <rooms-app> in the page is upgraded as this module defines it.
/** sessionStorage key: this tab was opened with `?join`, so its rooms skip the join screen. */
const SKIP_KEY = 'webrtc-rooms:skip-join-screen';

/** This tab skips join screens (opened with `?join`): a reload of a room it moved to, too. */
function skipsInThisTab(): boolean {
  try {
    return sessionStorage.getItem(SKIP_KEY) === '1';
  } catch {
    return false;
  }
}

function rememberSkip(): void {
  try {
    sessionStorage.setItem(SKIP_KEY, '1');
  } catch {
    // Storage may be off (private modes): a reload then shows the join screen.
  }
}

/** Wide enough for the side panel beside the stage: it starts open there. */
const WIDE = '(min-width: 48rem)';

/**
 * The app. A room's URL (`/foo`) shows the join screen first: a name, a preview, the devices;
 * its Join takes the seat and hands the preview's tracks to the call. The call fills the window:
 * the stage of tiles, the control bar, and the side panel (chat, files, and the signaling story:
 * the room, the log, the timeline, the connection). `?join` skips the join screen (embedding,
 * tests): the seat is asked for at once, with `?name=` as the display name if given, and the
 * camera starts from the control bar; the tab remembers it (sessionStorage), so the rooms it
 * moves to and its reloads skip it too. `/` picks a room.
 */
@customElement('rooms-app')
export class RoomsApp extends LitElement {
  static override styles = [tokenStyles, roomsAppStyles];

  readonly #signaling = new SignalingController(this);
  // `?relay=1` forces the call through TURN, to check a TURN setup from the browser.
  readonly #call = new RoomCall(this, this.#signaling, {
    relay: new URLSearchParams(location.search).get('relay') === '1',
  });
  /** `?join` or `?name=`: no join screen on this page. */
  readonly #skipLobby: boolean;
  readonly #nameParam: string | undefined;
  #peek: ReturnType<typeof ownPeek> | null = null;
  /** The room whose join screen shows, or null. */
  @state() private lobby: string | null = null;
  /** The join screen's Join, while its seat is asked for. */
  @state() private pending: LobbyJoinDetail | null = null;
  @state() private refusal: LobbyRefusal | null = null;
  readonly #wide = matchMedia(WIDE);
  @state() private panel: PanelView | null = this.#wide.matches ? 'chat' : null;
  /** Why the room in the address bar could not be joined. */
  @state() private pathError = '';

  constructor() {
    super();
    const params = new URLSearchParams(location.search);
    this.#nameParam = params.get('name')?.trim() || undefined;
    this.#skipLobby = params.has('join') || this.#nameParam !== undefined || skipsInThisTab();
    if (this.#skipLobby) rememberSkip();
  }

  override connectedCallback() {
    super.connectedCallback();
    window.addEventListener('popstate', this.#followPath);
    this.#wide.addEventListener('change', this.#onWidth);
    this.#followPath();
  }

  /** The window got wide enough for the panel beside the stage (it opens), or too narrow. */
  readonly #onWidth = () => {
    this.panel = this.#wide.matches ? (this.panel ?? 'chat') : null;
  };

  override disconnectedCallback() {
    window.removeEventListener('popstate', this.#followPath);
    this.#wide.removeEventListener('change', this.#onWidth);
    this.#closePeek();
    super.disconnectedCallback();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    const s = this.#signaling;
    const seated = s.seat === 'created' || s.seat === 'joined';
    this.toggleAttribute('in-call', seated && this.lobby === null);
    const pending = this.pending;
    if (!pending || this.lobby === null) return;
    if (seated) {
      // The seat is ours: the call takes the preview's tracks as they are.
      this.#call.adoptMedia(pending.stream);
      this.pending = null;
      this.refusal = null;
      this.lobby = null;
      this.#closePeek();
    } else if (s.seat === 'full') {
      this.pending = null;
      this.refusal = { code: 'room-full', pinTried: pending.pin !== undefined };
    } else if (s.seat === 'idle' && s.error?.event === 'create or join') {
      this.pending = null;
      this.refusal = { code: s.error.code, pinTried: pending.pin !== undefined };
    }
  }

  override render() {
    if (this.lobby !== null) {
      return html`<join-screen
        .room=${this.lobby}
        .peek=${this.#peek ?? undefined}
        .refusal=${this.refusal}
        ?joining=${this.pending !== null}
        @lobby-join=${this.#lobbyJoin}
      ></join-screen>`;
    }
    const s = this.#signaling;
    const seated = s.seat === 'created' || s.seat === 'joined';
    return seated ? this.#renderCall() : this.#renderHome();
  }

  #server() {
    const s = this.#signaling;
    return html`<div class="server">
      <span class="what">Signaling server</span>
      <span
        class="connection"
        data-state=${s.connection}
        role="status"
        aria-label="connection"
        title="The connection to the signaling server"
      >${CONNECTION_TEXT[s.connection]}</span>
    </div>`;
  }

  /** Without a seat: pick a room, or learn why the one asked for is not open to this tab. */
  #renderHome() {
    const s = this.#signaling;
    const locked = s.seat === 'idle' && s.error?.code === 'room-locked';
    const choosing = s.room === null || s.seat === 'full' || locked;
    const refusal = s.error?.event === 'create or join' ? s.error.message : '';
    return html`<div class="home">
      <header>
        <h1 class="brand">${icon(Video)} WebRTC rooms</h1>
        ${this.#server()}
      </header>
      <div class="card">
        ${s.room === null ? nothing : this.#roomStatus()}
        ${
          choosing
            ? html`<join-form
                .value=${s.seat === 'full' ? '' : (s.room ?? '')}
                .error=${this.pathError || refusal}
                @room-join=${this.#join}
              ></join-form>`
            : nothing
        }
        <p>${invitation(s.capacity)}</p>
      </div>
      <log-panel .entries=${s.logs} @log-clear=${() => s.clearLog()}></log-panel>
    </div>`;
  }

  #roomStatus() {
    const s = this.#signaling;
    return html`<room-status
      .room=${s.room ?? ''}
      .seat=${s.seat}
      .members=${s.members}
      .capacity=${s.capacity}
      .peerLeft=${s.peerLeft}
      .peerReconnecting=${s.peerReconnecting}
      @room-leave=${this.#leave}
    ></room-status>`;
  }

  /** The call: header, stage, side panel and control bar. */
  #renderCall() {
    const s = this.#signaling;
    const c = this.#call;
    const m = c.media;
    const me = s.socketId ? s.memberName(s.socketId) : undefined;
    const name = me ?? this.#nameParam ?? '';
    const hasMic = !!m.stream?.getAudioTracks().length;
    const hasCamera = !!m.stream?.getVideoTracks().length;
    return html`<div class="call">
      <header>
        <div class="title">
          <h1>${s.room}</h1>
          <span class="status" role="status" aria-label="call status">${callStatus({ state: c.state, endedBy: c.endedBy, group: c.group, peers: c.peers, capacity: s.capacity })}</span>
        </div>
        ${this.#server()}
      </header>
      <div class="main">
        <call-stage
          .peers=${c.peers}
          .self=${{ name, stream: m.stream, screen: m.screen, micMuted: m.micMuted, cameraOff: m.cameraOff }}
        ></call-stage>
        <side-panel
          ?hidden=${this.panel === null}
          .view=${this.panel ?? 'chat'}
          @panel-close=${() => {
            this.panel = null;
          }}
          @panel-view=${(event: CustomEvent<PanelView>) => {
            this.panel = event.detail;
          }}
        >
          <chat-panel
            data-view="chat"
            .entries=${c.chat}
            .open=${c.chatOpen}
            @chat-send=${(event: CustomEvent<ChatSendDetail>) => c.sendChat(event.detail.text)}
          ></chat-panel>
          <file-panel
            data-view="files"
            ?group=${c.group}
            .transfers=${c.transfers}
            .ready=${c.filesReady}
            .maxBytes=${c.maxFileBytes}
            @file-send=${(event: CustomEvent<FileSendDetail>) => c.sendFile(event.detail.file)}
            @file-cancel=${(event: CustomEvent<FileCancelDetail>) =>
              c.cancelFile(event.detail.peerId ?? '', event.detail.id)}
          ></file-panel>
          <call-panel
            data-view="details"
            .state=${c.state}
            .peers=${c.peers}
            .me=${name}
            .problem=${c.problem}
            .allOpenMs=${c.allOpenMs}
            @call-start=${() => c.start()}
            @call-hang-up=${() => c.hangUp()}
            @call-retry=${(event: CustomEvent<CallRetryDetail>) => c.retry(event.detail.id)}
          ></call-panel>
          ${this.#roomStatus()}
          <div class="invite">
            <p>${invitation(s.capacity)}</p>
            <lan-links .addresses=${s.addresses} .room=${s.room ?? ''}></lan-links>
          </div>
          <log-panel data-view="log" .entries=${s.logs} @log-clear=${() => s.clearLog()}></log-panel>
          <connection-panel .peers=${c.peers} .relay=${c.relay}></connection-panel>
        </side-panel>
      </div>
      ${m.error ? html`<div class="alerts"><p class="alert" role="alert">${m.error}</p></div>` : nothing}
      <control-bar
        ?mic=${hasMic && !m.micMuted}
        ?camera=${hasCamera && !m.cameraOff}
        ?sharing=${!!m.screen}
        ?starting=${m.starting}
        .panel=${this.panel}
        @mic-toggle=${() => (m.stream ? m.toggleMic() : void c.startMedia())}
        @camera-toggle=${() => (m.stream ? m.toggleCamera() : void c.startMedia())}
        @screen-toggle=${() => (m.screen ? m.stopScreen() : void m.startScreen())}
        @panel-toggle=${this.#togglePanel}
        @call-leave=${this.#leave}
      ></control-bar>
    </div>`;
  }

  #togglePanel = (event: CustomEvent<PanelView>) => {
    const view = event.detail;
    this.panel = this.panel === view ? null : view;
    if (this.panel === null) return;
    void this.updateComplete.then(() => this.renderRoot.querySelector('side-panel')?.show(view));
  };

  #lobbyJoin = (event: CustomEvent<LobbyJoinDetail>) => {
    const room = this.lobby;
    if (room === null) return;
    this.pending = event.detail;
    this.refusal = null;
    this.#signaling.join(room, event.detail.pin, event.detail.name);
  };

  /** The room picker on `/`: the room's URL, and its join screen unless this page skips it. */
  #join = (event: CustomEvent<RoomJoinDetail>) => {
    const { room, pin } = event.detail;
    this.pathError = '';
    if (location.pathname !== pathForRoom(room)) history.pushState(null, '', pathForRoom(room));
    if (this.#skipLobby || pin !== undefined) this.#signaling.join(room, pin, this.#nameParam);
    else this.#showLobby(room);
  };

  #leave = () => {
    this.#signaling.leave();
    this.#call.media.close();
    history.pushState(null, '', '/');
  };

  #followPath = () => {
    const target = roomFromPath(location.pathname);
    this.pathError = '';
    if (target.kind === 'room') {
      if (target.room === this.#signaling.room) return;
      if (this.#skipLobby) this.#signaling.join(target.room, undefined, this.#nameParam);
      else this.#showLobby(target.room);
      return;
    }
    this.#signaling.leave();
    this.lobby = null;
    this.#closePeek();
    if (target.kind === 'invalid') this.pathError = `This address is no room: ${target.reason}.`;
  };

  #showLobby(room: string): void {
    this.#signaling.leave();
    this.#peek ??= ownPeek();
    this.refusal = null;
    this.pending = null;
    this.lobby = room;
  }

  #closePeek(): void {
    this.#peek?.close();
    this.#peek = null;
  }
}

/** How to bring others in, and how many the room holds: two, or a group call's capacity. */
function invitation(capacity: number): string {
  if (capacity <= 2) {
    return "Open this room's link in a second tab or on another device: the two of you meet in the room. A third person is told the room is full.";
  }
  return `Open this room's link in other tabs or on other devices: up to ${capacity} members meet in the room, each connected to every other. One more is told the room is full.`;
}

declare global {
  interface HTMLElementTagNameMap {
    'rooms-app': RoomsApp;
  }
}
