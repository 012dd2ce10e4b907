import { css, html, LitElement, svg } from 'lit';
import { customElement, property } from 'lit/decorators.js';

/** One line of a {@link StatsChart}. */
export interface ChartSeries {
  label: string;
  color: string;
  /** Oldest first; null where there is no value. */
  values: readonly (number | null)[];
}

const WIDTH = 240;
const HEIGHT = 60;

/** A small live line chart in SVG: the last samples of one or two series, on a shared scale. */
@customElement('stats-chart')
export class StatsChart extends LitElement {
  static override styles = css`
    :host {
      display: block;
    }
    figure {
      margin: 0;
    }
    svg {
      width: 100%;
      height: 4rem;
      background: #f8f9fb;
      border: 1px solid var(--border, #c5cad3);
      border-radius: 4px;
    }
    figcaption {
      font-size: 0.85rem;
      color: var(--muted, #5f6673);
    }
    .key {
      width: 0.8em;
      height: 0.25em;
      vertical-align: middle;
      margin: 0 0.2em 0 0.5em;
      background: none;
      border: 0;
      border-radius: 0;
    }
  `;

  @property() caption = '';
  @property() unit = '';
  /** How many samples the x axis spans. */
  @property({ type: Number }) span = 60;
  @property({ attribute: false }) series: readonly ChartSeries[] = [];

  override render() {
    const all = this.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
    const max = Math.max(1, ...all) * 1.1;
    const latest = this.series
      .map((s) => `${s.label} ${format(s.values.at(-1) ?? null)} ${this.unit}`)
      .join(', ');
    return html`
      <figure>
        <svg
          viewBox="0 0 ${WIDTH} ${HEIGHT}"
          preserveAspectRatio="none"
          role="img"
          aria-label="${this.caption}: ${latest || 'no samples yet'}"
        >
          ${this.series.map((s) => {
            const step = WIDTH / Math.max(1, this.span - 1);
            const offset = this.span - s.values.length;
            const points = s.values
              .map((v, i) =>
                v === null
                  ? null
                  : `${((offset + i) * step).toFixed(1)},${(HEIGHT - (v / max) * HEIGHT).toFixed(1)}`,
              )
              .filter((p) => p !== null)
              .join(' ');
            return svg`<polyline points=${points} fill="none" stroke=${s.color} stroke-width="1.5" vector-effect="non-scaling-stroke" />`;
          })}
        </svg>
        <figcaption>
          ${this.caption} (max ${format(max / 1.1)} ${this.unit}):
          ${this.series.map(
            (s) =>
              // An SVG fill, not a style attribute: the app's CSP refuses those (and Lit's
              // styleMap writes one on first render, lit/lit#4719).
              html`<svg class="key" viewBox="0 0 4 1" preserveAspectRatio="none" aria-hidden="true"><rect width="4" height="1" fill=${s.color}></rect></svg>${s.label}
                ${format(s.values.at(-1) ?? null)}`,
          )}
        </figcaption>
      </figure>
    `;
  }
}

function format(value: number | null): string {
  if (value === null) return '–';
  return value >= 100 ? String(Math.round(value)) : value.toFixed(1);
}

declare global {
  interface HTMLElementTagNameMap {
    'stats-chart': StatsChart;
  }
}
