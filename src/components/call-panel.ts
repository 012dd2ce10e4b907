import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import type { CallState } from '../call-controller.ts';
import { buttonStyles, panelStyles } from './shared-styles.ts';
import './safety-code.ts';

const STATE_TEXT: Record<CallState, string> = {
  idle: 'No call: join a room first.',
  waiting: 'Waiting for another member to join the room.',
  connecting: 'Connecting the call…',
  connected: 'Call connected.',
  reconnecting: 'Call interrupted: looking for another network path…',
  ended: 'Call ended.',
  failed: 'Call failed.',
};

/** The names of the events {@link CallPanel} fires; none carries a detail. */
export type CallPanelEvent =
  | 'call-start'
  | 'call-hang-up'
  | 'media-start'
  | 'media-stop'
  | 'mic-toggle'
  | 'screen-start'
  | 'screen-stop';

/** The call: its state, Start call / Hang up, camera and microphone, local and remote video. */
@customElement('call-panel')
export class CallPanel extends LitElement {
  static override styles = [
    panelStyles,
    buttonStyles,
    css`
    .status {
      margin: 0 0 0.5rem;
      font-weight: 600;
    }
    .status[data-state='connected'] {
      color: #137333;
    }
    .status[data-state='ended'],
    .status[data-state='failed'] {
      color: var(--danger, #b3261e);
    }
    safety-code {
      margin: 0 0 0.5rem;
    }
    .problem {
      margin: 0 0 0.5rem;
      padding: 0.5rem 0.75rem;
      border-radius: 6px;
      background: var(--danger-bg, #fdecea);
      color: var(--danger, #b3261e);
    }
    .videos {
      display: grid;
      grid-template-columns: minmax(0, 2fr) minmax(0, 1fr);
      gap: 0.5rem;
      margin-bottom: 0.5rem;
    }
    figure {
      margin: 0;
      position: relative;
    }
    video {
      width: 100%;
      aspect-ratio: 4 / 3;
      background: #202124;
      border-radius: 6px;
      object-fit: cover;
    }
    figcaption {
      font-size: 0.85rem;
      color: var(--muted, #5f6673);
    }
    button.primary {
      background: var(--accent, #1a73e8);
      border-color: var(--accent, #1a73e8);
      color: white;
    }
    button.danger {
      background: var(--danger, #b3261e);
      border-color: var(--danger, #b3261e);
      color: white;
    }
    button:disabled {
      opacity: 0.6;
      cursor: not-allowed;
    }
  `,
  ];

  @property() state: CallState = 'idle';
  @property() endedBy: 'me' | 'peer' | null = null;
  @property() problem = '';
  @property({ attribute: false }) localStream: MediaStream | null = null;
  /** The screen this tab shares, shown as its own video while on. */
  @property({ attribute: false }) screenStream: MediaStream | null = null;
  @property({ attribute: false }) remoteStream: MediaStream | null = null;
  @property({ type: Boolean }) remoteVideo = false;
  @property({ type: Boolean }) micMuted = false;
  @property({ type: Boolean }) mediaStarting = false;
  @property() mediaError = '';
  /** The call's safety code (see CallController.safetyCode), shown while a call is on. */
  @property({ attribute: false }) safetyCode: string | null = null;
  /** The browser refused to play the remote stream without a click (autoplay policy). */
  @state() private needsPlay = false;
  @query('video.remote') private remoteElement!: HTMLVideoElement;

  override render() {
    const ended =
      this.state === 'ended' && this.endedBy
        ? this.endedBy === 'me'
          ? ' You hung up; the room stays open.'
          : ' The other member hung up; the room stays open.'
        : '';
    return html`
      <section aria-labelledby="call-title">
        <h2 id="call-title">Call</h2>
        <p class="status" data-state=${this.state} role="status" aria-label="call status">
          ${STATE_TEXT[this.state]}${ended}
        </p>
        ${this.problem ? html`<p class="problem" role="alert">${this.problem}</p>` : nothing}
        ${this.mediaError ? html`<p class="problem" role="alert">${this.mediaError}</p>` : nothing}
        ${this.#inCall() ? html`<safety-code hint .code=${this.safetyCode}></safety-code>` : nothing}
        <div class="videos">
          <figure>
            <video
              class="remote"
              aria-label="Remote video"
              autoplay
              playsinline
              .srcObject=${this.remoteStream}
            ></video>
            <figcaption>
              ${this.remoteVideo ? 'The other member' : 'No video from the other member'}
              ${
                this.needsPlay
                  ? html`<button type="button" @click=${this.#play}>Play remote video</button>`
                  : nothing
              }
            </figcaption>
          </figure>
          <figure>
            <video aria-label="My video" autoplay playsinline muted .srcObject=${this.screenStream ?? this.localStream}></video>
            <figcaption>${this.screenStream ? 'My screen' : this.localStream ? 'Me' : 'Camera off'}</figcaption>
          </figure>
        </div>
        ${this.#renderActions()}
      </section>
    `;
  }

  /** Start or hang up, the camera and microphone, and the screen share. */
  #renderActions() {
    const inCall = this.#inCall();
    const canStart = this.state === 'ended' || this.state === 'failed';
    return html`
      <div class="actions">
        ${canStart ? html`<button type="button" class="primary" @click=${() => this.#fire('call-start')}>Start call</button>` : nothing}
        ${inCall ? html`<button type="button" class="danger" @click=${() => this.#fire('call-hang-up')}>Hang up</button>` : nothing}
        ${
          this.localStream
            ? html`<button type="button" @click=${() => this.#fire('media-stop')}>Stop camera</button>
                <button type="button" aria-pressed=${this.micMuted ? 'true' : 'false'} @click=${() => this.#fire('mic-toggle')}>
                  ${this.micMuted ? 'Unmute' : 'Mute'}
                </button>`
            : html`<button type="button" ?disabled=${this.mediaStarting} @click=${() => this.#fire('media-start')}>
                ${this.mediaStarting ? 'Starting camera…' : 'Start camera'}
              </button>`
        }
        ${
          this.screenStream
            ? html`<button type="button" @click=${() => this.#fire('screen-stop')}>Stop sharing</button>`
            : html`<button type="button" @click=${() => this.#fire('screen-start')}>Share screen</button>`
        }
      </div>
    `;
  }

  #inCall(): boolean {
    return (
      this.state === 'connecting' || this.state === 'connected' || this.state === 'reconnecting'
    );
  }

  protected override updated(changed: PropertyValues<this>) {
    if (changed.has('remoteStream') && this.remoteStream) {
      this.remoteElement.play().then(
        () => {
          this.needsPlay = false;
        },
        (error: unknown) => {
          // Autoplay with sound needs a user gesture in some browsers; offer the click.
          if (error instanceof DOMException && error.name === 'NotAllowedError')
            this.needsPlay = true;
        },
      );
    }
  }

  #play() {
    void this.remoteElement.play().then(() => {
      this.needsPlay = false;
    });
  }

  #fire(name: CallPanelEvent) {
    this.dispatchEvent(
      new CustomEvent<null>(name, { detail: null, bubbles: true, composed: true }),
    );
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'call-panel': CallPanel;
  }
}
