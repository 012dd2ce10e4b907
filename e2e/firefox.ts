import type { BrowserContext as PlaywrightContext } from '@playwright/test';
import puppeteer, {
  type Browser as FirefoxBrowser,
  type BrowserContext as FirefoxContext,
} from 'puppeteer-core';
import { type Engine, PeerTab } from './call-tab.ts';
import { findFirefox } from './firefox-browser.mjs';
import { test as base, skipJoinScreen } from './fixtures.ts';

/** Firefox's own switches for a fake camera and microphone, granted without a prompt. */
const FIREFOX_PREFS = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
};

async function launchFirefox(): Promise<FirefoxBrowser> {
  const executablePath = findFirefox();
  if (!executablePath) {
    throw new Error(
      '[e2e] no Firefox: run `npm run provision` (installs firefox-esr) or set FIREFOX_PATH',
    );
  }
  return puppeteer.launch({
    browser: 'firefox',
    executablePath,
    headless: true,
    extraPrefsFirefox: FIREFOX_PREFS,
  });
}

interface WorkerFixtures {
  /** This worker's Firefox, launched on first use and shared by its tests. */
  firefox: () => Promise<FirefoxBrowser>;
}

interface Fixtures {
  /**
   * Opens the app at `path` in a fresh context (its own cookies and storage, as a second
   * person would have) of Chromium or Firefox, and waits for the page to load.
   */
  openPeer: (engine: Engine, path: string) => Promise<PeerTab>;
}

/** Tests that open tabs in Chromium, Firefox, or both. */
export const test = base.extend<Fixtures, WorkerFixtures>({
  firefox: [
    async ({}, use) => {
      let launched: Promise<FirefoxBrowser> | undefined;
      await use(() => {
        launched ??= launchFirefox();
        return launched;
      });
      if (launched) await (await launched).close();
    },
    { scope: 'worker' },
  ],
  openPeer: async ({ browser, firefox, baseURL }, use) => {
    const contexts: (PlaywrightContext | FirefoxContext)[] = [];
    await use(async (engine, path) => {
      if (engine === 'chromium') {
        const context = await browser.newContext();
        contexts.push(context);
        const page = await context.newPage();
        await page.goto(skipJoinScreen(path));
        return new PeerTab(engine, page);
      }
      const context = await (await firefox()).createBrowserContext();
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(new URL(skipJoinScreen(path), baseURL).href);
      return new PeerTab(engine, page);
    });
    for (const context of contexts) await context.close();
  },
});

export { expect } from './fixtures.ts';
