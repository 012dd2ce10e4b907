import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { FileTransfer } from '../call/types.ts';
import { buttonStyles, panelStyles } from './shared-styles.ts';

/** Detail of `file-send`: the file picked. */
export interface FileSendDetail {
  file: File;
}

/** Detail of `file-cancel`: the transfer to stop, and in a group call the member's. */
export interface FileCancelDetail {
  id: string;
  peerId?: string;
}

/** A transfer as the panel lists it: in a group call, with the member it goes to or comes from. */
export interface ListedTransfer extends FileTransfer {
  peerId?: string;
  peerName?: string;
}

const STATUS_TEXT: Record<FileTransfer['direction'], Record<FileTransfer['status'], string>> = {
  send: { active: 'sending', done: 'sent', cancelled: 'cancelled', failed: 'not sent' },
  receive: { active: 'receiving', done: 'received', cancelled: 'cancelled', failed: 'failed' },
};

/**
 * Files to and from the other member (in a group call, every member): pick one and send it;
 * each transfer shows its progress, a Cancel button while under way, and on arrival its
 * SHA-256 check and a link to save it. A file sent to a group lists one transfer per member.
 */
@customElement('file-panel')
export class FilePanel extends LitElement {
  static override styles = [
    panelStyles,
    buttonStyles,
    css`
      form {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
      }
      input {
        min-width: 0;
        flex: 1 1 12rem;
      }
      ol {
        list-style: none;
        margin: 0.75rem 0 0;
        padding: 0;
        display: grid;
        gap: 0.5rem;
      }
      li {
        display: grid;
        gap: 0.2rem;
      }
      .name {
        font-weight: 600;
        overflow-wrap: anywhere;
      }
      progress {
        width: 100%;
      }
      .meta {
        color: var(--muted, #5f6673);
        font-size: 0.85rem;
        overflow-wrap: anywhere;
      }
      .failed,
      .cancelled {
        color: var(--danger, #b3261e);
      }
      p {
        margin: 0.25rem 0 0;
        color: var(--muted, #5f6673);
        font-size: 0.9rem;
      }
    `,
  ];

  @property({ attribute: false }) transfers: readonly ListedTransfer[] = [];
  /** Whether a file can be sent now. */
  @property({ type: Boolean }) ready = false;
  @property({ type: Number }) maxBytes = 0;
  /** A group call: files go to every member. */
  @property({ type: Boolean }) group = false;
  @query('input') private input!: HTMLInputElement;

  override render() {
    return html`
      <section aria-labelledby="files-title">
        <h2 id="files-title">Files</h2>
        <form @submit=${this.#submit}>
          <input type="file" aria-label="File to send" ?disabled=${!this.ready} />
          <button type="submit" ?disabled=${!this.ready}>Send file</button>
        </form>
        <p>
          Up to ${formatBytes(this.maxBytes)}, straight to
          ${this.group ? 'every member' : 'the other member'} over the call.
        </p>
        ${
          this.transfers.length === 0
            ? nothing
            : html`<ol aria-label="File transfers">
                ${repeat(
                  this.transfers,
                  (transfer) => `${transfer.peerId ?? ''}/${transfer.id}`,
                  (transfer) => this.#renderTransfer(transfer),
                )}
              </ol>`
        }
      </section>
    `;
  }

  #renderTransfer(t: ListedTransfer) {
    const status = STATUS_TEXT[t.direction][t.status];
    const arrow = t.direction === 'send' ? '→' : '←';
    const peer = t.peerName ? ` ${t.direction === 'send' ? 'to' : 'from'} ${t.peerName}` : '';
    return html`<li class=${t.status} aria-label="${t.direction} ${t.name}${peer}">
      <span class="name">${arrow} ${t.name}${peer}</span>
      <progress
        max=${Math.max(1, t.size)}
        .value=${t.bytes}
        aria-label="${t.name} progress"
      ></progress>
      <span class="meta" data-status=${t.status}>
        ${status}: ${formatBytes(t.bytes)} of ${formatBytes(t.size)}${t.ms === null ? '' : ` in ${t.ms} ms`}${t.reason ? ` (${t.reason})` : ''}
      </span>
      ${t.sha256 ? html`<span class="meta">SHA-256 <span data-testid="sha256">${t.sha256}</span>${t.verified === null ? '' : t.verified ? ', verified' : ', does not match'}</span>` : nothing}
      <span class="actions">
        ${t.status === 'active' ? html`<button type="button" @click=${() => this.#cancel(t)}>Cancel</button>` : nothing}
        ${t.url && t.status === 'done' ? html`<a href=${t.url} download=${t.name}>Save ${t.name}</a>` : nothing}
      </span>
    </li>`;
  }

  #submit(event: SubmitEvent) {
    event.preventDefault();
    const file = this.input.files?.[0];
    if (!file || !this.ready) return;
    this.dispatchEvent(
      new CustomEvent<FileSendDetail>('file-send', {
        detail: { file },
        bubbles: true,
        composed: true,
      }),
    );
    this.input.value = '';
  }

  #cancel({ id, peerId }: ListedTransfer) {
    this.dispatchEvent(
      new CustomEvent<FileCancelDetail>('file-cancel', {
        detail: { id, peerId },
        bubbles: true,
        composed: true,
      }),
    );
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

declare global {
  interface HTMLElementTagNameMap {
    'file-panel': FilePanel;
  }
}
