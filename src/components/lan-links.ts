import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { pathForRoom } from '../room-path.ts';

/** Links to the same room on the server's LAN addresses (from `ipaddr`), for another device. */
@customElement('lan-links')
export class LanLinks extends LitElement {
  static override styles = css`
    :host {
      display: block;
    }
    h2 {
      margin: 0 0 0.25rem;
      font-size: 1rem;
    }
    ul {
      margin: 0;
      padding-left: 1.2rem;
    }
    a {
      overflow-wrap: anywhere;
    }
  `;

  @property({ attribute: false }) addresses: readonly string[] = [];
  @property() room = '';

  override render() {
    if (this.addresses.length === 0) return nothing;
    const port = location.port ? `:${location.port}` : '';
    const path = this.room ? pathForRoom(this.room) : '/';
    return html`
      <section aria-labelledby="lan-title">
        <h2 id="lan-title">Open on another device</h2>
        <ul>
          ${this.addresses.map((address) => {
            const href = `${location.protocol}//${address}${port}${path}`;
            return html`<li><a href=${href}>${href}</a></li>`;
          })}
        </ul>
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'lan-links': LanLinks;
  }
}
