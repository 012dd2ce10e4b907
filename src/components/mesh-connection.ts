import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { PeerView } from '../mesh/peer-link.ts';
import { panelStyles } from './shared-styles.ts';
import './connection-panel.ts';

/** The connection panel and timeline of one pair of a group call, the pair picked from a list. */
@customElement('mesh-connection')
export class MeshConnection extends LitElement {
  static override styles = [
    panelStyles,
    css`
      label {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        margin-bottom: 0.5rem;
      }
      select {
        font: inherit;
      }
    `,
  ];

  /** The other members, in seating order. */
  @property({ attribute: false }) peers: readonly PeerView[] = [];
  /** The picked member's id; the first member while none is picked or it left. */
  @state() private picked = '';

  override render() {
    const peer = this.peers.find((p) => p.id === this.picked) ?? this.peers[0];
    if (!peer) return nothing;
    return html`
      <label>
        Peer
        <select
          aria-label="Peer"
          @change=${(event: Event) => {
            this.picked = (event.target as HTMLSelectElement).value;
          }}
        >
          ${this.peers.map(
            (p) => html`<option value=${p.id} ?selected=${p.id === peer.id}>${p.name}</option>`,
          )}
        </select>
      </label>
      <connection-panel
        .iceState=${peer.iceConnectionState}
        .connectionState=${peer.connectionState}
        .signalingState=${peer.signalingState}
        .polite=${peer.polite}
        .pair=${peer.pair}
        .samples=${peer.samples}
        .timeline=${peer.timeline}
        .joinToOpenMs=${peer.openMs}
        .videoBytesReceived=${peer.videoBytesReceived}
      ></connection-panel>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mesh-connection': MeshConnection;
  }
}
