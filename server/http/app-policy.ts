/**
 * The Content-Security-Policy of the app's own pages (`src/`, `index.html`), one place for the
 * production command (`server/cli/main.ts`), `vite preview` and `vite` (`vite.config.ts`).
 * docs/security.md says what each part allows and why.
 */

/** The directives every server sends; development adds to `style-src` (see below). */
const DIRECTIVES = {
  // Nothing that is not listed below: no plugins, workers, frames, fonts.
  'default-src': ["'none'"],
  // The built module script and its chunks, from this origin; no inline script, no eval.
  'script-src': ["'self'"],
  // index.html links its one stylesheet; Lit's `static styles` are constructed style sheets,
  // which the policy does not govern. Style attributes are refused, so the components draw
  // colours and bars as SVG attributes (Lit's `styleMap` writes a style attribute on first
  // render, lit/lit#4719).
  'style-src': ["'self'"],
  // Socket.IO's polling and websocket: CSP Level 3 lets 'self' match ws: and wss: on the same
  // host and port. WebRTC (STUN, TURN, the peer connection) is not governed by connect-src.
  'connect-src': ["'self'"],
  // The browser's favicon request. Video elements play MediaStreams through `srcObject`,
  // which fetches nothing, so no media-src is needed; a received file is a `blob:` link with
  // `download`, which is a navigation, not a fetch.
  'img-src': ["'self'"],
  'form-action': ["'self'"],
  'base-uri': ["'none'"],
  'frame-ancestors': ["'none'"],
} as const satisfies Record<string, readonly string[]>;

/** Serializes directives into a header value. */
function policyOf(directives: Record<string, readonly string[]>): string {
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}

/** The app's policy on the production command and `vite preview`. */
export const APP_CONTENT_SECURITY_POLICY = policyOf(DIRECTIVES);

/**
 * The app's policy under `vite` (development). The one difference: `style-src` allows
 * 'unsafe-inline', because Vite's error overlay is a custom element whose shadow root carries
 * an inline `<style>` (and CSS imported from a module would arrive as inline `<style>`
 * elements); nonces would not help, since Vite's `html.cspNonce` is one fixed value. Scripts
 * stay as strict as in production: Vite's client (`/@vite/client`) and every module are
 * scripts from this origin, and its HMR websocket is on this host and port, which 'self'
 * covers.
 */
export const DEV_CONTENT_SECURITY_POLICY = policyOf({
  ...DIRECTIVES,
  'style-src': ["'self'", "'unsafe-inline'"],
});
