import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';

/** adapter.js from npm, the file the codelab loads as `js/lib/adapter.js`. */
const ADAPTER = createRequire(import.meta.url).resolve('webrtc-adapter/out/adapter.js');
const PAGES = {
  '05': fileURLToPath(new URL('pages/codelab-step-05.html', import.meta.url)),
  '06': fileURLToPath(new URL('pages/codelab-step-06.html', import.meta.url)),
};

/** What the codelab pages keep in `window.codelab`. */
interface CodelabState {
  events: string[];
  started?: boolean;
  hungUp?: boolean;
  channelOpen?: boolean;
  sent?: { bytes: number; sha256: string } | null;
  received?: { bytes: number; sha256: string } | null;
}

/**
 * Opens a codelab page in a tab of its own (a browser context, as another person's), served
 * from the app server's origin: its `/socket.io/socket.io.js` is the server's own, and the
 * page and adapter.js are handed over by the test at `/codelab/...`.
 */
async function openCodelab(browser: Browser, step: keyof typeof PAGES, room: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.route('**/codelab/**', (route) => {
    const { pathname } = new URL(route.request().url());
    return route.fulfill({ path: pathname.endsWith('/adapter.js') ? ADAPTER : PAGES[step] });
  });
  await page.goto(`/codelab/step-${step}.html?room=${encodeURIComponent(room)}`);
  return page;
}

const codelab = (page: Page) =>
  page.evaluate(() => (window as unknown as { codelab: CodelabState }).codelab);

const remoteVideoWidth = (page: Page) =>
  page.evaluate(() => (document.getElementById('remoteVideo') as HTMLVideoElement).videoWidth);

test('codelab step 05: two tabs set up a video call over `message` and video arrives both ways', async ({
  browser,
  room,
}) => {
  const first = await openCodelab(browser, '05', room);
  await expect.poll(async () => (await codelab(first)).events).toEqual(['created']);
  const second = await openCodelab(browser, '05', room);
  for (const page of [first, second]) {
    await expect.poll(() => remoteVideoWidth(page)).toBeGreaterThan(0);
  }
  expect((await codelab(first)).events).toEqual(['created', 'join', 'ready']);
  expect((await codelab(second)).events).toEqual(['joined', 'ready']);

  await second.evaluate(() => (window as unknown as { hangup(): void }).hangup());
  await expect.poll(async () => (await codelab(first)).hungUp).toBe(true);
  await first.context().close();
  await second.context().close();
});

test('codelab step 06: a photo crosses a data channel in chunks and arrives intact, both ways', async ({
  browser,
  room,
}) => {
  const first = await openCodelab(browser, '06', room);
  await expect.poll(async () => (await codelab(first)).events).toEqual(['created']);
  const second = await openCodelab(browser, '06', room);
  for (const page of [first, second]) {
    await expect.poll(async () => (await codelab(page)).channelOpen).toBe(true);
    await expect
      .poll(() =>
        page.evaluate(() => (window as unknown as { videoReady(): boolean }).videoReady()),
      )
      .toBe(true);
  }

  for (const [from, to] of [
    [first, second],
    [second, first],
  ] as const) {
    await from.evaluate(() =>
      (window as unknown as { snapAndSend(): Promise<void> }).snapAndSend(),
    );
    const sent = (await codelab(from)).sent;
    expect(sent?.bytes).toBe(320 * 240 * 4);
    await expect.poll(async () => (await codelab(to)).received).toEqual(sent);
  }
  expect((await codelab(first)).events).not.toContainEqual(expect.stringMatching(/^error/));
  expect((await codelab(second)).events).not.toContainEqual(expect.stringMatching(/^error/));
  await first.context().close();
  await second.context().close();
});
