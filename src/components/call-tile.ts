import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { MicOff, MonitorUp, VideoOff } from 'lucide';
import { initials } from '../lobby/profile.ts';
import { icon } from './icon.ts';
import { tokenStyles } from './tokens.ts';

/** What a tile says of a link that is not up, in plain words. */
const LINK_TEXT: Record<string, string> = {
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  failed: 'Connection lost',
  ended: 'Left the call',
};

/**
 * One member of the call on the stage: their video, or their initials when there is none; their
 * name; badges for a muted microphone and a camera turned off (as the member announced them); a
 * ring while they speak; and, for a link that is not up, what it is doing. Fires `tile-blocked`
 * when the browser refuses to play its sound without a click (the autoplay rule): it then plays
 * muted until {@link play} is called from a click.
 */
@customElement('call-tile')
export class CallTile extends LitElement {
  static override styles = [
    tokenStyles,
    css`
      :host {
        display: block;
        min-width: 0;
        min-height: 0;
        color: var(--wr-on-stage);
      }
      figure {
        position: relative;
        margin: 0;
        width: 100%;
        height: 100%;
        overflow: hidden;
        border-radius: var(--wr-radius-m);
        background: #3c4043;
        transition: box-shadow 0.15s;
      }
      /* Around the tile, not over the video: nothing is drawn on top of a playing video. */
      figure.speaking {
        box-shadow: 0 0 0 3px #8ab4f8;
      }
      video {
        width: 100%;
        height: 100%;
        object-fit: cover;
        display: block;
        background: #3c4043;
      }
      video[hidden] {
        display: none;
      }
      video.screen {
        object-fit: contain;
        background: #000;
      }
      video.mirror {
        transform: scaleX(-1);
      }
      .avatar {
        position: absolute;
        inset: 0;
        display: grid;
        place-items: center;
      }
      .avatar span {
        display: grid;
        place-items: center;
        width: clamp(3.5rem, 28%, 7rem);
        aspect-ratio: 1;
        border-radius: 50%;
        background: #5f6368;
        color: #fff;
        font-size: clamp(1.25rem, 4vw, 2.5rem);
        font-weight: 500;
      }
      .avatar [data-face='0'] {
        background: #1a73e8;
      }
      .avatar [data-face='1'] {
        background: #188038;
      }
      .avatar [data-face='2'] {
        background: #9334e6;
      }
      .avatar [data-face='3'] {
        background: #b06000;
      }
      .avatar [data-face='4'] {
        background: #c5221f;
      }
      .avatar [data-face='5'] {
        background: #007b83;
      }
      figcaption {
        position: absolute;
        left: var(--wr-space-2);
        bottom: var(--wr-space-2);
        max-width: calc(100% - 1rem);
        display: flex;
        align-items: center;
        gap: var(--wr-space-1);
        padding: 0.2rem var(--wr-space-2);
        border-radius: var(--wr-radius-s);
        background: rgb(32 33 36 / 0.6);
        font-size: 0.85rem;
        white-space: nowrap;
      }
      figcaption .name {
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .badges {
        position: absolute;
        top: var(--wr-space-2);
        right: var(--wr-space-2);
        display: flex;
        gap: var(--wr-space-1);
      }
      .badge {
        display: grid;
        place-items: center;
        width: 1.9rem;
        height: 1.9rem;
        border-radius: 50%;
        background: rgb(32 33 36 / 0.6);
      }
      .badge.off {
        background: var(--wr-danger);
      }
      .badge .icon {
        width: 1rem;
        height: 1rem;
      }
      .link {
        position: absolute;
        top: var(--wr-space-2);
        left: var(--wr-space-2);
        padding: 0.2rem var(--wr-space-2);
        border-radius: var(--wr-radius-pill);
        background: rgb(32 33 36 / 0.75);
        font-size: 0.8rem;
      }
      .link[data-state='failed'] {
        background: var(--wr-danger);
      }
    `,
  ];

  /** The member's name as others see it. */
  @property() name = '';
  /** This tab's own tile: muted (it never echoes) and mirrored, as a mirror is. */
  @property({ type: Boolean }) self = false;
  /** Its link's state (`connected`, `connecting`…); empty on this tab's own tile. */
  @property() state = '';
  @property({ attribute: false }) stream: MediaStream | null = null;
  /** Whether the stream has video to show. */
  @property({ type: Boolean }) video = false;
  /** The microphone is off (announced by the member, or this tab's own). */
  @property({ type: Boolean }) micOff = false;
  /** The camera is off. */
  @property({ type: Boolean }) cameraOff = false;
  /** This tab's own tile shows its shared screen. */
  @property({ type: Boolean }) screen = false;
  /** The member speaks now (the stage measures the audio level). */
  @property({ type: Boolean }) speaking = false;
  @query('video') private videoElement?: HTMLVideoElement;

  override render() {
    const label = this.self ? 'Me' : this.name;
    const shown = this.self ? (this.name ? `${this.name} (you)` : 'You') : this.name;
    const link = LINK_TEXT[this.state];
    return html`
      <figure
        role="group"
        aria-label=${`Member ${label}`}
        class=${this.speaking && !this.micOff ? 'speaking' : ''}
      >
        ${
          this.stream
            ? html`<video
                aria-label=${`Video of ${label}`}
                class=${this.screen ? 'screen' : this.self ? 'mirror' : ''}
                autoplay
                playsinline
                .muted=${this.self}
                .srcObject=${this.stream}
                ?hidden=${!this.video}
              ></video>`
            : nothing
        }
        ${
          this.stream && this.video
            ? nothing
            : html`<div class="avatar" aria-hidden="true">
                <span data-face=${faceIndex(this.name)}>${initials(this.name) || '?'}</span>
              </div>`
        }
        ${link ? html`<span class="link" data-state=${this.state} aria-label=${`link state of ${label}`}>${link}</span>` : nothing}
        <div class="badges">
          ${this.micOff ? html`<span class="badge off">${icon(MicOff)}<span class="visually-hidden">Microphone off</span></span>` : nothing}
          ${this.cameraOff && !this.screen ? html`<span class="badge">${icon(VideoOff)}<span class="visually-hidden">Camera off</span></span>` : nothing}
          ${this.screen ? html`<span class="badge">${icon(MonitorUp)}<span class="visually-hidden">My screen</span></span>` : nothing}
        </div>
        <figcaption><span class="name">${shown}</span></figcaption>
      </figure>
    `;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // A tile moved on the stage (a member joined before it) was taken out of the document for
    // a moment, which pauses a video for good: play it again.
    if (this.hasUpdated) void this.updateComplete.then(() => this.play());
  }

  protected override updated(changed: PropertyValues<this>) {
    if (changed.has('stream') && this.stream && !this.self) void this.play();
  }

  /**
   * Plays the video with its sound; if the browser wants a click first, plays it muted (the
   * picture moves) and fires `tile-blocked`. Call it again from a click to bring the sound.
   */
  async play(): Promise<void> {
    const video = this.videoElement;
    if (!video || !this.isConnected) return;
    if (this.self) {
      void video.play().catch(() => {});
      return;
    }
    video.muted = false;
    try {
      await video.play();
    } catch (error) {
      if (!(error instanceof DOMException) || error.name !== 'NotAllowedError') return;
      video.muted = true;
      void video.play().catch(() => {});
      this.dispatchEvent(new CustomEvent('tile-blocked', { bubbles: true, composed: true }));
    }
  }
}

/**
 * One of six calm colours per name, so the same person keeps the same face (a data attribute:
 * the app's CSP refuses style attributes).
 */
function faceIndex(name: string): number {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return hash % 6;
}

declare global {
  interface HTMLElementTagNameMap {
    'call-tile': CallTile;
  }
  interface HTMLElementEventMap {
    'tile-blocked': CustomEvent<null>;
  }
}
