import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import './safety-code.ts';

/**
 * One member of the call: its video (or a placeholder), its name, its link's state and its
 * safety code; this tab's own tile says whether it shows the camera or a shared screen.
 */
@customElement('call-tile')
export class CallTile extends LitElement {
  static override styles = css`
    :host {
      display: block;
    }
    figure {
      margin: 0;
      position: relative;
    }
    video,
    .placeholder {
      width: 100%;
      aspect-ratio: 4 / 3;
      background: #202124;
      border-radius: 6px;
      object-fit: cover;
      display: block;
    }
    .placeholder {
      display: grid;
      place-items: center;
      color: white;
      font-size: 1.5rem;
    }
    figcaption {
      display: flex;
      justify-content: space-between;
      gap: 0.5rem;
      font-size: 0.85rem;
      color: var(--muted, #5f6673);
    }
    .state[data-state='connected'] {
      color: #137333;
    }
    .state[data-state='failed'],
    .state[data-state='disconnected'] {
      color: var(--danger, #b3261e);
    }
    button {
      font: inherit;
      font-size: 0.8rem;
    }
    safety-code {
      font-size: 0.8rem;
    }
  `;

  /** The member's name (a display name, or the start of its socket id). */
  @property() name = '';
  /** Its link's state as the tile shows it (`connected`, `connecting`, `waiting`…). */
  @property() state = '';
  @property({ attribute: false }) stream: MediaStream | null = null;
  /** Whether the stream has a live video track to show. */
  @property({ type: Boolean }) video = false;
  /** The safety code of this member's link (none on this tab's own tile). */
  @property({ attribute: false }) safetyCode: string | null = null;
  /** This tab's own tile: muted, so it never echoes. */
  @property({ type: Boolean }) self = false;
  /** The safety code is shown beside the tiles (a call with one remote): not on the tile. */
  @property({ type: Boolean }) nocode = false;
  /** This tab's own tile: it shows a shared screen. */
  @property({ type: Boolean }) screen = false;
  /** The browser refused to play with sound without a click (autoplay policy). */
  @state() private needsPlay = false;
  @query('video') private videoElement?: HTMLVideoElement;

  override render() {
    const label = this.self ? 'Me' : this.name;
    return html`
      <figure role="group" aria-label=${`Member ${label}`}>
        ${
          this.stream
            ? html`<video
                aria-label=${`Video of ${label}`}
                autoplay
                playsinline
                ?muted=${this.self}
                .muted=${this.self}
                .srcObject=${this.stream}
                ?hidden=${!this.video}
              ></video>`
            : nothing
        }
        ${this.stream && this.video ? nothing : html`<div class="placeholder" aria-hidden="true">${label}</div>`}
        <figcaption>
          <span>${this.#caption(label)}</span>
          <span class="state" data-state=${this.state} aria-label=${`link state of ${label}`}>${this.state}</span>
          ${this.needsPlay ? html`<button type="button" @click=${this.#play}>Play</button>` : nothing}
        </figcaption>
        ${this.self || this.nocode || this.state === 'ended' ? nothing : html`<safety-code .peer=${label} .code=${this.safetyCode}></safety-code>`}
      </figure>
    `;
  }

  #caption(label: string): string {
    if (this.self) return this.screen ? 'My screen' : this.stream ? 'Me' : 'Camera off';
    return this.stream && this.video ? label : `${label}: no video`;
  }

  protected override updated(changed: PropertyValues<this>) {
    if (changed.has('stream') && this.stream && !this.self) this.#play();
  }

  #play() {
    this.videoElement?.play().then(
      () => {
        this.needsPlay = false;
      },
      (error: unknown) => {
        if (error instanceof DOMException && error.name === 'NotAllowedError')
          this.needsPlay = true;
      },
    );
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'call-tile': CallTile;
  }
}
