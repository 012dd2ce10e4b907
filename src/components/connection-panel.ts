import { css, html, LitElement } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { StatsSample, TimelineEntry } from '../call-controller.ts';
import type { SelectedPair } from '../call-stats.ts';
import { panelStyles } from './shared-styles.ts';
import './signaling-timeline.ts';
import './stats-chart.ts';

/**
 * Why the call is up or not, for a developer: ICE, connection and signaling state, the
 * selected candidate pair and its type, live RTT and bitrate charts from `getStats`, and the
 * signaling timeline.
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
  `,
  ];

  @property() iceState = 'none';
  @property() connectionState = 'none';
  @property() signalingState = 'none';
  @property({ type: Boolean }) relay = false;
  @property({ type: Boolean }) polite = false;
  @property({ attribute: false }) pair: SelectedPair | null = null;
  @property({ attribute: false }) samples: readonly StatsSample[] = [];
  @property({ attribute: false }) timeline: readonly TimelineEntry[] = [];
  @property({ attribute: false }) joinToOpenMs: number | null = null;
  @property({ attribute: false }) lastRestartMs: number | null = null;
  @property({ type: Number }) videoBytesReceived = 0;

  override render() {
    const pair = this.pair;
    return html`
      <section aria-labelledby="connection-title">
        <h2 id="connection-title">Connection</h2>
        <dl>
          <dt>ICE</dt>
          <dd aria-label="ICE state">${this.iceState}</dd>
          <dt>Peer connection</dt>
          <dd aria-label="peer connection state">${this.connectionState}</dd>
          <dt>Signaling</dt>
          <dd>${this.signalingState}</dd>
          <dt>Negotiation role</dt>
          <dd>${this.polite ? 'polite (rolls back on collision)' : 'impolite (its offer wins)'}</dd>
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
          <dd aria-label="join to open">${this.joinToOpenMs === null ? '–' : `${this.joinToOpenMs} ms`}</dd>
          <dt>Last ICE restart</dt>
          <dd aria-label="last ICE restart">${this.lastRestartMs === null ? '–' : `connected again after ${this.lastRestartMs} ms`}</dd>
          <dt>Video received</dt>
          <dd aria-label="video bytes received">${this.videoBytesReceived} bytes</dd>
        </dl>
        <div class="charts">
          <stats-chart
            caption="Round-trip time"
            unit="ms"
            .series=${[{ label: 'RTT', color: '#d93025', values: this.samples.map((s) => s.rttMs) }]}
          ></stats-chart>
          <stats-chart
            caption="Bitrate"
            unit="kbit/s"
            .series=${[
              { label: 'in', color: '#1a73e8', values: this.samples.map((s) => s.kbpsIn) },
              { label: 'out', color: '#188038', values: this.samples.map((s) => s.kbpsOut) },
            ]}
          ></stats-chart>
        </div>
        <h3>Signaling timeline</h3>
        <signaling-timeline .entries=${this.timeline}></signaling-timeline>
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'connection-panel': ConnectionPanel;
  }
}
