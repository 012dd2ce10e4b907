import { test as base, RoomTab, skipJoinScreen } from './fixtures.ts';

/**
 * Tests that need a script in a tab before the app's own: `openTabWith(path, script)` opens a
 * tab (a context of its own, as `openTab` does) whose every document runs `script` first.
 * Playwright adds it through the DevTools protocol, so the page's Content-Security-Policy does
 * not apply to it, as it would not to an extension.
 */
export const test = base.extend<{
  openTabWith: (path: string, script: () => void) => Promise<RoomTab>;
}>({
  openTabWith: async ({ browser }, use) => {
    const contexts: Awaited<ReturnType<typeof browser.newContext>>[] = [];
    await use(async (path, script) => {
      const context = await browser.newContext();
      contexts.push(context);
      await context.addInitScript(script);
      const page = await context.newPage();
      await page.goto(skipJoinScreen(path));
      return new RoomTab(page);
    });
    await Promise.all(contexts.map((context) => context.close()));
  },
});

/**
 * Runs before the app in the lying tab: keeps the page's own `files` channel (the one its
 * call negotiates) on `window.filesChannel`, so the test can speak on it as a peer that lies
 * would, and the lines that come back on `window.filesReplies`.
 */
export function exposeFilesChannel() {
  const create = RTCPeerConnection.prototype.createDataChannel;
  RTCPeerConnection.prototype.createDataChannel = function (label, init) {
    const channel = create.call(this, label, init);
    if (label === 'files') {
      const replies: string[] = [];
      channel.addEventListener('message', ({ data }) => {
        if (typeof data === 'string') replies.push(data);
      });
      Object.assign(window, { filesChannel: channel, filesReplies: replies });
    }
    return channel;
  };
}

export { expect } from './fixtures.ts';
