import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { PeerView } from '../call/types.ts';
import { panelStyles } from './shared-styles.ts';
import './signaling-timeline.ts';
import './stats-chart.ts';

/**
 * Why a link is up or not, for a developer: ICE, connection and signaling state, the selected
 * candidate pair and its type, ICE restarts, live RTT and bitrate charts from `getStats`, and
 * the signaling timeline; with more than one remote member, of the one picked in a list.
 */
@customElement('connection-panel')
export class ConnectionPanel extends LitElement {
  static override styles = [
    panelStyles,
    css`
    h3 {
      margin: 0.75rem 0 0.25rem;
      font-size: 1rem;
    }
    dl {
      display: grid;
      grid-template-columns: max-content minmax(0, 1fr);
      gap: 0.2rem 1rem;
      margin: 0;
    }
    dt {
      color: var(--muted, #5f6673);
    }
    dd {
      margin: 0;
      font-weight: 600;
      overflow-wrap: anywhere;
    }
    .charts {
      display: grid;
      grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr));
      gap: 0.75rem;
      margin-top: 0.75rem;
    }
    .type {
      display: inline-block;
      padding: 0 0.4rem;
      border-radius: 4px;
      background: #e8f0fe;
    }
    .type[data-type='relay'] {
      background: #fef7e0;
    }
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

  /** The remote members, in seating order. */
  @property({ attribute: false }) peers: readonly PeerView[] = [];
  @property({ type: Boolean }) relay = false;
  /** The picked member's id; the first member while none is picked or it left. */
  @state() private picked = '';

  override render() {
    const peer = this.peers.find((p) => p.id === this.picked) ?? this.peers[0];
    const pair = peer?.pair ?? null;
    const samples = peer?.samples ?? [];
    return html`
      <section aria-labelledby="connection-title">
        <h2 id="connection-title">Connection</h2>
        ${this.peers.length > 1 ? this.#picker(peer?.id) : nothing}
        <dl>
          <dt>ICE</dt>
          <dd aria-label="ICE state">${peer?.iceConnectionState ?? 'none'}</dd>
          <dt>Peer connection</dt>
          <dd aria-label="peer connection state">${peer?.connectionState ?? 'none'}</dd>
          <dt>Signaling</dt>
          <dd>${peer?.signalingState ?? 'none'}</dd>
          <dt>Negotiation role</dt>
          <dd>${peer?.polite ? 'polite (rolls back on collision)' : 'impolite (its offer wins)'}</dd>
          <dt>ICE policy</dt>
          <dd>${this.relay ? 'relay only (TURN)' : 'all candidates'}</dd>
          <dt>Candidate pair</dt>
          <dd aria-label="candidate pair type">
            ${
              pair
                ? html`<span class="type" data-type=${pair.localType}>${pair.localType}</span> ↔
                    <span class="type" data-type=${pair.remoteType}>${pair.remoteType}</span>`
                : '–'
            }
          </dd>
          <dt>Local ↔ remote</dt>
          <dd aria-label="candidate addresses">${pair ? `${pair.local} ↔ ${pair.remote}` : '–'}</dd>
          <dt>Join to chat open</dt>
          <dd aria-label="join to open">${peer?.openMs == null ? '–' : `${peer.openMs} ms`}</dd>
          <dt>ICE restarts</dt>
          <dd aria-label="ICE restarts">${peer ? `${peer.restarts} of at most ${peer.maxRestarts}` : '–'}</dd>
          <dt>Last ICE restart</dt>
          <dd aria-label="last ICE restart">${peer?.lastRestartMs == null ? '–' : `connected again after ${peer.lastRestartMs} ms`}</dd>
          <dt>They announce</dt>
          <dd aria-label="announced media">${announced(peer)}</dd>
          <dt>Video received</dt>
          <dd aria-label="video bytes received">${peer?.videoBytesReceived ?? 0} bytes</dd>
        </dl>
        <div class="charts">
          <stats-chart
            caption="Round-trip time"
            unit="ms"
            .series=${[{ label: 'RTT', color: '#d93025', values: samples.map((s) => s.rttMs) }]}
          ></stats-chart>
          <stats-chart
            caption="Bitrate"
            unit="kbit/s"
            .series=${[
              { label: 'in', color: '#1a73e8', values: samples.map((s) => s.kbpsIn) },
              { label: 'out', color: '#188038', values: samples.map((s) => s.kbpsOut) },
            ]}
          ></stats-chart>
        </div>
        <h3>Signaling timeline</h3>
        <signaling-timeline .entries=${peer?.timeline ?? []}></signaling-timeline>
      </section>
    `;
  }

  #picker(id: string | undefined) {
    return html`<label>
      Peer
      <select
        aria-label="Peer"
        @change=${(event: Event) => {
          this.picked = (event.target as HTMLSelectElement).value;
        }}
      >
        ${this.peers.map((p) => html`<option value=${p.id} ?selected=${p.id === id}>${p.name}</option>`)}
      </select>
    </label>`;
  }
}

/** What the member says of its microphone and camera (the control channel), in words. */
function announced(peer: PeerView | undefined): string {
  if (!peer || peer.mic === null || peer.camera === null) return '–';
  return `microphone ${peer.mic ? 'on' : 'off'}, camera ${peer.camera ? 'on' : 'off'}`;
}

declare global {
  interface HTMLElementTagNameMap {
    'connection-panel': ConnectionPanel;
  }
}
