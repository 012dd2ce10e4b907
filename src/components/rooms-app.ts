import { css, html, LitElement, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { RoomCall } from '../call/room-call.ts';
import { pathForRoom, roomFromPath } from '../room-path.ts';
import { type ConnectionState, SignalingController } from '../signaling-controller.ts';
import type { CallRetryDetail } from './call-panel.ts';
import type { ChatSendDetail } from './chat-panel.ts';
import type { FileCancelDetail, FileSendDetail } from './file-panel.ts';
import type { RoomJoinDetail } from './join-form.ts';
import './call-panel.ts';
import './chat-panel.ts';
import './connection-panel.ts';
import './file-panel.ts';
import './join-form.ts';
import './lan-links.ts';
import './log-panel.ts';
import './room-status.ts';

const CONNECTION_TEXT: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  disconnected: 'Disconnected',
};

/**
 * The app: the room from the URL path (`/foo` joins `foo`), a form to pick one, the room's
 * state, links for other devices, and the log. The URL follows the room, so it can be shared.
 */
@customElement('rooms-app')
export class RoomsApp extends LitElement {
  static override styles = css`
    :host {
      display: block;
      max-width: 60rem;
      margin: 0 auto;
      padding: 1rem;
    }
    header {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      justify-content: space-between;
      gap: 0.5rem;
      margin-bottom: 1rem;
    }
    h1 {
      margin: 0;
      font-size: 1.5rem;
    }
    .connection {
      padding: 0.2rem 0.7rem;
      border-radius: 999px;
      background: #e8eaed;
      font-size: 0.9rem;
    }
    .connection[data-state='connected'] {
      background: #e6f4ea;
      color: #137333;
    }
    .connection[data-state='reconnecting'],
    .connection[data-state='disconnected'] {
      background: #fdecea;
      color: #b3261e;
    }
    main {
      display: grid;
      grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);
      gap: 1rem;
    }
    .card {
      padding: 1rem;
      border: 1px solid var(--border, #c5cad3);
      border-radius: 8px;
      background: white;
      display: grid;
      gap: 1rem;
      align-content: start;
    }
    .card p {
      margin: 0;
    }
    log-panel,
    .wide {
      grid-column: 1 / -1;
    }
    @media (max-width: 40rem) {
      :host {
        padding: 0.5rem;
      }
      main {
        grid-template-columns: minmax(0, 1fr);
      }
    }
  `;

  readonly #signaling = new SignalingController(this);
  // `?relay=1` forces the call through TURN, to check a TURN setup from the browser.
  readonly #call = new RoomCall(this, this.#signaling, {
    relay: new URLSearchParams(location.search).get('relay') === '1',
  });
  /** Why the room in the address bar could not be joined. */
  @state() private pathError = '';

  override connectedCallback() {
    super.connectedCallback();
    window.addEventListener('popstate', this.#followPath);
    this.#followPath();
  }

  override disconnectedCallback() {
    window.removeEventListener('popstate', this.#followPath);
    super.disconnectedCallback();
  }

  override render() {
    const s = this.#signaling;
    const seated = s.seat === 'created' || s.seat === 'joined';
    return html`
      <header>
        <h1>WebRTC rooms</h1>
        <span class="connection" data-state=${s.connection} role="status" aria-label="connection">
          ${CONNECTION_TEXT[s.connection]}
        </span>
      </header>
      <main>
        ${this.#renderRoom()}
        <div class="card">
          <p>${invitation(s.capacity)}</p>
          <lan-links .addresses=${s.addresses} .room=${s.room ?? ''}></lan-links>
        </div>
        ${seated ? this.#renderCall() : nothing}
        <log-panel .entries=${s.logs} @log-clear=${() => s.clearLog()}></log-panel>
      </main>
    `;
  }

  /** The room's state, and the form while a room is to be chosen (or its PIN given). */
  #renderRoom() {
    const s = this.#signaling;
    // A locked room refused this tab: the form comes back for the PIN.
    const locked = s.seat === 'idle' && s.error?.code === 'room-locked';
    const choosing = s.room === null || s.seat === 'full' || locked;
    const refusal = s.error?.event === 'create or join' ? s.error.message : '';
    return html`<div class="card">
      ${
        s.room === null
          ? nothing
          : html`<room-status
              .room=${s.room}
              .seat=${s.seat}
              .members=${s.members}
              .capacity=${s.capacity}
              .peerLeft=${s.peerLeft}
              .peerReconnecting=${s.peerReconnecting}
              @room-leave=${this.#leave}
            ></room-status>`
      }
      ${
        choosing
          ? html`<join-form
              .value=${s.seat === 'full' ? '' : (s.room ?? '')}
              .error=${this.pathError || refusal}
              @room-join=${this.#join}
            ></join-form>`
          : nothing
      }
    </div>`;
  }

  /** The call (one remote member or several), its chat and files, and how its links are doing. */
  #renderCall() {
    const c = this.#call;
    const m = c.media;
    return html`<div class="card wide">
        <call-panel
          .state=${c.state}
          .endedBy=${c.endedBy}
          ?group=${c.group}
          .capacity=${this.#signaling.capacity}
          .peers=${c.peers}
          .problem=${c.problem}
          .localStream=${m.stream}
          .screenStream=${m.screen}
          .micMuted=${m.micMuted}
          .cameraOff=${m.cameraOff}
          .mediaStarting=${m.starting}
          .mediaError=${m.error}
          .allOpenMs=${c.allOpenMs}
          @call-start=${() => c.start()}
          @call-hang-up=${() => c.hangUp()}
          @call-retry=${(event: CustomEvent<CallRetryDetail>) => c.retry(event.detail.id)}
          @media-start=${() => void c.startMedia()}
          @media-stop=${() => m.stop()}
          @mic-toggle=${() => m.toggleMic()}
          @camera-toggle=${() => m.toggleCamera()}
          @screen-start=${() => void m.startScreen()}
          @screen-stop=${() => m.stopScreen()}
        ></call-panel>
      </div>
      <div class="card">
        <chat-panel
          .entries=${c.chat}
          .open=${c.chatOpen}
          @chat-send=${(event: CustomEvent<ChatSendDetail>) => c.sendChat(event.detail.text)}
        ></chat-panel>
        <file-panel
          ?group=${c.group}
          .transfers=${c.transfers}
          .ready=${c.filesReady}
          .maxBytes=${c.maxFileBytes}
          @file-send=${(event: CustomEvent<FileSendDetail>) => c.sendFile(event.detail.file)}
          @file-cancel=${(event: CustomEvent<FileCancelDetail>) =>
            c.cancelFile(event.detail.peerId ?? '', event.detail.id)}
        ></file-panel>
      </div>
      <div class="card">
        <connection-panel .peers=${c.peers} .relay=${c.relay}></connection-panel>
      </div>`;
  }

  #join = (event: CustomEvent<RoomJoinDetail>) => {
    const { room, pin } = event.detail;
    this.pathError = '';
    if (location.pathname !== pathForRoom(room)) history.pushState(null, '', pathForRoom(room));
    this.#signaling.join(room, pin);
  };

  #leave = () => {
    this.#signaling.leave();
    history.pushState(null, '', '/');
  };

  #followPath = () => {
    const target = roomFromPath(location.pathname);
    this.pathError = '';
    if (target.kind === 'room') {
      if (target.room !== this.#signaling.room) this.#signaling.join(target.room);
      return;
    }
    this.#signaling.leave();
    if (target.kind === 'invalid') this.pathError = `This address is no room: ${target.reason}.`;
  };
}

/** How to bring others in, and how many the room holds: two, or a group call's capacity. */
function invitation(capacity: number): string {
  if (capacity <= 2) {
    return "Open this room's link in a second tab or on another device: the two tabs meet in the room. A third is told the room is full.";
  }
  return `Open this room's link in other tabs or on other devices: up to ${capacity} members meet in the room, each connected to every other. One more is told the room is full.`;
}

declare global {
  interface HTMLElementTagNameMap {
    'rooms-app': RoomsApp;
  }
}
