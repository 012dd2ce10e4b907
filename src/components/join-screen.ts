import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import {
  Activity,
  CircleAlert,
  Lock,
  Mic,
  MicOff,
  UserRound,
  Users,
  Video,
  VideoOff,
} from 'lucide';
import type { ErrorCode } from '../../server/protocol/index.ts';
import { refusalWords } from '../../server/protocol/refusals.ts';
import { presenceText } from '../lobby/presence.ts';
import {
  type PreviewMedia as Preview,
  PreviewMedia,
  type PreviewResult,
} from '../lobby/preview.ts';
import { checkName, initials, loadProfile, saveProfile } from '../lobby/profile.ts';
import type { Peek, PeekAnswer } from '../lobby/room-peek.ts';
import { pathForRoom } from '../room-path.ts';
import { icon } from './icon.ts';
import { joinScreenStyles } from './join-screen-styles.ts';
import { controlStyles, tokenStyles } from './tokens.ts';

/** What `lobby-join` carries: who joins, with which PIN, and the media chosen on the screen. */
export interface LobbyJoinDetail extends PreviewResult {
  /** The display name, checked by the protocol's rule. */
  name: string;
  /** The PIN typed: it locks an empty room, or opens a locked one. */
  pin?: string;
}

/** Why the last join failed, as the host learnt it from the server. */
export interface LobbyRefusal {
  code: ErrorCode;
  /** The refused join gave a PIN (so a locked room means a wrong PIN). */
  pinTried: boolean;
}

/** How often the screen looks at the room again while it is shown (a join bucket token each). */
const PEEK_EVERY_MS = 5000;

/**
 * The join screen of a room: who is there (or that it is empty, full or locked), a name
 * remembered on this device, a camera and microphone preview with pickers and toggles, a PIN
 * where it means something, and Join, whose click is the gesture that lets the call play
 * sound. Fires `lobby-join` ({@link LobbyJoinDetail}); the host answers by taking the call
 * over, or by setting `refusal` (and clearing `joining`).
 */
@customElement('join-screen')
export class JoinScreen extends LitElement {
  static override styles = [tokenStyles, controlStyles, joinScreenStyles];

  /** The room this screen joins. */
  @property() room = '';
  /** How to look at the room before joining; without it the screen shows no presence. */
  @property({ attribute: false }) peek: Peek | undefined;
  /** The last join's refusal, set by the host; cleared when the person edits the form. */
  @property({ attribute: false }) refusal: LobbyRefusal | null = null;
  /** Set by the host while its join is in flight. */
  @property({ type: Boolean }) joining = false;

  @state() private name = loadProfile().name;
  @state() private pin = '';
  @state() private lockIt = false;
  @state() private nameProblem = '';
  @state() private answer: PeekAnswer | null = null;

  readonly #preview: Preview;
  #peeking: ReturnType<typeof setInterval> | undefined;

  constructor() {
    super();
    const { audioDeviceId, videoDeviceId } = loadProfile();
    this.#preview = new PreviewMedia(this, { audio: audioDeviceId, video: videoDeviceId });
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#peeking = setInterval(() => {
      if (!document.hidden && !this.joining) void this.#look();
    }, PEEK_EVERY_MS);
  }

  override disconnectedCallback(): void {
    clearInterval(this.#peeking);
    super.disconnectedCallback();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('room') || changed.has('peek')) void this.#look();
    // A failed join: look again, the room may have changed (filled, locked, emptied).
    if (changed.has('refusal') && this.refusal) void this.#look();
  }

  /** The room as the server last described it, or null before it answered (or without peek). */
  get #room() {
    return this.answer?.ok ? this.answer.peek : null;
  }

  get #locked(): boolean {
    return this.#room?.locked === true || this.refusal?.code === 'room-locked';
  }

  get #full(): boolean {
    const room = this.#room;
    return room !== null && !room.locked && room.members >= room.capacity;
  }

  get #first(): boolean {
    const room = this.#room;
    return room !== null && !room.locked && room.members === 0;
  }

  async #look(): Promise<void> {
    if (!this.peek || !this.room) return;
    const room = this.room;
    const answer = await this.peek(room);
    if (room === this.room) this.answer = answer;
  }

  override render() {
    const preview = this.#preview;
    return html`
      <header class="brand">${icon(Video)} WebRTC rooms</header>
      <main class="lobby">
        <section class="stage" aria-label="Your camera and microphone">
          ${this.#renderPreview(preview)} ${this.#renderPickers(preview)}
        </section>
        <section class="panel" aria-labelledby="title">
          <div>
            <h1 id="title">Ready to join?</h1>
            <p class="room">Room <strong>${this.room}</strong></p>
          </div>
          ${this.#renderPresence()} ${this.#renderForm()}
          <a class="check" href=${`${pathForRoom(this.room)}?check`}>
            ${icon(Activity)} Test your network
          </a>
        </section>
      </main>
    `;
  }

  #renderPreview(preview: Preview) {
    const showVideo = preview.videoOn && preview.stream?.getVideoTracks().length;
    const face = initials(this.name);
    return html`<div class="preview">
      <video
        aria-label="Your camera preview"
        .srcObject=${preview.stream}
        ?hidden=${!showVideo}
        autoplay
        muted
        playsinline
      ></video>
      ${
        showVideo
          ? nothing
          : html`<div class="placeholder">
            <div class="avatar" aria-hidden="true">${face || icon(UserRound)}</div>
            <p>${preview.problem || (preview.videoOn ? 'Starting camera…' : 'Your camera is off')}</p>
          </div>`
      }
      <span class="me">${this.name.trim() || 'You'}</span>
      <div class="toggles">
        <button
          class="round"
          aria-label="Microphone"
          title=${preview.audioOn ? 'Turn off microphone' : 'Turn on microphone'}
          aria-pressed=${preview.audioOn ? 'true' : 'false'}
          @click=${() => preview.setAudio(!preview.audioOn)}
        >
          ${icon(preview.audioOn ? Mic : MicOff)}
        </button>
        <button
          class="round"
          aria-label="Camera"
          title=${preview.videoOn ? 'Turn off camera' : 'Turn on camera'}
          aria-pressed=${preview.videoOn ? 'true' : 'false'}
          @click=${() => preview.setVideo(!preview.videoOn)}
        >
          ${icon(preview.videoOn ? Video : VideoOff)}
        </button>
      </div>
    </div>`;
  }

  #renderPickers(preview: Preview) {
    const picker = (
      label: string,
      kind: 'audio' | 'video',
      glyph: typeof Mic,
      choices: typeof preview.cameras,
      chosen: string | null,
    ) => html`<label class="picker">
      ${icon(glyph)}<span class="visually-hidden">${label}</span>
      <select
        ?disabled=${choices.length === 0}
        @change=${(event: Event) => preview.pick(kind, (event.target as HTMLSelectElement).value)}
      >
        ${
          choices.length === 0
            ? html`<option>No ${label.toLowerCase()} found</option>`
            : choices.map(
                (choice) =>
                  html`<option value=${choice.id} ?selected=${choice.id === chosen}>${choice.label}</option>`,
              )
        }
      </select>
    </label>`;
    return html`<div class="devices">
      ${picker('Microphone', 'audio', Mic, preview.microphones, preview.audioId)}
      ${picker('Camera', 'video', Video, preview.cameras, preview.videoId)}
    </div>`;
  }

  #renderPresence() {
    if (!this.peek) return nothing;
    const room = this.#room;
    if (this.answer === null)
      return html`<p class="presence" role="status">Checking who’s here…</p>`;
    if (room === null) return html`<p class="presence" role="status"></p>`;
    if (room.locked) {
      return html`<p class="presence locked" role="status">${icon(Lock)} This room is locked</p>`;
    }
    if (room.members === 0) {
      return html`<p class="presence" role="status">No one else is here yet</p>`;
    }
    const faces = room.names
      .slice(0, 3)
      .map((name) => html`<span class="face">${initials(name)}</span>`);
    const unnamed = room.members - room.names.length;
    return html`<p class="presence ${this.#full ? 'full' : ''}" role="status">
      ${faces.length > 0 ? html`<span class="faces" aria-hidden="true">${faces}</span>` : icon(Users)}
      <span>${presenceText(room.names, unnamed)}${this.#full ? ` · the room is full (${room.capacity} of ${room.capacity})` : ''}</span>
    </p>`;
  }

  #renderForm() {
    const words = this.refusal
      ? refusalWords(this.refusal.code, {
          pinTried: this.refusal.pinTried,
          capacity: this.#room?.capacity,
        })
      : null;
    const wrongPin = this.refusal?.code === 'room-locked' && this.refusal.pinTried;
    return html`<form novalidate @submit=${this.#submit}>
      <div class="field">
        <label for="name">Your name</label>
        <input
          id="name"
          type="text"
          name="name"
          autocomplete="name"
          maxlength="80"
          placeholder="How others will see you"
          .value=${this.name}
          aria-invalid=${this.nameProblem ? 'true' : 'false'}
          aria-describedby="name-problem"
          @input=${(event: Event) => {
            this.name = (event.target as HTMLInputElement).value;
            this.nameProblem = '';
          }}
        />
        <p class="error" id="name-problem">${this.nameProblem}</p>
      </div>
      ${this.#renderPin(wrongPin)}
      ${
        words && !(this.refusal?.code === 'room-locked' && !this.refusal.pinTried)
          ? html`<div class="alert" role="alert">
            ${icon(CircleAlert)}
            <p><strong>${words.title}</strong>${words.detail}</p>
          </div>`
          : nothing
      }
      <button class="primary" type="submit" ?disabled=${this.joining || this.#full}>
        ${this.joining ? 'Joining…' : this.#full ? 'Room is full' : 'Join now'}
      </button>
    </form>`;
  }

  #renderPin(wrongPin: boolean) {
    const pinInput = (label: string, hint: string) => html`<div class="field">
      <label for="pin">${label}</label>
      <input
        id="pin"
        type="password"
        name="pin"
        autocomplete="off"
        .value=${this.pin}
        aria-invalid=${wrongPin ? 'true' : 'false'}
        aria-describedby="pin-hint"
        @input=${(event: Event) => {
          this.pin = (event.target as HTMLInputElement).value;
        }}
      />
      <p class="hint" id="pin-hint">${hint}</p>
    </div>`;
    if (this.#locked) {
      const { detail } = refusalWords('room-locked');
      return pinInput('Room PIN', `${detail} Ask the person who locked the room for it.`);
    }
    if (!this.#first) return nothing;
    return html`<label class="switch">
        <input
          type="checkbox"
          .checked=${this.lockIt}
          @change=${(event: Event) => {
            this.lockIt = (event.target as HTMLInputElement).checked;
          }}
        />
        Lock the room with a PIN
      </label>
      ${this.lockIt ? pinInput('Choose a PIN', 'At least 4 characters. Share it with those you invite.') : nothing}`;
  }

  #submit = (event: Event) => {
    event.preventDefault();
    const checked = checkName(this.name);
    if (!checked.ok) {
      this.nameProblem =
        this.name.trim() === '' ? 'Type your name so others know who you are' : checked.reason;
      return;
    }
    const usePin = this.#locked || (this.#first && this.lockIt);
    const pin = usePin ? this.pin : '';
    if (usePin && pin.length < 4) {
      this.refusal = { code: 'invalid-pin', pinTried: true };
      return;
    }
    const media = this.#preview.handOver();
    saveProfile({
      name: checked.name,
      ...(media.audio.deviceId && { audioDeviceId: media.audio.deviceId }),
      ...(media.video.deviceId && { videoDeviceId: media.video.deviceId }),
    });
    this.refusal = null;
    const detail: LobbyJoinDetail = { name: checked.name, ...(pin && { pin }), ...media };
    this.dispatchEvent(new CustomEvent('lobby-join', { detail, bubbles: true, composed: true }));
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'join-screen': JoinScreen;
  }
  interface HTMLElementEventMap {
    'lobby-join': CustomEvent<LobbyJoinDetail>;
  }
}
