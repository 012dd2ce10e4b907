import { css } from 'lit';

/** The join screen's layout: preview beside the form at desktop widths, stacked on a phone. */
export const joinScreenStyles = css`
  :host {
    display: flex;
    flex-direction: column;
    min-height: 100vh;
    min-height: 100dvh;
    background: var(--wr-page);
  }
  .brand {
    display: flex;
    align-items: center;
    gap: var(--wr-space-2);
    padding: var(--wr-space-4) var(--wr-space-6);
    font-weight: 600;
    font-size: 1.05rem;
    color: var(--wr-text);
  }
  .brand .icon {
    color: var(--wr-accent);
  }
  .lobby {
    display: grid;
    grid-template-columns: minmax(0, 1.55fr) minmax(18rem, 1fr);
    align-items: center;
    gap: var(--wr-space-8) 3rem;
    flex: 1;
    align-content: center;
    width: 100%;
    max-width: 72rem;
    box-sizing: border-box;
    margin: 0 auto;
    padding: var(--wr-space-6) var(--wr-space-6) 4rem;
  }
  .stage {
    display: grid;
    gap: var(--wr-space-3);
    min-width: 0;
  }
  .preview {
    position: relative;
    aspect-ratio: 16 / 9;
    border-radius: var(--wr-radius-l);
    overflow: hidden;
    background: var(--wr-stage);
    color: var(--wr-on-stage);
    box-shadow: var(--wr-shadow);
  }
  video {
    width: 100%;
    height: 100%;
    object-fit: cover;
    transform: scaleX(-1);
    display: block;
  }
  video[hidden] {
    display: none;
  }
  .placeholder {
    position: absolute;
    inset: 0;
    display: grid;
    place-content: center;
    justify-items: center;
    gap: var(--wr-space-3);
    padding: var(--wr-space-6);
    text-align: center;
  }
  .avatar {
    display: grid;
    place-items: center;
    width: 6rem;
    height: 6rem;
    border-radius: 50%;
    background: #5f6bd8;
    color: #fff;
    font-size: 2.2rem;
    font-weight: 500;
  }
  .avatar .icon {
    width: 2.5rem;
    height: 2.5rem;
  }
  .me {
    position: absolute;
    left: var(--wr-space-4);
    top: var(--wr-space-3);
    padding: var(--wr-space-1) var(--wr-space-3);
    border-radius: var(--wr-radius-pill);
    background: rgb(0 0 0 / 0.45);
    color: #fff;
    font-size: 0.9rem;
    max-width: 60%;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .toggles {
    position: absolute;
    left: 0;
    right: 0;
    bottom: var(--wr-space-4);
    display: flex;
    justify-content: center;
    gap: var(--wr-space-4);
  }
  .devices {
    display: grid;
    grid-template-columns: repeat(2, minmax(0, 1fr));
    gap: var(--wr-space-3);
  }
  .picker {
    position: relative;
    display: flex;
    align-items: center;
  }
  .picker .icon {
    position: absolute;
    left: var(--wr-space-3);
    color: var(--wr-text-muted);
    pointer-events: none;
  }
  .picker select {
    width: 100%;
    padding-left: 2.5rem;
    border-radius: var(--wr-radius-pill);
    text-overflow: ellipsis;
  }
  .panel {
    display: grid;
    gap: var(--wr-space-6);
    justify-items: center;
    text-align: center;
  }
  h1 {
    margin: 0;
    font-size: 1.9rem;
    font-weight: 500;
    letter-spacing: -0.01em;
  }
  .room {
    margin: var(--wr-space-1) 0 0;
    color: var(--wr-text-muted);
    overflow-wrap: anywhere;
  }
  .presence {
    display: flex;
    align-items: center;
    justify-content: center;
    gap: var(--wr-space-3);
    min-height: 2.5rem;
    margin: 0;
    color: var(--wr-text-muted);
  }
  .presence.locked,
  .presence.full {
    color: var(--wr-text);
  }
  .faces {
    display: flex;
  }
  .face {
    display: grid;
    place-items: center;
    width: 2.25rem;
    height: 2.25rem;
    margin-left: -0.5rem;
    border: 2px solid var(--wr-page);
    border-radius: 50%;
    background: #0b8043;
    color: #fff;
    font-size: 0.85rem;
    font-weight: 600;
  }
  .face:first-child {
    margin-left: 0;
  }
  .face:nth-child(2) {
    background: #8430ce;
  }
  .face:nth-child(3) {
    background: #c5221f;
  }
  form {
    display: grid;
    gap: var(--wr-space-4);
    width: 100%;
    max-width: 22rem;
    text-align: left;
  }
  .switch {
    display: flex;
    align-items: center;
    gap: var(--wr-space-2);
    color: var(--wr-text);
    cursor: pointer;
  }
  .switch input {
    width: 1.1rem;
    height: 1.1rem;
    accent-color: var(--wr-accent);
  }
  .check {
    display: inline-flex;
    align-items: center;
    gap: var(--wr-space-2);
    justify-self: start;
    color: #185abc;
    text-decoration: none;
    font-size: 0.9rem;
  }
  .check:hover {
    text-decoration: underline;
  }
  .hint {
    margin: 0;
    font-size: 0.85rem;
    color: var(--wr-text-muted);
  }
  .error {
    margin: 0;
    font-size: 0.85rem;
    color: var(--wr-danger);
  }
  .alert {
    display: flex;
    gap: var(--wr-space-3);
    padding: var(--wr-space-3) var(--wr-space-4);
    border-radius: var(--wr-radius-m);
    background: var(--wr-danger-soft);
    color: #8c1d18;
  }
  .alert.notice {
    background: var(--wr-warning-soft);
    color: #5c3c00;
  }
  .alert p {
    margin: 0;
  }
  .alert strong {
    display: block;
  }
  .primary {
    width: 100%;
  }
  @media (max-width: 52rem) {
    .lobby {
      grid-template-columns: minmax(0, 1fr);
      align-content: start;
      gap: var(--wr-space-6);
      padding: 0 var(--wr-space-4) var(--wr-space-6);
    }
    .brand {
      padding: var(--wr-space-3) var(--wr-space-4);
    }
    .preview {
      aspect-ratio: 4 / 3;
    }
    h1 {
      font-size: 1.5rem;
    }
    .panel {
      gap: var(--wr-space-4);
    }
  }
`;
