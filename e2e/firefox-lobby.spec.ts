import type { PeerTab } from './call-tab.ts';
import { expect, test } from './firefox.ts';

// The join screen in Firefox (puppeteer-core): its fake devices in the preview and the
// pickers, a name that a Chromium tab sees on its tile, both ways, and the microphone and
// camera badges each side sees of the other.

test.describe.configure({ timeout: 90_000 });

/** What the join screen shows, read inside the page (either browser) across shadow roots. */
function readLobby(): {
  videoWidth: number;
  microphones: string[];
  cameras: string[];
  presence: string;
  log: string;
} {
  const screen = document
    .querySelector('rooms-app')
    ?.shadowRoot?.querySelector('join-screen')?.shadowRoot;
  const options = (name: string) =>
    [...(screen?.querySelectorAll(`label.picker`) ?? []).values()]
      .filter((label) => label.textContent?.includes(name))
      .flatMap((label) => [...label.querySelectorAll('option')].map((option) => option.value));
  const video = screen?.querySelector('video');
  const deep: string[] = [];
  const walk = (root: Document | ShadowRoot) => {
    for (const element of root.querySelectorAll('*')) {
      if (element.getAttribute('aria-label') === 'Signaling log')
        deep.push(element.textContent ?? '');
      if (element.shadowRoot) walk(element.shadowRoot);
    }
  };
  walk(document);
  return {
    videoWidth: video?.videoWidth ?? 0,
    microphones: options('Microphone').filter(Boolean),
    cameras: options('Camera').filter(Boolean),
    presence: (screen?.querySelector('.presence')?.textContent ?? '').replace(/\s+/g, ' ').trim(),
    log: deep.join('\n'),
  };
}

/** The call's tiles, read inside the page: each tile's label (`Member Ada`) and its text. */
function readTiles(): Record<string, string> {
  const tiles: Record<string, string> = {};
  const roots: (Document | ShadowRoot)[] = [document];
  for (let root = roots.pop(); root; root = roots.pop()) {
    for (const element of root.querySelectorAll('*')) {
      const label = element.getAttribute('aria-label') ?? '';
      if (element.localName === 'figure' && label.startsWith('Member '))
        tiles[label.slice('Member '.length)] = (element.textContent ?? '')
          .replace(/\s+/g, ' ')
          .trim();
      if (element.shadowRoot) roots.push(element.shadowRoot);
    }
  }
  return tiles;
}

/** Types `name` into the join screen's name field (once it is there) and presses Join. */
async function join(tab: PeerTab, name: string): Promise<void> {
  const typed = (text: string) =>
    tab.evaluate((value) => {
      const input = document
        .querySelector('rooms-app')
        ?.shadowRoot?.querySelector('join-screen')
        ?.shadowRoot?.querySelector<HTMLInputElement>('input[name="name"]');
      if (!input) return false;
      input.value = value;
      input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
      return true;
    }, text);
  await expect.poll(() => typed(name)).toBe(true);
  await tab.click('Join now');
}

test('Firefox previews its fake devices, and names cross to Chromium and back', async ({
  openPeer,
  room,
}) => {
  const fox = await openPeer('firefox', `/${room}?lobby`);
  const read = (tab: PeerTab) => tab.evaluate(readLobby, undefined);
  await expect.poll(async () => (await read(fox)).videoWidth).toBeGreaterThan(0);
  await expect.poll(async () => (await read(fox)).microphones.length).toBeGreaterThan(0);
  await expect.poll(async () => (await read(fox)).cameras.length).toBeGreaterThan(0);
  await expect.poll(async () => (await read(fox)).presence).toBe('No one else is here yet');
  await join(fox, 'Firefox Fan');
  await expect.poll(async () => (await fox.snapshot()).members).toBe('1/2');

  const chrome = await openPeer('chromium', `/${room}?lobby`);
  await expect.poll(async () => (await read(chrome)).presence).toContain('Firefox Fan is here');
  await join(chrome, 'Chromium Crew');
  await expect.poll(async () => (await chrome.snapshot()).members).toBe('2/2');
  await expect
    .poll(async () => (await read(fox)).log)
    .toContain('In the room with you: Chromium Crew');
  await expect
    .poll(async () => (await read(chrome)).log)
    .toContain('In the room with you: Firefox Fan');
});

test('the name, microphone and camera of a Firefox member show on a Chromium tile, and back', async ({
  openPeer,
  room,
}) => {
  const fox = await openPeer('firefox', `/${room}?lobby`);
  await join(fox, 'Firefox Fan');
  await expect.poll(async () => (await fox.snapshot()).members).toBe('1/2');
  const chrome = await openPeer('chromium', `/${room}?lobby`);
  await join(chrome, 'Chromium Crew');
  const tiles = (tab: PeerTab) => tab.evaluate(readTiles, undefined);
  await expect.poll(async () => Object.keys(await tiles(chrome))).toContain('Firefox Fan');
  await expect.poll(async () => Object.keys(await tiles(fox))).toContain('Chromium Crew');
  // Joined with the preview's camera on: its frames play on the other side with no click.
  const width = async () =>
    (await chrome.snapshot()).videos.find((video) => video.of === 'Firefox Fan')?.width ?? 0;
  await expect.poll(width, { timeout: 60_000 }).toBeGreaterThan(0);

  await fox.click('Microphone');
  await expect.poll(async () => (await tiles(chrome))['Firefox Fan']).toContain('Microphone off');
  await fox.click('Camera');
  await expect.poll(async () => (await tiles(chrome))['Firefox Fan']).toContain('Camera off');
  await chrome.click('Microphone');
  await expect.poll(async () => (await tiles(fox))['Chromium Crew']).toContain('Microphone off');
  await fox.click('Microphone');
  await expect
    .poll(async () => (await tiles(chrome))['Firefox Fan'])
    .not.toContain('Microphone off');
});
