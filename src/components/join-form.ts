import { css, html, LitElement } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { parseFormRoom } from '../room-path.ts';

/** The detail of a `room-join` event: the normalised room name asked for, and its PIN if any. */
export interface RoomJoinDetail {
  room: string;
  /** Locks a new room, or opens a locked one. */
  pin?: string;
}

/**
 * A form to pick a room, with an optional PIN; it checks the name as the server will and fires
 * `room-join`.
 */
@customElement('join-form')
export class JoinForm extends LitElement {
  static override styles = css`
    form {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem;
      align-items: end;
    }
    label {
      display: flex;
      flex-direction: column;
      gap: 0.25rem;
      flex: 1 1 14rem;
      font-weight: 600;
    }
    label.pin {
      flex: 0 1 9rem;
    }
    input {
      font: inherit;
      padding: 0.5rem 0.6rem;
      border: 1px solid var(--border, #c5cad3);
      border-radius: 6px;
    }
    button {
      font: inherit;
      padding: 0.5rem 1rem;
      border: 0;
      border-radius: 6px;
      background: var(--accent, #1a73e8);
      color: white;
      cursor: pointer;
    }
    .error {
      color: var(--danger, #b3261e);
      margin: 0.5rem 0 0;
    }
  `;

  /** The name to start from (e.g. the room that was full). */
  @property() value = '';
  /** A refusal to show under the field. */
  @property() error = '';
  @state() private localError = '';

  override render() {
    const error = this.localError || this.error;
    return html`
      <form @submit=${this.#submit} novalidate>
        <label>
          Room name
          <input
            name="room"
            autocomplete="off"
            spellcheck="false"
            maxlength="64"
            placeholder="e.g. team-standup"
            .value=${this.value}
            aria-invalid=${error ? 'true' : 'false'}
            aria-describedby="room-error"
            @input=${() => {
              this.localError = '';
            }}
          />
        </label>
        <label class="pin" title="The first member locks the room with it; others must give it">
          PIN (optional)
          <input
            name="pin"
            type="password"
            autocomplete="off"
            minlength="4"
            maxlength="64"
            placeholder="locks the room"
          />
        </label>
        <button type="submit">Join room</button>
      </form>
      <p id="room-error" class="error" role="alert">${error}</p>
    `;
  }

  #submit(event: SubmitEvent) {
    event.preventDefault();
    const { elements } = event.target as HTMLFormElement;
    const input = elements.namedItem('room') as HTMLInputElement;
    const pin = (elements.namedItem('pin') as HTMLInputElement).value;
    const parsed = parseFormRoom(input.value);
    if (!parsed.ok) {
      this.localError = `Cannot join: ${parsed.reason}.`;
      return;
    }
    if (pin !== '' && (pin.length < 4 || pin.length > 64)) {
      this.localError = 'Cannot join: a PIN has 4 to 64 characters.';
      return;
    }
    this.localError = '';
    this.dispatchEvent(
      new CustomEvent<RoomJoinDetail>('room-join', {
        detail: { room: parsed.room, ...(pin !== '' && { pin }) },
        bubbles: true,
        composed: true,
      }),
    );
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'join-form': JoinForm;
  }
}
