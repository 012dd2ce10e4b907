import { css, html, LitElement } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import {
  type IconNode,
  Info,
  MessageSquare,
  Mic,
  MicOff,
  MonitorUp,
  Paperclip,
  PhoneOff,
  Video,
  VideoOff,
} from 'lucide';
import { icon } from './icon.ts';
import { controlStyles, tokenStyles } from './tokens.ts';

/** The side panel's views: the bar opens the first three, the panel's own tabs all four. */
export type PanelView = 'chat' | 'files' | 'details' | 'log';

/** The events {@link ControlBar} fires; `panel-toggle` carries the {@link PanelView}. */
export type ControlEvent =
  | 'mic-toggle'
  | 'camera-toggle'
  | 'screen-toggle'
  | 'panel-toggle'
  | 'call-leave';

/**
 * The call's controls, one row of round icon buttons as people know them from calls: the
 * microphone, the camera and the screen share (toggles, `aria-pressed`), the chat, the files
 * and the details of the side panel, and Leave. Each has an accessible name and a tooltip.
 */
@customElement('control-bar')
export class ControlBar extends LitElement {
  static override styles = [
    tokenStyles,
    controlStyles,
    css`
      :host {
        display: flex;
        justify-content: center;
        padding: var(--wr-space-3) var(--wr-space-2);
      }
      .bar {
        display: flex;
        align-items: center;
        gap: var(--wr-space-2);
      }
      .sep {
        width: 1px;
        height: 2rem;
        margin: 0 var(--wr-space-1);
        background: rgb(255 255 255 / 0.2);
      }
      .round[data-kind='panel'][aria-pressed='false'],
      .round[data-kind='screen'][aria-pressed='false'] {
        background: var(--wr-control);
        border-color: rgb(255 255 255 / 0.25);
      }
      .round[data-kind='panel'][aria-pressed='true'],
      .round[data-kind='screen'][aria-pressed='true'] {
        background: #8ab4f8;
        border-color: #8ab4f8;
        color: #202124;
      }
      .round:disabled {
        opacity: 0.5;
        cursor: wait;
      }
      .leave {
        width: calc(var(--wr-control-size) * 1.4);
        border-radius: var(--wr-radius-pill);
        background: var(--wr-danger);
        border-color: var(--wr-danger);
      }
      .leave:hover {
        background: #b3261e;
      }
      @media (max-width: 30rem) {
        :host {
          --wr-control-size: 2.75rem;
        }
        .bar {
          gap: 0.35rem;
        }
        .sep {
          display: none;
        }
      }
      /* A 360 px phone: seven controls in one row. */
      @media (max-width: 24rem) {
        :host {
          --wr-control-size: 2.5rem;
          padding: var(--wr-space-2) var(--wr-space-1);
        }
        .bar {
          gap: 0.25rem;
        }
      }
    `,
  ];

  /** The microphone sends (false when muted, or when there is none). */
  @property({ type: Boolean }) mic = false;
  @property({ type: Boolean }) camera = false;
  @property({ type: Boolean }) sharing = false;
  /** The camera or microphone is starting (a permission prompt may be open). */
  @property({ type: Boolean }) starting = false;
  /** What the side panel shows, or null while it is closed. */
  @property() panel: PanelView | null = null;

  override render() {
    const toggle = (
      name: string,
      kind: string,
      on: boolean,
      glyph: IconNode,
      tip: string,
      event: ControlEvent,
      view?: PanelView,
    ) => html`<button
      type="button"
      class="round"
      data-kind=${kind}
      aria-label=${name}
      title=${tip}
      aria-pressed=${on ? 'true' : 'false'}
      ?disabled=${this.starting && (kind === 'mic' || kind === 'camera')}
      @click=${() => this.#fire(event, view)}
    >
      ${icon(glyph)}
    </button>`;
    const view = this.panel;
    return html`<div class="bar" role="toolbar" aria-label="Call controls">
      ${toggle('Microphone', 'mic', this.mic, this.mic ? Mic : MicOff, this.mic ? 'Turn off microphone' : 'Turn on microphone', 'mic-toggle')}
      ${toggle('Camera', 'camera', this.camera, this.camera ? Video : VideoOff, this.camera ? 'Turn off camera' : 'Turn on camera', 'camera-toggle')}
      ${toggle('Share screen', 'screen', this.sharing, MonitorUp, this.sharing ? 'Stop sharing your screen' : 'Share your screen', 'screen-toggle')}
      <span class="sep" aria-hidden="true"></span>
      ${toggle('Chat', 'panel', view === 'chat', MessageSquare, 'Chat with everyone', 'panel-toggle', 'chat')}
      ${toggle('Files', 'panel', view === 'files', Paperclip, 'Send and receive files', 'panel-toggle', 'files')}
      ${toggle('Details', 'panel', view === 'details', Info, 'Room, signaling log and connection details', 'panel-toggle', 'details')}
      <span class="sep" aria-hidden="true"></span>
      <button type="button" class="round leave" aria-label="Leave call" title="Leave the call" @click=${() => this.#fire('call-leave')}>
        ${icon(PhoneOff)}
      </button>
    </div>`;
  }

  #fire(name: ControlEvent, view?: PanelView) {
    this.dispatchEvent(
      new CustomEvent(name, { detail: view ?? null, bubbles: true, composed: true }),
    );
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'control-bar': ControlBar;
  }
}
