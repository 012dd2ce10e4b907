// @ts-check
// Which Chromium the end-to-end tests drive. Plain JavaScript: the provisioning script runs
// it under Node before Playwright, which cannot run TypeScript on Node 20 by itself.
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

/** Where system Chromium or Chrome usually lives, most likely first. */
const SYSTEM_BROWSERS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/snap/bin/chromium',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

/**
 * Finds a browser: Playwright's own when installed, else `CHROMIUM_PATH`, else a system
 * Chromium or Chrome.
 * @returns {{ source: 'playwright' | 'CHROMIUM_PATH' | 'system', executablePath?: string } | null}
 */
export function findChromium() {
  if (existsSync(chromium.executablePath())) return { source: 'playwright' };
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) {
      throw new Error(
        `[e2e] CHROMIUM_PATH=${fromEnv} does not exist: point it at a Chromium binary`,
      );
    }
    return { source: 'CHROMIUM_PATH', executablePath: fromEnv };
  }
  const system = SYSTEM_BROWSERS.find((path) => existsSync(path));
  return system ? { source: 'system', executablePath: system } : null;
}
