import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { Link, Volume2 } from 'lucide';
import { SpeakingMeter } from '../call/speaking.ts';
import type { PeerView } from '../call/types.ts';
import type { CallTile } from './call-tile.ts';
import { icon } from './icon.ts';
import { controlStyles, tokenStyles } from './tokens.ts';
import './call-tile.ts';

/** This tab as its own tile shows it. */
export interface SelfView {
  name: string;
  stream: MediaStream | null;
  screen: MediaStream | null;
  micMuted: boolean;
  cameraOff: boolean;
}

const GAP = 8;
/** How often the speaking ring looks at the audio levels. */
const SPEAKING_EVERY_MS = 200;

/** The link of a member as its tile shows it: up only once its chat channel is open too. */
function tileState(peer: PeerView): string {
  if (peer.state === 'connected' && !peer.channelOpen) return 'connecting';
  return peer.state;
}

/**
 * The stage of the call: a tile per member, this tab's own last, laid out as large as the
 * space allows (a 2×2 grid for four; a column on a phone), the speaking ring, and one banner
 * that starts every tile's sound when the browser held it back.
 */
@customElement('call-stage')
export class CallStage extends LitElement {
  static override styles = [
    tokenStyles,
    controlStyles,
    css`
      :host {
        position: relative;
        display: block;
        min-height: 0;
        height: 100%;
        overflow: hidden;
      }
      .grid {
        height: 100%;
        display: flex;
        flex-wrap: wrap;
        justify-content: center;
        align-content: center;
        gap: ${GAP}px;
      }
      call-tile {
        width: var(--tile-w, 100%);
        height: var(--tile-h, 100%);
      }
      .banner,
      .alone {
        position: absolute;
        left: var(--wr-space-4);
        right: var(--wr-space-4);
        width: fit-content;
        margin: 0 auto;
        display: flex;
        flex-wrap: wrap;
        justify-content: center;
        align-items: center;
        gap: var(--wr-space-2) var(--wr-space-3);
        padding: var(--wr-space-2) var(--wr-space-2) var(--wr-space-2) var(--wr-space-4);
        border-radius: var(--wr-radius-l);
        background: var(--wr-surface);
        color: var(--wr-text);
        box-shadow: var(--wr-shadow);
        z-index: 1;
      }
      .banner {
        top: var(--wr-space-4);
      }
      .alone {
        bottom: var(--wr-space-4);
      }
      .banner p,
      .alone p {
        margin: 0;
      }
      .primary,
      .quiet {
        min-height: 2.5rem;
        padding: 0 var(--wr-space-4);
        white-space: nowrap;
      }
    `,
  ];

  @property({ attribute: false }) peers: readonly PeerView[] = [];
  @property({ attribute: false }) self: SelfView = {
    name: '',
    stream: null,
    screen: null,
    micMuted: false,
    cameraOff: false,
  };
  /** The browser held back a tile's sound: one click starts them all. */
  @state() private blocked = false;
  @state() private speaking = new Set<MediaStream>();
  @state() private copied = false;

  readonly #meter = new SpeakingMeter();
  readonly #resize = new ResizeObserver(() => this.#layout());
  #timer: ReturnType<typeof setInterval> | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    this.#resize.observe(this);
    this.addEventListener('tile-blocked', this.#onBlocked);
    this.#timer = setInterval(() => this.#listen(), SPEAKING_EVERY_MS);
  }

  override disconnectedCallback(): void {
    this.#resize.disconnect();
    this.removeEventListener('tile-blocked', this.#onBlocked);
    clearInterval(this.#timer);
    this.#meter.close();
    super.disconnectedCallback();
  }

  protected override updated(): void {
    this.#layout();
  }

  override render() {
    const self = this.self;
    const own = self.screen ?? self.stream;
    const ownVideo = !!self.screen || (!!self.stream?.getVideoTracks().length && !self.cameraOff);
    return html`
      ${
        this.blocked
          ? html`<div class="banner" role="alert">
              <p>Your browser held back the sound.</p>
              <button class="primary" type="button" @click=${this.#startSound}>
                ${icon(Volume2)} Start sound and video
              </button>
            </div>`
          : nothing
      }
      <div class="grid">
        ${repeat(
          this.peers,
          (peer) => peer.id,
          (peer) => html`<call-tile
            .name=${peer.name}
            .state=${tileState(peer)}
            .stream=${peer.remoteStream}
            ?video=${peer.remoteVideo && peer.camera !== false}
            ?micOff=${peer.mic === false}
            ?cameraOff=${peer.camera === false}
            ?speaking=${!!peer.remoteStream && this.speaking.has(peer.remoteStream)}
          ></call-tile>`,
        )}
        <call-tile
          self
          .name=${self.name}
          .stream=${own}
          ?video=${ownVideo}
          ?screen=${!!self.screen}
          ?micOff=${!self.stream?.getAudioTracks().length || self.micMuted}
          ?cameraOff=${!ownVideo}
          ?speaking=${!!self.stream && this.speaking.has(self.stream)}
        ></call-tile>
      </div>
      ${
        this.peers.length === 0
          ? html`<div class="alone">
              <p>You're the only one here.</p>
              <button class="quiet" type="button" @click=${this.#copy}>
                ${icon(Link)} ${this.copied ? 'Link copied' : 'Copy invite link'}
              </button>
            </div>`
          : nothing
      }
    `;
  }

  /** Sizes the tiles: the column count that gives the largest tiles for the stage's shape. */
  #layout(): void {
    const width = this.clientWidth;
    const height = this.clientHeight;
    const count = this.peers.length + 1;
    if (width === 0 || height === 0) return;
    // A phone held upright: tiles fill the stage in one column (two from three members on).
    if (height > width) {
      const cols = count <= 2 ? 1 : 2;
      const rows = Math.ceil(count / cols);
      this.#setSize((width - GAP * (cols - 1)) / cols, (height - GAP * (rows - 1)) / rows);
      return;
    }
    // Landscape: a near-square grid (two side by side, 2×2 for four, 3×2 for six) of 4:3
    // tiles, as large as their cells allow.
    const cols = Math.ceil(Math.sqrt(count));
    const rows = Math.ceil(count / cols);
    const cellW = (width - GAP * (cols - 1)) / cols;
    const cellH = (height - GAP * (rows - 1)) / rows;
    const w = Math.min(cellW, cellH * (4 / 3));
    this.#setSize(w, w * (3 / 4));
  }

  #setSize(w: number, h: number): void {
    // Custom properties through the CSSOM: the app's CSP refuses style attributes.
    this.style.setProperty('--tile-w', `${Math.floor(w)}px`);
    this.style.setProperty('--tile-h', `${Math.floor(h)}px`);
  }

  #listen(): void {
    const streams = [
      ...this.peers.flatMap((peer) => (peer.remoteStream ? [peer.remoteStream] : [])),
      ...(this.self.stream ? [this.self.stream] : []),
    ];
    this.#meter.follow(streams);
    const now = new Set(streams.filter((stream) => this.#meter.speaking(stream)));
    const same = now.size === this.speaking.size && [...now].every((s) => this.speaking.has(s));
    if (!same) this.speaking = now;
  }

  readonly #onBlocked = () => {
    this.blocked = true;
  };

  #startSound = async () => {
    this.blocked = false;
    const tiles = this.renderRoot.querySelectorAll<CallTile>('call-tile');
    await Promise.all([...tiles].map((tile) => tile.play()));
  };

  async #copy() {
    try {
      await navigator.clipboard.writeText(location.origin + location.pathname);
      this.copied = true;
    } catch {
      this.copied = false;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'call-stage': CallStage;
  }
}
