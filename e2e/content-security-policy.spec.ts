import type { Page } from '@playwright/test';
import { CallTab } from './call-tab.ts';
import { WAIT } from './fixtures.ts';
import { expect, test } from './scripted-tab.ts';

// The app's pages carry a Content-Security-Policy (server/http/app-policy.ts). These tests
// check that the browser enforces it (an injected inline script does not run, and the
// browser reports it), and that the whole app works under it without one report.

/** Runs before the app: keeps every policy violation the browser reports on this document. */
function recordViolations() {
  const seen: string[] = [];
  Object.assign(window, { cspViolations: seen });
  // Violations inside shadow roots reach the document too: the event is composed.
  document.addEventListener('securitypolicyviolation', (event) => {
    seen.push(`${event.effectiveDirective} ${event.blockedURI} ${event.sample}`.trim());
  });
}

/** The violations the page reported so far. */
function violations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
}

/** Console errors about the policy (Chromium logs every refusal there too), from now on. */
function consoleRefusals(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && message.text().includes('Content Security Policy'))
      seen.push(message.text());
  });
  return seen;
}

test('an inline script injected into the page does not run, and the browser reports it', async ({
  openTabWith,
  room,
}) => {
  const tab = await openTabWith(`/${room}`, recordViolations);
  await tab.expectMembers(1);
  const ran = await tab.page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'window.inlineScriptRan = true';
    document.head.append(script);
    return 'inlineScriptRan' in window;
  });
  expect(ran).toBe(false);
  await expect
    .poll(() => violations(tab.page))
    .toEqual([expect.stringMatching(/^script-src-elem inline/)]);
  // The app still works: a refused script is the attacker's, not the app's.
  await expect(tab.connection).toHaveText('Connected');
});

test('a call with video, chat and a file runs under the policy without one violation @client-only', async ({
  openTabWith,
  room,
}) => {
  test.slow();
  const alice = await openTabWith(`/${room}`, recordViolations);
  await alice.expectMembers(1);
  const bob = await openTabWith(`/${room}`, recordViolations);
  const logged = [consoleRefusals(alice.page), consoleRefusals(bob.page)];
  const aliceCall = new CallTab(alice.page);
  const bobCall = new CallTab(bob.page);
  await aliceCall.expectChatOpen();
  await bobCall.expectChatOpen();

  // Media: the camera's stream plays in the other tab.
  await aliceCall.startCameraButton.click();
  await expect.poll(() => bobCall.remoteVideoWidth(), { timeout: WAIT.media }).toBeGreaterThan(0);
  await expect.poll(() => bobCall.videoBytesReceived(), { timeout: WAIT.media }).toBeGreaterThan(0);
  // Chat over the data channel, both ways.
  await aliceCall.say('under the policy');
  await expect(bobCall.chat).toContainText('Them:under the policy');
  await bobCall.say('still here');
  await expect(aliceCall.chat).toContainText('Them:still here');
  // A file, and its Save link: a blob: download.
  await alice.page.getByLabel('File to send').setInputFiles({
    name: 'notes.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('the minutes of the meeting\n'),
  });
  await alice.page.getByRole('button', { name: 'Send file' }).click();
  const arrived = bob.page.getByRole('listitem', { name: 'receive notes.txt' });
  await expect(arrived).toContainText('verified');
  const download = bob.page.waitForEvent('download');
  await arrived.getByRole('link', { name: 'Save notes.txt' }).click();
  expect((await download).suggestedFilename()).toBe('notes.txt');
  // The connection panel's charts and timeline, which set styles, have rendered.
  await expect(bobCall.timeline.getByRole('listitem').first()).toBeAttached();

  for (const tab of [alice, bob]) expect(await violations(tab.page)).toEqual([]);
  expect(logged).toEqual([[], []]);

  // The recorder sees what the policy refuses: an inline style attribute here.
  const background = await bob.page.evaluate(() => {
    document.body.setAttribute('style', 'background: rgb(255, 0, 0)');
    return getComputedStyle(document.body).backgroundColor;
  });
  expect(background).not.toBe('rgb(255, 0, 0)');
  await expect
    .poll(() => violations(bob.page))
    .toEqual([expect.stringMatching(/^style-src-attr inline/)]);
});
