import { html, nothing, type TemplateResult } from 'lit';
import { unsafeSVG } from 'lit/directives/unsafe-svg.js';
import type { IconNode } from 'lucide';

/** The SVG markup of each icon drawn so far: an icon's parts are the same on every render. */
const drawn = new WeakMap<IconNode, string>();

const escape = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The inner markup of a Lucide icon (its paths, circles, rects), from the set's own data. */
function markup(node: IconNode): string {
  let text = drawn.get(node);
  if (text === undefined) {
    text = node
      .map(([tag, attrs]) => {
        const pairs = Object.entries(attrs)
          .filter(([, value]) => value !== undefined)
          .map(([name, value]) => `${name}="${escape(String(value))}"`);
        return `<${tag} ${pairs.join(' ')}></${tag}>`;
      })
      .join('');
    drawn.set(node, text);
  }
  return text;
}

/**
 * A Lucide icon (`import { Mic } from 'lucide'`) as inline SVG in the text's colour, sized by
 * the `.icon` rule of {@link tokenStyles}. Decorative unless given a `label` (then an image
 * with that name); a button that holds only an icon names itself with `aria-label`.
 */
export function icon(node: IconNode, label?: string): TemplateResult {
  return html`<svg
    class="icon"
    viewBox="0 0 24 24"
    fill="none"
    stroke="currentColor"
    stroke-width="2"
    stroke-linecap="round"
    stroke-linejoin="round"
    aria-hidden=${label === undefined ? 'true' : nothing}
    role=${label === undefined ? nothing : 'img'}
    aria-label=${label ?? nothing}
  >${unsafeSVG(markup(node))}</svg>`;
}
