import { css, html, LitElement, type PropertyValues } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { LogEntry } from '../signaling-controller.ts';

/** The on-screen log: every client event and server `log` line, timestamped, newest in view. */
@customElement('log-panel')
export class LogPanel extends LitElement {
  static override styles = css`
    :host {
      display: block;
    }
    header {
      display: flex;
      align-items: center;
      justify-content: space-between;
    }
    h2 {
      margin: 0;
      font-size: 1.1rem;
    }
    button {
      font: inherit;
      padding: 0.3rem 0.8rem;
      border: 1px solid var(--border, #c5cad3);
      border-radius: 6px;
      background: white;
      cursor: pointer;
    }
    ol {
      list-style: none;
      margin: 0;
      padding: 0;
    }
    .log {
      margin: 0.5rem 0 0;
      padding: 0.5rem;
      height: 16rem;
      overflow-y: auto;
      background: var(--log-bg, #0f1419);
      color: var(--log-fg, #d7dde5);
      border-radius: 6px;
      font: 0.8rem/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    }
    li {
      overflow-wrap: anywhere;
    }
    time {
      color: #8b95a3;
    }
    .source {
      display: inline-block;
      min-width: 3.5rem;
      color: #7cc4ff;
    }
    .server .source {
      color: #b5e08a;
    }
    .error {
      color: #ff9a8f;
    }
  `;

  @property({ attribute: false }) entries: readonly LogEntry[] = [];
  @query('.log') private list!: HTMLDivElement;

  override render() {
    return html`
      <section aria-labelledby="log-title">
        <header>
          <h2 id="log-title">Log</h2>
          <button type="button" @click=${this.#clear}>Clear log</button>
        </header>
        <div class="log" role="log" aria-live="polite" aria-label="Signaling log" tabindex="0">
          <ol>
          ${repeat(
            this.entries,
            (entry) => entry.id,
            (entry) => html`<li class="${entry.source} ${entry.level}">
              <time datetime=${entry.time.toISOString()}>${formatTime(entry.time)}</time>
              <span class="source">${entry.source}</span> ${entry.text}
            </li>`,
          )}
          </ol>
        </div>
      </section>
    `;
  }

  protected override updated(changed: PropertyValues<this>) {
    if (changed.has('entries')) this.list.scrollTop = this.list.scrollHeight;
  }

  #clear() {
    this.dispatchEvent(new CustomEvent('log-clear', { bubbles: true, composed: true }));
  }
}

function formatTime(time: Date): string {
  return `${time.toLocaleTimeString([], { hour12: false })}.${String(time.getMilliseconds()).padStart(3, '0')}`;
}

declare global {
  interface HTMLElementTagNameMap {
    'log-panel': LogPanel;
  }
}
