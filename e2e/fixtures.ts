/**
 * Fixtures and waiting helpers shared by every spec.
 *
 * How a spec waits: the suite runs on two shared cores, often next to other CPU-heavy work,
 * where a page load, a WebRTC call or a server start can take ten times as long as alone.
 * So a spec never sleeps and never races the clock:
 * - Wait for what a person would see, with web-first assertions (`await expect(locator)...`)
 *   or `expect.poll`, never `waitForTimeout` or a `setTimeout`. The default patience
 *   (`expect.timeout` in playwright.config.ts) is sized for a loaded machine.
 * - Where the wait is legitimately longer than a UI update, pass one of the budgets below
 *   (`{ timeout: WAIT.media }`) rather than a number: they say why the wait is long.
 * - Wait for a change, not for a state that may already be on screen: after a reload or a
 *   hang-up the old "Call connected." can still show for a moment, so prove the new state by
 *   what only it can do (a chat line that crosses, a log line that names the new socket).
 * - Do not count log or timeline lines unless the count is the behaviour: a slow machine adds
 *   retries and reconnects that are correct behaviour.
 * - A tab closed with `page.close()` frees its seat at once when the browser tells the server
 *   it is going away, but a browser too busy to run the page's unload has its renderer killed,
 *   and the socket just drops: the server cannot tell that from a network failure and holds the
 *   seat for its recovery window first. Use {@link RoomTab.expectPeerLeft} after a close.
 * - Start servers with {@link test}'s `startServer` (free port, stopped after the test) and
 *   wait for their ready line, never a fixed delay.
 */
import { test as base, expect, type Locator, type Page } from '@playwright/test';
import { type Started, startProductionServer } from './servers.ts';

/** How long a dropped member keeps its seat on both servers (`SIGNALING_RECOVERY_SECONDS`, the plugin's default). */
export const SEAT_HOLD_MS = 10_000;

/**
 * Budgets for waits that are legitimately longer than the default expect timeout, on a loaded
 * machine. Use them as `{ timeout }` of one assertion.
 */
export const WAIT = {
  /** A peer that left: a close the server only learns of by the socket dropping waits out the hold. */
  peerLeft: SEAT_HOLD_MS + 20_000,
  /** Decoded video frames: camera start, a renegotiation, encoder and decoder warm-up. */
  media: 45_000,
  /** A server (re)start: Vite re-bundling its config, or node loading the production build. */
  serverRestart: 60_000,
} as const;

/**
 * The address of the app's page at `path` without its join screen (`?join`, see
 * src/components/rooms-app.ts): specs of the call open the room directly, as an embedding
 * page would. `?lobby` in `path` asks for the join screen instead (and goes: the app knows no
 * such parameter). Other pages (the codelab's, the server's, `?check`) are left as they are.
 */
export function skipJoinScreen(path: string): string {
  const absolute = /^https?:/.test(path);
  const url = new URL(path, 'http://app.invalid');
  const page =
    url.pathname === '/' ||
    (/^\/[^/]+$/.test(url.pathname) && !/\.(html|js|css|svg|png|ico|json)$/.test(url.pathname));
  if (!page || url.searchParams.has('check')) return path;
  if (url.searchParams.has('lobby')) url.searchParams.delete('lobby');
  else if (!url.searchParams.has('join')) url.searchParams.set('join', '');
  const search = url.searchParams.toString().replace(/=(&|$)/g, '$1');
  const local = `${url.pathname}${search ? `?${search}` : ''}${url.hash}`;
  return absolute ? `${url.origin}${local}` : local;
}

/** A tab of the app, located by role and text as a person sees it. */
export class RoomTab {
  readonly members: Locator;
  readonly role: Locator;
  readonly connection: Locator;
  readonly log: Locator;
  readonly roomInput: Locator;
  readonly joinButton: Locator;
  readonly leaveButton: Locator;

  constructor(readonly page: Page) {
    this.members = page.getByLabel('members present');
    this.role = page.getByTestId('role');
    this.connection = page.getByRole('status', { name: 'connection' });
    this.log = page.getByRole('log', { name: 'Signaling log' });
    this.roomInput = page.getByLabel('Room name');
    this.joinButton = page.getByRole('button', { name: 'Join room' });
    this.leaveButton = page.getByRole('button', { name: 'Leave room' });
  }

  /** Picks a room in the form. */
  async join(room: string) {
    await this.roomInput.fill(room);
    await this.joinButton.click();
  }

  /** Waits until this tab has a seat and the room holds `members` of `capacity`. */
  async expectMembers(members: number, capacity = 2, options: { timeout?: number } = {}) {
    await expect(this.members).toHaveText(`${members}/${capacity}`, options);
  }

  /**
   * Waits until this tab sees the other member gone (1/2 and the notice), after the other tab
   * closed: at once, or once the server's seat hold ends (see the top of this file).
   */
  async expectPeerLeft() {
    await this.expectMembers(1, 2, { timeout: WAIT.peerLeft });
    await expect(this.page.getByText('The other member left the room')).toBeVisible();
  }
}

interface Fixtures {
  /** A room name of this test's own, so tests never share a room. */
  room: string;
  /** Opens a new tab (a page of its own browser context) at `path` and waits for it to load. */
  openTab: (path: string) => Promise<RoomTab>;
  /** Opens two tabs on `path` one after the other and waits until both show 2/2. */
  openPair: (path: string) => Promise<[RoomTab, RoomTab]>;
  /**
   * Starts the production build (`dist/`, which the production web server's `npm run build`
   * makes) with `env` on a free loopback port, or on `port`; resolves once it serves, and stops
   * it after the test.
   */
  startServer: (env?: Record<string, string>, port?: number) => Promise<Started>;
}

/** Tests with fresh tabs on the app and a room of their own. */
export const test = base.extend<Fixtures>({
  room: async ({}, use, testInfo) => {
    await use(`room-${testInfo.testId}-${testInfo.repeatEachIndex}-${testInfo.retry}`);
  },
  // One browser per worker (Playwright's `browser` fixture); each tab a context of its own, so
  // tabs share no storage and one can go offline alone. A context costs little next to a browser.
  openTab: async ({ browser }, use) => {
    const contexts: Awaited<ReturnType<typeof browser.newContext>>[] = [];
    await use(async (path) => {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(skipJoinScreen(path));
      return new RoomTab(page);
    });
    await Promise.all(contexts.map((context) => context.close()));
  },
  openPair: async ({ openTab }, use) => {
    await use(async (path) => {
      const first = await openTab(path);
      await first.expectMembers(1);
      const second = await openTab(path);
      await second.expectMembers(2);
      await first.expectMembers(2);
      return [first, second];
    });
  },
  startServer: async ({}, use) => {
    const started: Started[] = [];
    await use(async (env = {}, port) => {
      const server = await startProductionServer(env, port);
      started.push(server);
      return server;
    });
    await Promise.all(started.map((server) => server.stop()));
  },
});

export { expect };
