import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { PeerView } from '../mesh/peer-link.ts';
import { buttonStyles, panelStyles } from './shared-styles.ts';
import './mesh-tile.ts';

/** The names of the events {@link MeshPanel} fires; none carries a detail. */
export type MeshPanelEvent = 'media-start' | 'media-stop' | 'mic-toggle' | 'camera-toggle';

/** The state a tile shows for one link. */
function tileState(peer: PeerView): string {
  if (peer.connectionState === 'none') return 'waiting';
  if (peer.connectionState === 'connected' && !peer.channelOpen) return 'connecting';
  return peer.connectionState;
}

/**
 * A group call (a room above two): one tile per member, how many links are up, and the camera
 * and microphone controls, which apply to every pair at once.
 */
@customElement('mesh-panel')
export class MeshPanel extends LitElement {
  static override styles = [
    panelStyles,
    buttonStyles,
    css`
      .status {
        margin: 0 0 0.5rem;
        font-weight: 600;
      }
      .status[data-whole] {
        color: #137333;
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
    `,
  ];

  /** The other members, in seating order. */
  @property({ attribute: false }) peers: readonly PeerView[] = [];
  @property({ type: Number }) capacity = 0;
  @property({ attribute: false }) localStream: MediaStream | null = null;
  @property({ type: Boolean }) micMuted = false;
  @property({ type: Boolean }) cameraOff = false;
  @property({ type: Boolean }) mediaStarting = false;
  @property() mediaError = '';
  /** Milliseconds from this tab's seat to all its links open, once measured. */
  @property({ attribute: false }) seatToMeshMs: number | null = null;

  override render() {
    const open = this.peers.filter((peer) => peer.channelOpen).length;
    const whole = this.peers.length > 0 && open === this.peers.length;
    return html`
      <section aria-labelledby="mesh-title">
        <h2 id="mesh-title">Group call</h2>
        <p class="status" ?data-whole=${whole} role="status" aria-label="group call status">
          ${
            this.peers.length === 0
              ? `Waiting for others to join (up to ${this.capacity}).`
              : `${open} of ${this.peers.length} links open.`
          }
          ${
            whole && this.seatToMeshMs !== null
              ? html`<span aria-label="join to mesh">${this.seatToMeshMs}</span> ms from joining.`
              : nothing
          }
        </p>
        ${this.mediaError ? html`<p class="problem" role="alert">${this.mediaError}</p>` : nothing}
        <div class="tiles">
          <mesh-tile self .stream=${this.localStream} ?video=${!!this.localStream && !this.cameraOff} state="me"></mesh-tile>
          ${repeat(
            this.peers,
            (peer) => peer.id,
            (peer) => html`<mesh-tile
              .name=${peer.name}
              .state=${tileState(peer)}
              .stream=${peer.remoteStream}
              ?video=${peer.remoteVideo}
              .safetyCode=${peer.safetyCode}
            ></mesh-tile>`,
          )}
        </div>
        <div class="actions">
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
        </div>
      </section>
    `;
  }

  #fire(name: MeshPanelEvent) {
    this.dispatchEvent(
      new CustomEvent<null>(name, { detail: null, bubbles: true, composed: true }),
    );
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mesh-panel': MeshPanel;
  }
}
