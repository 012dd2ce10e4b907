import { css, html, LitElement, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { ChatEntry } from '../call/types.ts';
import { panelStyles } from './shared-styles.ts';

/** The detail of a `chat-send` event: the line to send. */
export interface ChatSendDetail {
  text: string;
}

/** The chat over the data channel; sending is possible only while the channel is open. */
@customElement('chat-panel')
export class ChatPanel extends LitElement {
  static override styles = [
    panelStyles,
    css`
    ol {
      list-style: none;
      margin: 0 0 0.5rem;
      padding: 0.5rem;
      height: 10rem;
      overflow-y: auto;
      border: 1px solid var(--border, #c5cad3);
      border-radius: 6px;
    }
    li {
      overflow-wrap: anywhere;
    }
    .who {
      font-weight: 600;
      margin-right: 0.4rem;
    }
    .me .who {
      color: var(--accent, #1a73e8);
    }
    form {
      display: flex;
      gap: 0.5rem;
    }
    input {
      flex: 1;
      min-width: 0;
      font: inherit;
      padding: 0.4rem 0.6rem;
      border: 1px solid var(--border, #c5cad3);
      border-radius: 6px;
    }
    button {
      font: inherit;
      padding: 0.4rem 1rem;
      border: 0;
      border-radius: 6px;
      background: var(--accent, #1a73e8);
      color: white;
      cursor: pointer;
    }
    button:disabled {
      background: #9aa0a6;
      cursor: not-allowed;
    }
    .hint {
      margin: 0.25rem 0 0;
      color: var(--muted, #5f6673);
      font-size: 0.9rem;
    }
  `,
  ];

  /** The lines; a group call's carry the sender's short `name`. */
  @property({ attribute: false }) entries: readonly ChatEntry[] = [];
  /** Whether the data channel is open. */
  @property({ type: Boolean }) open = false;
  @state() private draft = '';
  @query('ol') private list!: HTMLOListElement;

  override render() {
    return html`
      <section aria-labelledby="chat-title">
        <h2 id="chat-title">Chat</h2>
        <ol role="log" aria-label="Chat messages" aria-live="polite" tabindex="0">
          ${repeat(
            this.entries,
            (entry) => entry.id,
            (entry) =>
              html`<li class=${entry.from}>
                <span class="who">${entry.from === 'me' ? 'Me:' : `${entry.name ?? 'Them'}:`}</span>${entry.text}
              </li>`,
          )}
        </ol>
        <form @submit=${this.#submit}>
          <input
            aria-label="Chat message"
            autocomplete="off"
            maxlength="4000"
            .value=${this.draft}
            @input=${(event: InputEvent) => {
              this.draft = (event.target as HTMLInputElement).value;
            }}
          />
          <button type="submit" ?disabled=${!this.open}>Send</button>
        </form>
        <p class="hint" role="status">
          ${this.open ? 'Chat is connected.' : 'Chat opens when the call is connected.'}
        </p>
      </section>
    `;
  }

  protected override updated(changed: PropertyValues<this>) {
    if (changed.has('entries')) this.list.scrollTop = this.list.scrollHeight;
  }

  #submit(event: SubmitEvent) {
    event.preventDefault();
    const text = this.draft.trim();
    if (!text || !this.open) return;
    this.dispatchEvent(
      new CustomEvent<ChatSendDetail>('chat-send', {
        detail: { text },
        bubbles: true,
        composed: true,
      }),
    );
    this.draft = '';
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'chat-panel': ChatPanel;
  }
}
