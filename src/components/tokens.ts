import { css } from 'lit';

/**
 * The visual language of the app, as CSS custom properties on each component's host: colours,
 * type, radii, spacing and shadows, one place for the join screen, the call view and the
 * operator page (server/http/admin.ts mirrors these values in its stylesheet). A page can
 * override any of them on an ancestor (`rooms-app { --wr-accent: … }`): the fallbacks below
 * apply only where nothing is set.
 */
export const tokenStyles = css`
  :host {
    --wr-font: var(--font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    --wr-text: #1f1f1f;
    --wr-text-muted: #5f6368;
    --wr-surface: #ffffff;
    --wr-surface-muted: #f1f3f4;
    --wr-page: #f8f9fb;
    --wr-border: #dadce0;
    --wr-accent: #1a73e8;
    --wr-accent-hover: #1765cc;
    --wr-on-accent: #ffffff;
    --wr-danger: #d93025;
    --wr-danger-soft: #fce8e6;
    --wr-success: #188038;
    --wr-warning-soft: #fef7e0;
    --wr-stage: #202124;
    --wr-on-stage: #e8eaed;
    --wr-control: rgb(60 64 67 / 0.85);
    --wr-control-hover: rgb(80 84 87 / 0.95);
    --wr-focus: 0 0 0 3px rgb(26 115 232 / 0.45);
    --wr-radius-s: 8px;
    --wr-radius-m: 12px;
    --wr-radius-l: 20px;
    --wr-radius-pill: 999px;
    --wr-space-1: 0.25rem;
    --wr-space-2: 0.5rem;
    --wr-space-3: 0.75rem;
    --wr-space-4: 1rem;
    --wr-space-6: 1.5rem;
    --wr-space-8: 2rem;
    --wr-shadow: 0 1px 2px rgb(60 64 67 / 0.3), 0 2px 6px 2px rgb(60 64 67 / 0.15);
    --wr-control-size: 3.25rem;
    font-family: var(--wr-font);
    color: var(--wr-text);
  }
  .icon {
    width: 1.25em;
    height: 1.25em;
    flex: none;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;

/**
 * Controls in the app's language: the primary pill button, quiet buttons, round icon toggles
 * that sit on video (red when off, as people know from calls), text fields and pickers.
 */
export const controlStyles = css`
  button,
  input,
  select {
    font: inherit;
    color: inherit;
  }
  :is(button, input, select, summary):focus-visible {
    outline: none;
    box-shadow: var(--wr-focus);
  }
  .primary {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: var(--wr-space-2);
    min-height: 3rem;
    padding: 0 var(--wr-space-8);
    border: none;
    border-radius: var(--wr-radius-pill);
    background: var(--wr-accent);
    color: var(--wr-on-accent);
    font-weight: 600;
    cursor: pointer;
  }
  .primary:hover {
    background: var(--wr-accent-hover);
  }
  .primary:disabled {
    background: var(--wr-surface-muted);
    color: var(--wr-text-muted);
    cursor: not-allowed;
  }
  .quiet {
    display: inline-flex;
    align-items: center;
    gap: var(--wr-space-2);
    padding: var(--wr-space-2) var(--wr-space-3);
    border: 1px solid var(--wr-border);
    border-radius: var(--wr-radius-pill);
    background: var(--wr-surface);
    color: var(--wr-accent);
    cursor: pointer;
  }
  .round {
    display: inline-grid;
    place-items: center;
    width: var(--wr-control-size);
    height: var(--wr-control-size);
    border: 1px solid rgb(255 255 255 / 0.25);
    border-radius: 50%;
    background: var(--wr-control);
    color: #fff;
    cursor: pointer;
  }
  .round:hover {
    background: var(--wr-control-hover);
  }
  .round[aria-pressed='false'] {
    background: var(--wr-danger);
    border-color: var(--wr-danger);
  }
  .round .icon {
    width: 1.4rem;
    height: 1.4rem;
  }
  .field {
    display: grid;
    gap: var(--wr-space-1);
  }
  .field > label {
    font-size: 0.85rem;
    font-weight: 500;
    color: var(--wr-text-muted);
  }
  input[type='text'],
  input[type='password'],
  select {
    min-height: 2.75rem;
    padding: 0 var(--wr-space-3);
    border: 1px solid var(--wr-border);
    border-radius: var(--wr-radius-s);
    background: var(--wr-surface);
    min-width: 0;
  }
  input:focus-visible,
  select:focus-visible {
    border-color: var(--wr-accent);
  }
  input[aria-invalid='true'] {
    border-color: var(--wr-danger);
  }
`;
