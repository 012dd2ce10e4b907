import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { SeatState } from '../signaling-controller.ts';
import { buttonStyles } from './shared-styles.ts';

const ROLE_TEXT: Record<SeatState, string> = {
  idle: 'no seat',
  joining: 'asking for a seat…',
  created: 'opened the room (first member)',
  joined: 'joined (second member)',
  full: 'no seat: the room is full',
};

/**
 * A group call's roles: the server says `created` again to whoever stays when another
 * leaves, so neither role tells a place in the room.
 */
const GROUP_ROLE_TEXT: Record<SeatState, string> = {
  ...ROLE_TEXT,
  created: 'member (opened the room)',
  joined: 'member (joined)',
};

/** The state of this tab's room: name, role, members, the other member leaving, and its link. */
@customElement('room-status')
export class RoomStatus extends LitElement {
  static override styles = [
    buttonStyles,
    css`
    :host {
      display: block;
    }
    h2 {
      margin: 0 0 0.5rem;
      font-size: 1.25rem;
      overflow-wrap: anywhere;
    }
    dl {
      display: grid;
      grid-template-columns: max-content 1fr;
      gap: 0.25rem 1rem;
      margin: 0 0 0.75rem;
    }
    dt {
      color: var(--muted, #5f6673);
    }
    dd {
      margin: 0;
      font-weight: 600;
    }
    .notice {
      padding: 0.5rem 0.75rem;
      border-radius: 6px;
      background: var(--notice-bg, #fff4e5);
      margin: 0 0 0.75rem;
    }
    .full {
      background: var(--danger-bg, #fdecea);
      color: var(--danger, #b3261e);
    }
  `,
  ];

  @property() room = '';
  @property() seat: SeatState = 'idle';
  @property({ type: Number }) members = 0;
  @property({ type: Number }) capacity = 2;
  @property({ type: Boolean }) peerLeft = false;
  @property({ type: Boolean }) peerReconnecting = false;
  @state() private copied = '';

  override render() {
    const seated = this.seat === 'created' || this.seat === 'joined';
    const group = this.capacity > 2;
    return html`
      <section aria-labelledby="room-title">
        <h2 id="room-title">Room ${this.room}</h2>
        ${
          this.seat === 'full'
            ? html`<p class="notice full" role="alert">
                Room ${this.room} is full: it already has ${this.capacity} members. Pick another
                room below.
              </p>`
            : nothing
        }
        <div role="status" aria-live="polite"><dl>
          <dt>Your seat</dt>
          <dd data-testid="role">${(group ? GROUP_ROLE_TEXT : ROLE_TEXT)[this.seat]}</dd>
          <dt>Members</dt>
          <dd data-testid="members" aria-label="members present">
            ${seated ? `${this.members}/${this.capacity}` : '–'}
          </dd>
        </dl></div>
        ${
          this.peerLeft && seated && this.members < this.capacity
            ? html`<p class="notice" role="status">
                ${group ? 'A member left the room. Their seat is open for someone new.' : 'The other member left the room. It is open for someone new.'}
              </p>`
            : nothing
        }
        ${
          this.peerReconnecting && seated
            ? html`<p class="notice" role="status">
                ${group ? "A member's connection dropped." : "The other member's connection dropped."}
                Their seat is kept while they reconnect.
              </p>`
            : nothing
        }
        <div class="actions">
          ${
            this.seat === 'full'
              ? nothing
              : html`<button type="button" @click=${this.#copyLink}>Copy link</button>`
          }
          <button type="button" @click=${this.#leave}>Leave room</button>
          <span role="status" aria-live="polite">${this.copied}</span>
        </div>
      </section>
    `;
  }

  async #copyLink() {
    const link = location.href;
    try {
      await navigator.clipboard.writeText(link);
      this.copied = 'Link copied';
    } catch {
      // The clipboard API needs a secure context; on a LAN address over http, show the link.
      this.copied = `Copy this link: ${link}`;
    }
  }

  #leave() {
    this.dispatchEvent(new CustomEvent('room-leave', { bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'room-status': RoomStatus;
  }
}
