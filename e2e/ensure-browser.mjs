// @ts-check
// Makes sure the end-to-end tests have a Chromium before Playwright starts: Playwright's own,
// CHROMIUM_PATH or a system one; if none, provisions one and says so, or stops and says how.
import { spawnSync } from 'node:child_process';
import { findChromium } from './browser.mjs';

/** @param {string} command @param {string[]} args */
function run(command, args) {
  console.log(`[e2e] $ ${command} ${args.join(' ')}`);
  return spawnSync(command, args, { stdio: 'inherit' }).status === 0;
}

const found = findChromium();
if (found) {
  console.log(
    `[e2e] using ${found.source === 'playwright' ? "Playwright's own Chromium" : found.executablePath}`,
  );
  process.exit(0);
}

console.log("[e2e] no Chromium found; trying Playwright's download first");
if (run('npx', ['playwright', 'install', 'chromium']) && findChromium()) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
if (hasApt) {
  console.log("[e2e] the download failed; installing Debian's chromium with apt-get");
  const sudo = isRoot ? [] : ['sudo'];
  const [command = 'apt-get', ...rest] = [...sudo, 'apt-get'];
  if (
    run(command, [...rest, 'update', '-qq']) &&
    run(command, [...rest, 'install', '-y', '-qq', 'chromium'])
  ) {
    if (findChromium()) process.exit(0);
  }
}

console.error(
  '[e2e] no Chromium could be found or installed. Run `npx playwright install chromium`, ' +
    'or install Chromium with your package manager (e.g. `sudo apt-get install chromium`), ' +
    'or set CHROMIUM_PATH to a Chromium or Chrome binary; then run `npm test` again.',
);
process.exit(1);
