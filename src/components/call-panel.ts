import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { CallState, PeerView } from '../call/types.ts';
import { buttonStyles, panelStyles } from './shared-styles.ts';
import './call-tile.ts';
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

/** The names of the events {@link CallPanel} fires; only `call-retry` carries a detail. */
export type CallPanelEvent =
  | 'call-start'
  | 'call-hang-up'
  | 'call-retry'
  | 'media-start'
  | 'media-stop'
  | 'mic-toggle'
  | 'camera-toggle'
  | 'screen-start'
  | 'screen-stop';

/** The detail of `call-retry`: the peer whose link to try again. */
export interface CallRetryDetail {
  id: string;
}

/** The state a tile shows for one link. */
function tileState(peer: PeerView): string {
  if (peer.state === 'connected' && !peer.channelOpen) return 'connecting';
  return peer.state;
}

/**
 * The call, for one remote member or five: its state, why a link failed (and Try again), a
 * tile per member, and the controls, which apply to every link at once.
 */
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
      .tiles {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 12rem), 1fr));
        gap: 0.5rem;
        margin-bottom: 0.5rem;
      }
      @media (max-width: 40rem) {
        .tiles {
          grid-template-columns: repeat(2, minmax(0, 1fr));
        }
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
    `,
  ];

  @property() state: CallState = 'idle';
  @property() endedBy: 'me' | 'peer' | null = null;
  /** A room above two: the status counts links. */
  @property({ type: Boolean }) group = false;
  @property({ type: Number }) capacity = 2;
  /** The remote members, in seating order. */
  @property({ attribute: false }) peers: readonly PeerView[] = [];
  /** Why the call could not connect, beside the failed links' own reasons. */
  @property() problem = '';
  @property({ attribute: false }) localStream: MediaStream | null = null;
  @property({ attribute: false }) screenStream: MediaStream | null = null;
  @property({ type: Boolean }) micMuted = false;
  @property({ type: Boolean }) cameraOff = false;
  @property({ type: Boolean }) mediaStarting = false;
  @property() mediaError = '';
  /** Milliseconds from this tab's seat to all its links open, once measured. */
  @property({ attribute: false }) allOpenMs: number | null = null;

  override render() {
    const failed = this.peers.filter((peer) => peer.problem);
    const one = this.peers.length === 1 ? this.peers[0] : undefined;
    return html`
      <section aria-labelledby="call-title">
        <h2 id="call-title">${this.group ? 'Group call' : 'Call'}</h2>
        <p class="status" data-state=${this.state} role="status" aria-label="call status">
          ${this.#status()}
        </p>
        ${this.problem ? html`<p class="problem" role="alert">${this.problem}</p>` : nothing}
        ${failed.map(
          (peer) => html`<p class="problem" role="alert">
            ${this.peers.length > 1 ? `${peer.name}: ` : ''}${peer.problem}
            ${
              peer.state === 'failed'
                ? html`<button type="button" @click=${() => this.#fire('call-retry', { id: peer.id })}>Try again</button>`
                : nothing
            }
          </p>`,
        )}
        ${this.mediaError ? html`<p class="problem" role="alert">${this.mediaError}</p>` : nothing}
        ${one && one.state !== 'ended' ? html`<safety-code hint .peer=${one.name} .code=${one.safetyCode}></safety-code>` : nothing}
        <div class="tiles">
          ${repeat(
            this.peers,
            (peer) => peer.id,
            (peer) => html`<call-tile
              .name=${peer.name}
              .state=${tileState(peer)}
              .stream=${peer.remoteStream}
              ?video=${peer.remoteVideo}
              .safetyCode=${this.peers.length > 1 ? peer.safetyCode : null}
              ?nocode=${this.peers.length === 1}
            ></call-tile>`,
          )}
          <call-tile
            self
            ?screen=${!!this.screenStream}
            .stream=${this.screenStream ?? this.localStream}
            ?video=${!!this.screenStream || (!!this.localStream && !this.cameraOff)}
            state="me"
          ></call-tile>
        </div>
        ${this.#actions()}
      </section>
    `;
  }

  #status() {
    if (!this.group) {
      const ended =
        this.state === 'ended' && this.endedBy
          ? this.endedBy === 'me'
            ? ' You hung up; the room stays open.'
            : ' The other member hung up; the room stays open.'
          : '';
      return `${STATE_TEXT[this.state]}${ended}`;
    }
    if (this.peers.length === 0) return `Waiting for others to join (up to ${this.capacity}).`;
    const open = this.peers.filter((peer) => peer.channelOpen).length;
    const whole = open === this.peers.length;
    return html`${open} of ${this.peers.length} links open.
      ${whole && this.allOpenMs !== null ? html`<span aria-label="join to all open">${this.allOpenMs}</span> ms from joining.` : nothing}`;
  }

  /** Start or hang up, the camera and microphone, and the screen share. */
  #actions() {
    const live = this.peers.some((p) => p.state !== 'ended');
    const canStart = this.peers.length > 0 && !live;
    const inCall = this.state === 'connecting' || live;
    return html`
      <div class="actions">
        ${canStart ? html`<button type="button" class="primary" @click=${() => this.#fire('call-start')}>Start call</button>` : nothing}
        ${inCall && live ? html`<button type="button" class="danger" @click=${() => this.#fire('call-hang-up')}>Hang up</button>` : nothing}
        ${
          this.localStream
            ? html`<button type="button" @click=${() => this.#fire('media-stop')}>Stop camera</button>
                <button type="button" aria-pressed=${this.micMuted ? 'true' : 'false'} @click=${() => this.#fire('mic-toggle')}>
                  ${this.micMuted ? 'Unmute' : 'Mute'}
                </button>
                <button type="button" aria-pressed=${this.cameraOff ? 'true' : 'false'} @click=${() => this.#fire('camera-toggle')}>
                  ${this.cameraOff ? 'Camera on' : 'Camera off'}
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

  #fire(name: CallPanelEvent, detail: CallRetryDetail | null = null) {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'call-panel': CallPanel;
  }
}
