import type { Browser, Page } from '@playwright/test';
import { expectNoSeriousViolations } from './axe.ts';
import { CallTab } from './call-tab.ts';
import { expect, test, WAIT } from './fixtures.ts';
import { LobbyTab } from './lobby-tab.ts';

// The call view as people meet it: through the join screen, with names on the tiles, the
// microphone and camera badges the others see, every tile playing after Join alone, the
// controls in view on a phone, the signaling log one click away, and axe scans.

/** Opens the join screen of `url` in a context of its own and joins as `name`. */
async function joinAs(
  browser: Browser,
  url: string,
  name: string,
  viewport = { width: 1280, height: 720 },
): Promise<CallTab> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(url);
  const lobby = new LobbyTab(page);
  await expect.poll(() => lobby.previewWidth(), { timeout: WAIT.media }).toBeGreaterThan(0);
  await lobby.join(name);
  const call = new CallTab(page);
  await expect(call.page.locator('control-bar')).toBeVisible();
  return call;
}

/**
 * Every tile's video of `page` (its own included): decoded size, whether it plays, and its
 * clock, read across shadow roots.
 */
function tileVideos(page: Page) {
  return page.evaluate(() => {
    const found: { of: string; width: number; paused: boolean; time: number }[] = [];
    const roots: (Document | ShadowRoot)[] = [document];
    for (let root = roots.pop(); root; root = roots.pop()) {
      for (const element of root.querySelectorAll('*')) {
        const label = element.getAttribute('aria-label') ?? '';
        if (element instanceof HTMLVideoElement && label.startsWith('Video of ')) {
          found.push({
            of: label.slice('Video of '.length),
            width: element.videoWidth,
            paused: element.paused,
            time: element.currentTime,
          });
        }
        if (element.shadowRoot) roots.push(element.shadowRoot);
      }
    }
    return found;
  });
}

/**
 * Waits until all `count` tiles of `tab` have been seen playing video: frames decoded, not
 * paused, and the clock ahead of where the previous look found it. A tile counts once it has
 * been seen so: on a starved machine (a CI runner decoding sixteen videos on two cores) the
 * tiles do not all advance between the same two looks, though each plays.
 */
async function expectAllPlaying(tab: CallTab, count: number) {
  let last = new Map<string, number>();
  const playing = new Set<string>();
  await expect
    .poll(
      async () => {
        const videos = await tileVideos(tab.page);
        const earlier = last;
        last = new Map(videos.map((video) => [video.of, video.time]));
        if (videos.length !== count) return `${videos.length} videos`;
        for (const video of videos) {
          const ahead = video.time > (earlier.get(video.of) ?? Infinity);
          if (video.width > 0 && !video.paused && ahead) playing.add(video.of);
        }
        const stuck = videos.filter((video) => !playing.has(video.of));
        return stuck.map((video) => video.of).join(', ') || 'all playing';
      },
      { timeout: WAIT.media },
    )
    .toBe('all playing');
}

test.describe.configure({ timeout: 240_000 });

test('joined through the join screen: names on the tiles, badges the other side sees @client-only', async ({
  browser,
  baseURL,
  room,
}) => {
  const ada = await joinAs(browser, `${baseURL}/${room}`, 'Ada Lovelace');
  await expect(ada.status).toHaveText('Waiting for another member to join the room.');
  const grace = await joinAs(browser, `${baseURL}/${room}`, 'Grace Hopper');
  await expect(grace.tile('Ada Lovelace')).toBeVisible();
  await expect(ada.tile('Grace Hopper')).toBeVisible();
  await expect(ada.tile('Me')).toContainText('Ada Lovelace (you)');
  await expectAllPlaying(ada, 2);
  await expectAllPlaying(grace, 2);

  // Ada's microphone and camera, as Grace sees them.
  await expect(ada.microphoneButton).toHaveAttribute('aria-pressed', 'true');
  await ada.microphoneButton.click();
  await expect(ada.microphoneButton).toHaveAttribute('aria-pressed', 'false');
  await expect(grace.tile('Ada Lovelace')).toContainText('Microphone off');
  await ada.startCameraButton.click();
  await expect(grace.tile('Ada Lovelace')).toContainText('Camera off');
  await expect(grace.tile('Ada Lovelace').getByLabel('Video of Ada Lovelace')).toBeHidden();
  await ada.microphoneButton.click();
  await expect(grace.tile('Ada Lovelace')).not.toContainText('Microphone off');
  await ada.startCameraButton.click();
  await expect(grace.tile('Ada Lovelace')).not.toContainText('Camera off');

  await expectNoSeriousViolations(ada.page, 'a call of two');
});

test('a call of four: every tile plays after Join alone, in a 2×2 grid @client-only', async ({
  browser,
  startServer,
}, testInfo) => {
  test.setTimeout(360_000);
  const server = await startServer({ ROOM_CAPACITY: '4' });
  const url = `http://127.0.0.1:${server.port}/four-${testInfo.testId}`;
  const names = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Katherine Johnson'];
  const tabs: CallTab[] = [];
  for (const name of names) tabs.push(await joinAs(browser, url, name));
  for (const tab of tabs) await tab.expectLinks(3);
  for (const tab of tabs) await expectAllPlaying(tab, 4);

  // Two rows of two tiles, whatever their order.
  const first = tabs[0] as CallTab;
  const boxes = await first.page.locator('call-tile').evaluateAll((tiles) =>
    tiles.map((tile) => {
      const box = tile.getBoundingClientRect();
      return `${Math.round(box.top)}:${Math.round(box.left)}`;
    }),
  );
  expect(new Set(boxes.map((box) => box.split(':')[0])).size).toBe(2);
  expect(new Set(boxes.map((box) => box.split(':')[1])).size).toBe(2);
  await expectNoSeriousViolations(first.page, 'a call of four');
});

test('on a phone the tiles fill the screen, the controls stay in view, and the log is one click away @client-only', async ({
  browser,
  baseURL,
  room,
}) => {
  const phone = { width: 390, height: 844 };
  await joinAs(browser, `${baseURL}/${room}`, 'Ada Lovelace', phone);
  const grace = await joinAs(browser, `${baseURL}/${room}`, 'Grace Hopper', phone);
  await expectAllPlaying(grace, 2);

  const bar = grace.page.getByRole('toolbar', { name: 'Call controls' });
  const box = await bar.boundingBox();
  expect(box).not.toBeNull();
  if (box) {
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(phone.height);
    expect(box.x + box.width).toBeLessThanOrEqual(phone.width);
  }
  for (const name of ['Microphone', 'Camera', 'Share screen', 'Chat', 'Files', 'Details'])
    await expect(grace.page.getByRole('button', { name, exact: true })).toBeInViewport();
  await expect(grace.page.getByRole('button', { name: 'Leave call' })).toBeInViewport();
  expect(await grace.overflowing()).toEqual([]);
  // The page does not scroll: the stage takes the height the header and the bar leave.
  expect(
    await grace.page.evaluate(() => document.documentElement.scrollHeight),
  ).toBeLessThanOrEqual(phone.height);

  // The signaling story: closed on a phone, one click away, and readable there.
  await expect(grace.log).toBeHidden();
  await grace.page.getByRole('button', { name: 'Details', exact: true }).click();
  await expect(grace.page.getByRole('button', { name: 'Details', exact: true })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await grace.log.scrollIntoViewIfNeeded();
  await expect(grace.log).toBeInViewport();
  await expect(grace.log).toContainText('Asking to join room');
  await expect(grace.role).toBeVisible();
  await grace.page.getByRole('button', { name: 'Close panel' }).click();
  await expect(grace.log).toBeHidden();
});

test('the join screen links to the network test, and Leave goes back to the start', async ({
  openTab,
  room,
}) => {
  const tab = new LobbyTab((await openTab(`/${room}?lobby`)).page);
  await expect(tab.page.getByRole('link', { name: 'Test your network' })).toHaveAttribute(
    'href',
    `/${room}?check`,
  );
  await tab.join('Ada Lovelace');
  const call = new CallTab(tab.page);
  await call.expectMembers(1);
  await tab.page.getByRole('button', { name: 'Leave call' }).click();
  await expect(tab.page).toHaveURL(/\/$/);
  await expect(call.roomInput).toBeVisible();
});
