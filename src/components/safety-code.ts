import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';

/**
 * The safety code of one peer connection (see src/safety-code.ts), for two people to compare
 * over the call itself: the same code on both screens means nobody sits between their two
 * browsers. With `hint`, it says so.
 */
@customElement('safety-code')
export class SafetyCode extends LitElement {
  static override styles = css`
    :host {
      display: block;
      font-size: 0.9rem;
    }
    p {
      margin: 0;
    }
    .label {
      color: var(--muted, #5f6673);
    }
    .code {
      font-family: ui-monospace, monospace;
      font-weight: 600;
      letter-spacing: 0.03em;
      white-space: nowrap;
    }
    .hint {
      color: var(--muted, #5f6673);
      font-size: 0.85rem;
    }
  `;

  /** The code, or null before the first answer (or when it cannot be computed). */
  @property({ attribute: false }) code: string | null = null;
  /** Whose link the code is of, for its label; empty for the call of two. */
  @property() peer = '';
  /** Explains what to do with the code. */
  @property({ type: Boolean }) hint = false;

  override render() {
    const label = this.peer ? `safety code of ${this.peer}` : 'safety code';
    // WebCrypto, which hashes the fingerprints, exists only on https pages and localhost.
    const shown = this.code ?? (window.isSecureContext ? '–' : 'needs an https page');
    return html`
      <p>
        <span class="label">Safety code</span>
        <span class="code" aria-label=${label}>${shown}</span>
      </p>
      ${
        this.hint
          ? html`<p class="hint">
              Compare it with the other person's, read aloud in the call: the same code on both
              screens means nobody sits between your two browsers.
            </p>`
          : nothing
      }
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'safety-code': SafetyCode;
  }
}
