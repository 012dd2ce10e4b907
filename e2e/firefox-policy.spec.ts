import { PeerTab } from './call-tab.ts';
import { expect, test } from './firefox.ts';
import { skipJoinScreen, WAIT } from './fixtures.ts';

// The app's Content-Security-Policy in Firefox, which content-security-policy.spec.ts checks
// in Chromium: Socket.IO's websocket under `connect-src 'self'` (a refused one would fall back
// to polling unnoticed, but not unreported), the call, and an injected inline script refused.

/** Runs before the app: keeps every policy violation the browser reports on this document. */
function recordViolations() {
  const seen: string[] = [];
  Object.assign(window, { cspViolations: seen });
  document.addEventListener('securitypolicyviolation', (event) => {
    seen.push(`${event.effectiveDirective} ${event.blockedURI}`);
  });
}

const violations = (tab: PeerTab) =>
  tab.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations, undefined);

test('Firefox runs a call under the policy without one violation, and refuses an inline script', async ({
  firefox,
  openPeer,
  baseURL,
  room,
}) => {
  test.setTimeout(120_000);
  const context = await (await firefox()).createBrowserContext();
  try {
    const page = await context.newPage();
    await page.evaluateOnNewDocument(recordViolations);
    await page.goto(new URL(skipJoinScreen(`/${room}`), baseURL).href);
    const fox = new PeerTab('firefox', page);
    await expect.poll(async () => (await fox.snapshot()).members).toBe('1/2');
    const chromium = await openPeer('chromium', `/${room}`);
    for (const tab of [fox, chromium]) {
      await expect
        .poll(async () => (await tab.snapshot()).status, { timeout: 30_000 })
        .toBe('Call connected.');
      await expect.poll(async () => (await tab.snapshot()).sendEnabled).toBe(true);
    }
    await chromium.say('to the fox');
    await expect.poll(async () => (await fox.snapshot()).chat).toContain('Them:to the fox');
    await fox.say('back to you');
    await expect.poll(async () => (await chromium.snapshot()).chat).toContain('Them:back to you');
    await chromium.click('Camera');
    await expect
      .poll(async () => (await fox.snapshot()).remoteVideoWidth, { timeout: WAIT.media })
      .toBeGreaterThan(0);
    await expect.poll(async () => (await fox.snapshot()).timeline.length).toBeGreaterThan(0);
    expect(await violations(fox)).toEqual([]);

    const ran = await fox.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.inlineScriptRan = true';
      document.head.append(script);
      return 'inlineScriptRan' in window;
    }, undefined);
    expect(ran).toBe(false);
    await expect.poll(() => violations(fox)).toEqual([expect.stringMatching(/^script-src-elem/)]);
  } finally {
    await context.close();
  }
});
