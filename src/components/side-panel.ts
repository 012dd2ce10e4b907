import { css, html, LitElement } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { X } from 'lucide';
import type { PanelView } from './control-bar.ts';
import { icon } from './icon.ts';
import { controlStyles, tokenStyles } from './tokens.ts';

const TITLES: Record<PanelView, string> = {
  chat: 'Chat',
  files: 'Files',
  details: 'Details',
  log: 'Log',
};

/**
 * The panel beside the call: the chat, the files, and the details (the room, the signaling log,
 * the timeline and the connection), one scrolling column of the host's children; each child
 * says which view it starts with a `data-view` attribute, and the panel scrolls there when the
 * view is chosen. A drawer over the call on a phone.
 */
@customElement('side-panel')
export class SidePanel extends LitElement {
  static override styles = [
    tokenStyles,
    controlStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        min-height: 0;
        background: var(--wr-surface);
        color: var(--wr-text);
        border-radius: var(--wr-radius-m);
        overflow: hidden;
      }
      header {
        display: flex;
        align-items: center;
        gap: var(--wr-space-1);
        padding: var(--wr-space-2) var(--wr-space-2) var(--wr-space-2) var(--wr-space-4);
        border-bottom: 1px solid var(--wr-border);
      }
      nav {
        display: flex;
        gap: var(--wr-space-1);
        flex: 1;
      }
      nav a {
        padding: var(--wr-space-1) var(--wr-space-3);
        border-radius: var(--wr-radius-pill);
        color: var(--wr-text-muted);
        text-decoration: none;
        font-weight: 500;
        cursor: pointer;
      }
      nav a[aria-current='true'] {
        background: #e8f0fe;
        color: #174ea6;
      }
      nav a:focus-visible {
        outline: none;
        box-shadow: var(--wr-focus);
      }
      .close {
        display: grid;
        place-items: center;
        width: 2.5rem;
        height: 2.5rem;
        border: none;
        border-radius: 50%;
        background: none;
        cursor: pointer;
      }
      .close:hover {
        background: var(--wr-surface-muted);
      }
      .body {
        flex: 1;
        min-height: 0;
        overflow-y: auto;
        padding: var(--wr-space-4);
      }
      ::slotted(*) {
        margin-bottom: var(--wr-space-6);
      }
    `,
  ];

  /** The view scrolled to last. */
  @property() view: PanelView = 'chat';

  override render() {
    return html`<header>
        <nav aria-label="Side panel">
          ${(Object.keys(TITLES) as PanelView[]).map(
            (view) => html`<a
              href=${`#${view}`}
              aria-current=${view === this.view ? 'true' : 'false'}
              @click=${(event: Event) => {
                event.preventDefault();
                this.show(view);
                this.dispatchEvent(
                  new CustomEvent('panel-view', { detail: view, bubbles: true, composed: true }),
                );
              }}
              >${TITLES[view]}</a
            >`,
          )}
        </nav>
        <button class="close" type="button" aria-label="Close panel" title="Close panel" @click=${this.#close}>
          ${icon(X)}
        </button>
      </header>
      <div class="body"><slot></slot></div>`;
  }

  /** Scrolls to the first child of `view`. */
  show(view: PanelView): void {
    this.view = view;
    const first = this.querySelector(`[data-view='${view}']`);
    first?.scrollIntoView({ block: 'start' });
  }

  #close() {
    this.dispatchEvent(new CustomEvent('panel-close', { bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'side-panel': SidePanel;
  }
  interface HTMLElementEventMap {
    'panel-view': CustomEvent<PanelView>;
    'panel-close': CustomEvent<null>;
  }
}
