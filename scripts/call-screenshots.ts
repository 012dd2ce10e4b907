// Screenshots of the call view for the docs, from running apps (`npm run dev` or `npm start`):
// `npx tsx scripts/call-screenshots.ts <base URL> <base URL of a server with ROOM_CAPACITY=4>
// [out dir]`. Every member joins through the join screen with a name, on Chromium's fake
// devices; a shot is taken once every tile of the page plays.
import type { Browser, Page } from '@playwright/test';
import { launchChromium, previewPlaying } from './screenshot-kit.ts';

const [base2 = 'http://localhost:5173', base4 = base2, out = 'docs'] = process.argv.slice(2);
const stamp = Date.now().toString(36);

const browser: Browser = await launchChromium();

/** Opens `url` at `width`×`height`, joins as `name` through the join screen. */
async function join(url: string, name: string, width: number, height: number): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  await page.goto(url);
  const screen = page.locator('join-screen');
  await screen.getByLabel('Your name').fill(name);
  await previewPlaying(page);
  await screen.getByRole('button', { name: 'Join now' }).click();
  await page.locator('call-stage').waitFor();
  return page;
}

/** Waits until `page` shows `tiles` tiles whose videos all play. */
async function playing(page: Page, tiles: number): Promise<void> {
  // No named function inside: tsx's helper for those does not exist in the page.
  await page.waitForFunction(
    (count) => {
      const videos: HTMLVideoElement[] = [];
      const roots: (Document | ShadowRoot)[] = [document];
      for (let root = roots.pop(); root; root = roots.pop()) {
        for (const element of root.querySelectorAll('*')) {
          if (element instanceof HTMLVideoElement && element.closest('figure'))
            videos.push(element);
          if (element.shadowRoot) roots.push(element.shadowRoot);
        }
      }
      return (
        videos.length === count && videos.every((video) => video.videoWidth > 0 && !video.paused)
      );
    },
    tiles,
    { timeout: 60_000 },
  );
}

async function shoot(page: Page, file: string): Promise<void> {
  // The speaking ring follows the fake microphone's beeps: a settled frame, whichever it is.
  await page.mouse.move(0, 0);
  // Every shown video paints a new frame after the last change of layout (a tile that moved
  // shows grey until its next frame on a busy machine).
  await page.evaluate(async () => {
    const videos: HTMLVideoElement[] = [];
    const roots: (Document | ShadowRoot)[] = [document];
    for (let root = roots.pop(); root; root = roots.pop()) {
      for (const element of root.querySelectorAll('*')) {
        if (element instanceof HTMLVideoElement && !element.hidden) videos.push(element);
        if (element.shadowRoot) roots.push(element.shadowRoot);
      }
    }
    for (let round = 0; round < 2; round++) {
      await Promise.all(
        videos.map(
          (video) =>
            new Promise((done) => {
              video.requestVideoFrameCallback(done);
              setTimeout(done, 20_000);
            }),
        ),
      );
    }
  });
  await page.screenshot({ path: `${out}/${file}` });
  console.log(`${out}/${file}`);
}

// A call of two at 1280, the side panel open.
const two = `${base2}/standup-${stamp}`;
const grace = await join(two, 'Grace Hopper', 1280, 800);
const ada = await join(two, 'Ada Lovelace', 1280, 800);
await playing(grace, 2);
await shoot(grace, 'call-two-1280.png');

// A phone in the same call: the panel closed, the controls in view.
await ada.close();
const phone = await join(two, 'Ada Lovelace', 390, 844);
await playing(phone, 2);
await shoot(phone, 'call-two-390.png');
await phone.getByRole('button', { name: 'Details', exact: true }).click();
await shoot(phone, 'call-two-390-details.png');

// A call of four at 1280: a 2×2 grid, the panel closed.
const four = `${base4}/design-${stamp}`;
const names = ['Grace Hopper', 'Ada Lovelace', 'Alan Turing', 'Katherine Johnson'];
const pages: Page[] = [];
for (const name of names) pages.push(await join(four, name, 1280, 800));
const first = pages[0] as Page;
await first.getByRole('button', { name: 'Chat', exact: true }).click();
for (const page of pages) await playing(page, 4);
await shoot(first, 'call-four-1280.png');
// Alan mutes, Katherine turns her camera off: the badges and the initials the others see.
await pages[2]?.getByRole('button', { name: 'Microphone', exact: true }).click();
await pages[3]?.getByRole('button', { name: 'Camera', exact: true }).click();
const tile = (name: string) => first.getByRole('group', { name: `Member ${name}`, exact: true });
await tile('Alan Turing').filter({ hasText: 'Microphone off' }).waitFor();
await tile('Katherine Johnson').filter({ hasText: 'Camera off' }).waitFor();
await playing(first, 4);
await shoot(first, 'call-four-badges-1280.png');
await first.getByRole('button', { name: 'Details', exact: true }).click();
await shoot(first, 'call-four-details-1280.png');
await browser.close();
