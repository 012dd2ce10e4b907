import { css } from 'lit';

/**
 * The app's layout: the call fills the window (header, stage and side panel, control bar) on the
 * dark stage colour; the page without a seat (the room picker, a full room) is a light column.
 */
export const roomsAppStyles = css`
  :host {
    display: block;
    min-height: 100dvh;
    background: var(--wr-page);
  }
  :host([in-call]) {
    background: var(--wr-stage);
    color: var(--wr-on-stage);
  }
  .call {
    display: grid;
    grid-template-rows: auto minmax(0, 1fr) auto;
    grid-template-columns: minmax(0, 1fr);
    height: 100dvh;
    overflow: hidden;
  }
  header {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: var(--wr-space-3);
    padding: var(--wr-space-3) var(--wr-space-4);
    min-width: 0;
  }
  .title {
    display: flex;
    align-items: baseline;
    flex-wrap: wrap;
    gap: 0 var(--wr-space-3);
    min-width: 0;
  }
  .title h1 {
    margin: 0;
    font-size: 1.1rem;
    font-weight: 500;
    overflow-wrap: anywhere;
  }
  .title .status {
    font-size: 0.9rem;
    opacity: 0.8;
  }
  .server {
    display: flex;
    align-items: center;
    gap: var(--wr-space-2);
    font-size: 0.85rem;
    white-space: nowrap;
  }
  .server .what {
    opacity: 0.75;
  }
  .connection {
    display: inline-flex;
    align-items: center;
    gap: 0.35rem;
    padding: 0.15rem 0.6rem;
    border-radius: var(--wr-radius-pill);
    background: rgb(128 134 139 / 0.25);
  }
  .connection::before {
    content: '';
    width: 0.5rem;
    height: 0.5rem;
    border-radius: 50%;
    background: #9aa0a6;
  }
  .connection[data-state='connected']::before {
    background: #34a853;
  }
  .connection[data-state='reconnecting']::before,
  .connection[data-state='disconnected']::before {
    background: #ea4335;
  }
  .main {
    display: flex;
    gap: var(--wr-space-3);
    min-height: 0;
    padding: 0 var(--wr-space-3);
  }
  call-stage {
    flex: 1;
    min-width: 0;
  }
  side-panel {
    flex: 0 0 22rem;
  }
  side-panel[hidden] {
    display: none;
  }
  .alerts {
    position: absolute;
    top: 4rem;
    left: 50%;
    transform: translateX(-50%);
    display: grid;
    gap: var(--wr-space-2);
    width: min(32rem, calc(100% - 2rem));
    z-index: 2;
  }
  .alert {
    margin: 0;
    padding: var(--wr-space-3) var(--wr-space-4);
    border-radius: var(--wr-radius-s);
    background: var(--wr-danger-soft);
    color: #a50e0e;
    box-shadow: var(--wr-shadow);
  }
  .invite p {
    margin: 0 0 var(--wr-space-2);
  }
  @media (max-width: 40rem) {
    header {
      padding: var(--wr-space-2) var(--wr-space-3);
    }
    .server .what {
      display: none;
    }
    .main {
      padding: 0 var(--wr-space-2);
    }
    side-panel {
      position: fixed;
      inset: 0;
      z-index: 3;
      border-radius: 0;
    }
  }

  /* Without a seat: the room picker, or why the room could not be joined. */
  .home {
    max-width: 44rem;
    margin: 0 auto;
    padding: var(--wr-space-6) var(--wr-space-4);
    display: grid;
    gap: var(--wr-space-4);
  }
  .home header {
    padding: 0;
  }
  .brand {
    display: flex;
    align-items: center;
    gap: var(--wr-space-2);
    margin: 0;
    font-size: 1.35rem;
    font-weight: 500;
  }
  .brand .icon {
    color: var(--wr-accent);
  }
  .home .server {
    color: var(--wr-text-muted);
  }
  .card {
    display: grid;
    gap: var(--wr-space-4);
    padding: var(--wr-space-6);
    border: 1px solid var(--wr-border);
    border-radius: var(--wr-radius-m);
    background: var(--wr-surface);
  }
  .card p {
    margin: 0;
  }
`;
