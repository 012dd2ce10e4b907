import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { buttonStyles } from '../components/shared-styles.ts';
import { pathForRoom } from '../room-path.ts';
import {
  type CheckSummary,
  runCheck,
  STEPS,
  type StepId,
  type StepResult,
} from './network-check.ts';

const VERDICT_TEXT: Record<StepResult['verdict'] | 'running', string> = {
  ok: 'Passed',
  failed: 'Failed',
  skipped: 'Not tested',
  running: 'Checking…',
};

/**
 * The pre-call check (`?check` on a room's URL): runs {@link runCheck} when placed, shows each
 * step with its time and verdict as it comes, then the network's verdict, and offers to run it
 * again or to join the room.
 */
@customElement('call-check')
export class CallCheck extends LitElement {
  static override styles = [
    buttonStyles,
    css`
      :host {
        display: block;
        max-width: 48rem;
        margin: 0 auto;
        padding: 1rem;
      }
      table {
        border-collapse: collapse;
        width: 100%;
        margin: 1rem 0;
      }
      th,
      td {
        text-align: left;
        vertical-align: top;
        padding: 0.35rem 0.75rem 0.35rem 0;
        border-bottom: 1px solid var(--border, #dde1e8);
      }
      td.ms {
        text-align: right;
        font-variant-numeric: tabular-nums;
        white-space: nowrap;
      }
      [data-verdict='ok'] .verdict,
      .summary[data-level='ok'] {
        color: #1e7b34;
      }
      [data-verdict='failed'] .verdict,
      .summary[data-level='fail'] {
        color: #b3261e;
      }
      .summary[data-level='warn'] {
        color: #8a5300;
      }
      .summary {
        font-weight: 600;
      }
    `,
  ];

  /** The room the check was opened for, to join once done. */
  @property() room = '';

  @state() private results = new Map<StepId, StepResult>();
  @state() private summary: CheckSummary | null = null;
  @state() private running = false;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.run();
  }

  /** Runs the check (again), clearing what the last run showed. */
  async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.summary = null;
    this.results = new Map();
    this.summary = await runCheck((result) => {
      this.results = new Map(this.results).set(result.id, result);
    });
    this.running = false;
  }

  override render() {
    return html`
      <h1>Check your network before a call</h1>
      <table aria-label="pre-call check">
        <thead>
          <tr><th>Step</th><th>Verdict</th><th>Time</th><th>What it means</th></tr>
        </thead>
        <tbody>
          ${STEPS.map(([id, name]) => this.#row(id, name))}
        </tbody>
      </table>
      <p class="summary" role="status" aria-label="check verdict" data-level=${this.summary?.level ?? nothing}>
        ${this.summary?.text ?? 'Checking…'}
      </p>
      <div class="actions">
        <button type="button" ?disabled=${this.running} @click=${() => void this.run()}>
          Run the check again
        </button>
        ${this.room ? html`<a href=${pathForRoom(this.room)}>Join room ${this.room}</a>` : nothing}
      </div>
    `;
  }

  #row(id: StepId, name: string) {
    const result = this.results.get(id);
    const verdict = result?.verdict ?? (this.running ? 'running' : 'skipped');
    return html`<tr data-step=${id} data-verdict=${verdict}>
      <th scope="row">${name}</th>
      <td class="verdict">${VERDICT_TEXT[verdict]}</td>
      <td class="ms">${result ? `${result.ms} ms` : ''}</td>
      <td>${result?.detail ?? ''}</td>
    </tr>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'call-check': CallCheck;
  }
}
