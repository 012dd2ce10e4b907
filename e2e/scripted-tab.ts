import { test as base, RoomTab } from './fixtures.ts';

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
      await page.goto(path);
      return new RoomTab(page);
    });
    await Promise.all(contexts.map((context) => context.close()));
  },
});

export { expect } from './fixtures.ts';
