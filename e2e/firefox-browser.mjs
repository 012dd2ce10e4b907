// @ts-check
// Which Firefox the end-to-end tests drive, through puppeteer-core over WebDriver BiDi.
// Plain JavaScript, like browser.mjs: the provisioning script runs it under Node.
import { existsSync } from 'node:fs';

/** Where a system Firefox usually lives, Debian's ESR first. */
const SYSTEM_FIREFOXES = [
  '/usr/bin/firefox-esr',
  '/usr/bin/firefox',
  '/snap/bin/firefox',
  '/Applications/Firefox.app/Contents/MacOS/firefox',
];

/**
 * Finds a Firefox: `FIREFOX_PATH` when set, else a system Firefox (Debian's `firefox-esr`
 * first). Playwright's own Firefox is a patched build that cannot be downloaded here, and its
 * channel does not drive a stock Firefox, so the tests use puppeteer-core instead.
 * @returns {string | null} the executable, or null when there is none
 */
export function findFirefox() {
  const fromEnv = process.env.FIREFOX_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) {
      throw new Error(`[e2e] FIREFOX_PATH=${fromEnv} does not exist: point it at a Firefox binary`);
    }
    return fromEnv;
  }
  return SYSTEM_FIREFOXES.find((path) => existsSync(path)) ?? null;
}
