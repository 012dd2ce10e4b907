import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { CallState, PeerView } from '../call/types.ts';
import { buttonStyles, panelStyles } from './shared-styles.ts';
import './safety-code.ts';

const STATE_TEXT: Record<CallState, string> = {
  idle: 'No call: join a room first.',
  waiting: 'Waiting for another member to join the room.',
  connecting: 'Connecting the call…',
  connected: 'Call connected.',
  reconnecting: 'Call interrupted: looking for another network path…',
  ended: 'Call ended.',
  failed: 'Call failed.',
};

/** What the call as a whole is doing, in plain words (the header shows it). */
export function callStatus(call: {
  state: CallState;
  endedBy: 'me' | 'peer' | null;
  group: boolean;
  peers: readonly PeerView[];
  capacity: number;
}): string {
  if (!call.group) {
    const ended =
      call.state === 'ended' && call.endedBy
        ? call.endedBy === 'me'
          ? ' You hung up; the room stays open.'
          : ' The other member hung up; the room stays open.'
        : '';
    return `${STATE_TEXT[call.state]}${ended}`;
  }
  const others = call.peers.length;
  if (others === 0) return `Waiting for others to join (up to ${call.capacity}).`;
  const open = call.peers.filter((peer) => peer.channelOpen).length;
  if (open === others)
    return others === 1
      ? 'Connected with the other member.'
      : `Connected with all ${others} others.`;
  return `Connecting: ${open} of ${others} others connected.`;
}

/** A link's state in a member list, in plain words. */
const LINK_WORDS: Record<string, string> = {
  connecting: 'connecting…',
  connected: 'connected',
  reconnecting: 'reconnecting…',
  ended: 'left the call',
  failed: 'connection failed',
};

/** The detail of `call-retry`: the peer whose link to try again. */
export interface CallRetryDetail {
  id: string;
}

/**
 * The people in the call, for the side panel: each member's name, how the link with them is
 * doing, what they announced of their microphone and camera and their safety code; why a link
 * failed (and Try again); hanging up while staying in the room, and calling again.
 */
@customElement('call-panel')
export class CallPanel extends LitElement {
  static override styles = [
    panelStyles,
    buttonStyles,
    css`
      ul {
        list-style: none;
        margin: 0 0 0.75rem;
        padding: 0;
        display: grid;
        gap: 0.5rem;
      }
      li {
        display: grid;
        gap: 0.15rem;
      }
      .who {
        font-weight: 600;
      }
      .muted {
        color: var(--wr-text-muted, #5f6368);
        font-size: 0.85rem;
      }
      .problem {
        margin: 0 0 0.5rem;
        padding: 0.5rem 0.75rem;
        border-radius: 8px;
        background: var(--wr-danger-soft, #fce8e6);
        color: #b3261e;
      }
      button.danger {
        color: #b3261e;
      }
    `,
  ];

  @property() state: CallState = 'idle';
  @property({ attribute: false }) peers: readonly PeerView[] = [];
  /** This tab's display name. */
  @property() me = '';
  /** Why the call could not connect, beside the failed links' own reasons. */
  @property() problem = '';
  /** Milliseconds from this tab's seat to all its links open, once measured (groups). */
  @property({ attribute: false }) allOpenMs: number | null = null;

  override render() {
    const one = this.peers.length === 1 ? this.peers[0] : undefined;
    const live = this.peers.some((p) => p.state !== 'ended');
    return html`
      <section aria-labelledby="people-title">
        <h2 id="people-title">In the call</h2>
        ${this.problem ? html`<p class="problem" role="alert">${this.problem}</p>` : nothing}
        <ul aria-label="People in the call">
          <li><span class="who">${this.me ? `${this.me} (you)` : 'You'}</span></li>
          ${repeat(
            this.peers,
            (peer) => peer.id,
            (peer) => html`<li>
              <span class="who">${peer.name}</span>
              <span class="muted">${LINK_WORDS[peer.state] ?? peer.state} · ${announcedWords(peer)}</span>
              ${
                peer.problem
                  ? html`<p class="problem" role="alert">
                      ${this.peers.length > 1 ? `${peer.name}: ` : ''}${peer.problem}
                      ${peer.state === 'failed' ? html`<button type="button" @click=${() => this.#fire('call-retry', { id: peer.id })}>Try again</button>` : nothing}
                    </p>`
                  : nothing
              }
              ${one || peer.state === 'ended' ? nothing : html`<safety-code .peer=${peer.name} .code=${peer.safetyCode}></safety-code>`}
            </li>`,
          )}
        </ul>
        ${one && one.state !== 'ended' ? html`<safety-code hint .peer=${one.name} .code=${one.safetyCode}></safety-code>` : nothing}
        ${
          this.allOpenMs !== null
            ? html`<p class="muted">Connected to everyone <span aria-label="join to all open">${this.allOpenMs}</span> ms after joining.</p>`
            : nothing
        }
        <div class="actions">
          ${this.peers.length > 0 && !live ? html`<button type="button" @click=${() => this.#fire('call-start')}>Start call</button>` : nothing}
          ${live ? html`<button type="button" class="danger" @click=${() => this.#fire('call-hang-up')}>Hang up</button>` : nothing}
        </div>
      </section>
    `;
  }

  #fire(name: 'call-start' | 'call-hang-up' | 'call-retry', detail: CallRetryDetail | null = null) {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }
}

/** What a member announced of its microphone and camera. */
function announcedWords(peer: PeerView): string {
  if (peer.mic === null && peer.camera === null) return 'no media announced yet';
  const mic = peer.mic ? 'microphone on' : 'microphone off';
  const camera = peer.camera ? 'camera on' : 'camera off';
  return `${mic}, ${camera}`;
}

declare global {
  interface HTMLElementTagNameMap {
    'call-panel': CallPanel;
  }
}
