import { css, html, LitElement } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { TimelineEntry } from '../call/types.ts';

const ARROW: Record<TimelineEntry['direction'], string> = {
  sent: '→ sent',
  received: '← received',
  local: '• here',
};

/**
 * The signaling of the current peer connection in order: offers, answers, candidates and
 * state changes, each at its time since the connection was created, with a bar to scale.
 */
@customElement('signaling-timeline')
export class SignalingTimeline extends LitElement {
  static override styles = css`
    :host {
      display: block;
      /* Rows lay out by the panel's width, not the window's: the panel sits in a column. */
      container-type: inline-size;
    }
    ol {
      list-style: none;
      margin: 0;
      padding: 0;
      max-height: 14rem;
      overflow-y: auto;
      font: 0.8rem/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    }
    li {
      display: grid;
      grid-template-columns: 4.5rem 6rem 5.5rem minmax(0, 1fr);
      gap: 0.4rem;
      align-items: center;
      position: relative;
    }
    .bar {
      position: absolute;
      left: 0;
      bottom: 0;
      width: 100%;
      height: 2px;
    }
    /* An SVG bar, not a style attribute: the app's CSP refuses those (and Lit's styleMap
       writes one on first render, lit/lit#4719). */
    .bar rect {
      fill: #c6dafc;
    }
    .offer,
    .answer {
      font-weight: 700;
      color: #174ea6;
    }
    .bye {
      color: var(--danger, #b3261e);
    }
    .event {
      color: var(--muted, #5f6673);
    }
    .detail {
      min-width: 0;
      /* mDNS host names (a UUID and .local, Firefox's and Chromium's) have no break points. */
      overflow-wrap: anywhere;
    }
    @container (max-width: 30rem) {
      li {
        grid-template-columns: 4.5rem 6rem minmax(0, 1fr);
        gap: 0 0.4rem;
        padding-bottom: 0.2rem;
      }
      .detail {
        grid-column: 1 / -1;
        padding-left: 1rem;
      }
    }
    p {
      margin: 0;
      color: var(--muted, #5f6673);
    }
  `;

  @property({ attribute: false }) entries: readonly TimelineEntry[] = [];

  override render() {
    if (this.entries.length === 0) return html`<p>No signaling yet.</p>`;
    const last = Math.max(1, this.entries.at(-1)?.at ?? 1);
    return html`
      <ol aria-label="Signaling timeline" tabindex="0">
        ${repeat(
          this.entries,
          (entry) => entry.id,
          (entry) => html`<li class=${entry.kind}>
            <svg class="bar" aria-hidden="true">
              <rect width="${((entry.at / last) * 100).toFixed(1)}%" height="100%"></rect>
            </svg>
            <span>+${entry.at} ms</span>
            <span>${ARROW[entry.direction]}</span>
            <span class=${entry.kind}>${entry.kind}</span>
            <span class="detail">${entry.detail}</span>
          </li>`,
        )}
      </ol>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'signaling-timeline': SignalingTimeline;
  }
}
