import { css } from 'lit';

/** What every panel shares: a block host and its heading. */
export const panelStyles = css`
  :host {
    display: block;
  }
  h2 {
    margin: 0 0 0.5rem;
    font-size: 1.1rem;
  }
`;

/** Plain buttons and the row that holds them. */
export const buttonStyles = css`
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
  }
  button {
    font: inherit;
    padding: 0.4rem 0.9rem;
    border: 1px solid var(--border, #c5cad3);
    border-radius: 6px;
    background: white;
    cursor: pointer;
  }
  button:disabled {
    cursor: not-allowed;
    opacity: 0.6;
  }
`;
