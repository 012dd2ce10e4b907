import type { Page } from '@playwright/test';
import { type Engine, type PeerTab, SAFETY_CODE } from './call-tab.ts';
import { expect, test } from './firefox.ts';
import { WAIT } from './fixtures.ts';

/** Who creates the room (first) and who joins it (second). */
const PAIRS: [Engine, Engine][] = [
  ['chromium', 'firefox'],
  ['firefox', 'chromium'],
  ['firefox', 'firefox'],
];

// Each test sets up a cross-browser call on a busy two-core machine: a Firefox launch alone
// takes seconds.
test.describe.configure({ timeout: 90_000 });

const status = async (tab: PeerTab) => (await tab.snapshot()).status;
const chat = async (tab: PeerTab) => (await tab.snapshot()).chat;

/** Opens `first` then `second` on `room` and waits for the chat to open on both. */
async function callUp(
  openPeer: (engine: Engine, path: string) => Promise<PeerTab>,
  room: string,
  [firstEngine, secondEngine]: [Engine, Engine],
) {
  const first = await openPeer(firstEngine, `/${room}`);
  await expect.poll(async () => (await first.snapshot()).members).toBe('1/2');
  const second = await openPeer(secondEngine, `/${room}`);
  await expectChatOpen(first);
  await expectChatOpen(second);
  return { first, second };
}

async function expectChatOpen(tab: PeerTab) {
  await expect
    .poll(() => status(tab), { message: `${tab} call status`, timeout: 30_000 })
    .toBe('Call connected.');
  await expect.poll(async () => (await tab.snapshot()).sendEnabled).toBe(true);
}

async function expectChatCrosses(from: PeerTab, to: PeerTab, text: string) {
  await from.say(text);
  await expect.poll(() => chat(to), { message: `${from} → ${to}` }).toContain(`Them:${text}`);
}

/** Decoded frames from the other side, and video bytes still growing. */
async function expectRemoteVideo(tab: PeerTab) {
  const read = () => tab.snapshot();
  await expect
    .poll(async () => (await read()).remoteVideoWidth, {
      message: `${tab} video`,
      timeout: WAIT.media,
    })
    .toBeGreaterThan(0);
  await expect.poll(async () => (await read()).videoBytes).toBeGreaterThan(0);
  const before = (await read()).videoBytes;
  await expect.poll(async () => (await read()).videoBytes).toBeGreaterThan(before);
}

/** Both tabs show the same safety code; returns it. */
async function expectSameSafetyCode(first: PeerTab, second: PeerTab): Promise<string> {
  const code = async (tab: PeerTab) => (await tab.snapshot()).safetyCode;
  await expect.poll(() => code(first), { message: `${first} safety code` }).toMatch(SAFETY_CODE);
  const shown = await code(first);
  await expect.poll(() => code(second), { message: `${second} safety code` }).toBe(shown);
  return shown;
}

/** The connection panel names the pair, its addresses, a round-trip time and a bitrate in. */
async function expectPanel(tab: PeerTab) {
  await expect
    .poll(async () => (await tab.snapshot()).pairType, { message: `${tab} pair` })
    .toMatch(/^(host|srflx|prflx) ↔ (host|srflx|prflx)$/);
  const shown = await tab.snapshot();
  // Chromium cannot resolve Firefox's mDNS host name: it learns that side from a check
  // (prflx) and hides its address.
  const address = String.raw`(\S+|\(address hidden\)):\d+ udp`;
  expect(shown.addresses).toMatch(new RegExp(`^${address} ↔ ${address}$`));
  await expect
    .poll(async () => (await tab.snapshot()).rtt, { message: `${tab} RTT` })
    .toMatch(/^RTT \d+(\.\d)?$/);
  await expect
    .poll(
      async () => Number((await tab.snapshot()).bitrate.match(/^in ([\d.]+)/)?.[1] ?? Number.NaN),
      { message: `${tab} bitrate in` },
    )
    .toBeGreaterThan(0);
  expect(shown.iceState).toMatch(/^(connected|completed)$/);
  expect(shown.connectionState).toBe('connected');
}

for (const pair of PAIRS) {
  const [a, b] = pair;

  test(`${a} creates, ${b} joins: chat, video, the connection panel and the safety code work both ways`, async ({
    openPeer,
    room,
  }, testInfo) => {
    const { first, second } = await callUp(openPeer, room, pair);
    const code = await expectSameSafetyCode(first, second);
    const joinToOpen = (await second.snapshot()).joinToOpenMs;
    expect(joinToOpen).not.toBeNull();
    console.log(`[join-to-open] ${a}→${b} ${testInfo.project.name} ${joinToOpen} ms`);
    await testInfo.attach('join-to-open', { body: `${joinToOpen} ms`, contentType: 'text/plain' });

    await expectChatCrosses(first, second, `hello from ${a}`);
    await expectChatCrosses(second, first, `hello from ${b}`);
    await Promise.all([first.click('Camera'), second.click('Camera')]);
    await expectRemoteVideo(first);
    await expectRemoteVideo(second);
    // The cameras renegotiated the connection: the code is computed again, the same.
    expect(await expectSameSafetyCode(first, second)).toBe(code);
    await expectPanel(first);
    await expectPanel(second);
  });

  test(`${a} creates, ${b} joins: hang up, start again, and a reload on either side`, async ({
    openPeer,
    room,
  }) => {
    const { first, second } = await callUp(openPeer, room, pair);
    await second.click('Hang up');
    await expect.poll(() => status(first)).toMatch(/^Call ended\. The other member hung up/);
    await expect.poll(() => status(second)).toMatch(/^Call ended\. You hung up/);
    await first.click('Start call');
    await expectChatOpen(first);
    await expectChatOpen(second);
    await expectChatCrosses(second, first, 'called again');

    await second.reload();
    await expectChatOpen(second);
    await expectChatOpen(first);
    await expectChatCrosses(second, first, `${b} is back`);
    await first.reload();
    await expectChatOpen(first);
    await expectChatOpen(second);
    await expectChatCrosses(first, second, `${a} is back`);
  });
}

/** Whether anything of the timeline, or the page, runs past its box sideways. */
function timelineOverflow() {
  const find = (root: Document | ShadowRoot): Element | null => {
    for (const element of root.querySelectorAll('*')) {
      if (element.getAttribute('aria-label') === 'Signaling timeline') return element;
      const inner = element.shadowRoot ? find(element.shadowRoot) : null;
      if (inner) return inner;
    }
    return null;
  };
  const list = find(document);
  if (!list) return ['no timeline'];
  const box = list.getBoundingClientRect();
  const problems: string[] = [];
  if (document.documentElement.scrollWidth > window.innerWidth)
    problems.push('page scrolls sideways');
  if (list.scrollWidth > list.clientWidth) problems.push('timeline scrolls sideways');
  for (const cell of list.querySelectorAll('li > span')) {
    const right = cell.getBoundingClientRect().right;
    if (right > box.right + 1)
      problems.push(`"${cell.textContent}" ends ${right - box.right}px out`);
  }
  // Wrapping anywhere never overflows, so also ask for room to read: a detail squeezed beside
  // fixed columns would wrap a few characters a line.
  for (const detail of list.querySelectorAll('li > .detail')) {
    const width = detail.getBoundingClientRect().width;
    if (width < Math.min(box.width * 0.4, 200))
      problems.push(`"${detail.textContent}" is ${width}px wide`);
  }
  return problems;
}

test("the signaling timeline stays readable from 360 px to wide with Firefox's mDNS names", async ({
  openPeer,
  room,
}) => {
  const { first } = await callUp(openPeer, room, ['chromium', 'firefox']);
  const page = first.page as Page;
  // Firefox hides its host addresses behind mDNS names (a UUID and .local): no break points.
  await expect
    .poll(async () => (await first.snapshot()).timeline.join('\n'))
    .toMatch(/received candidate host udp [0-9a-f-]{36}\.local/);
  const details = page.getByRole('button', { name: 'Details', exact: true });
  for (const width of [360, 600, 1280]) {
    await page.setViewportSize({ width, height: 800 });
    // The side panel closes on a narrow screen: open it on its details, the timeline among them.
    if ((await details.getAttribute('aria-pressed')) !== 'true') await details.click();
    await expect(page.getByRole('list', { name: 'Signaling timeline' })).toBeAttached();
    await expect
      .poll(() => page.evaluate(timelineOverflow), { message: `${width} px` })
      .toEqual([]);
  }
});

/** The aspect ratio (×100) of the first video of `of` a tab shows: 133 camera, 178 screen. */
async function aspectOf(tab: PeerTab, of: string): Promise<number> {
  const video = (await tab.snapshot()).videos.find((v) => v.of === of);
  return video && video.height > 0 ? Math.round((video.width / video.height) * 100) : 0;
}

/** Waits until `tab` lists `name` as received whole and verified with `sha256`, `count` times. */
async function expectReceived(tab: PeerTab, name: string, sha256: string, count = 1) {
  await expect
    .poll(
      async () =>
        (await tab.snapshot()).transfers.filter(
          (t) => t.startsWith(`receive ${name}`) && t.includes(sha256) && t.includes('verified'),
        ).length,
      { message: `${tab} received ${name}`, timeout: 60_000 },
    )
    .toBe(count);
}

test('chromium ↔ firefox: files both ways, a Chromium screen seen in Firefox, and an ICE restart on `online` in Firefox', async ({
  openPeer,
  room,
}) => {
  test.setTimeout(180_000);
  const { first, second } = await callUp(openPeer, room, ['chromium', 'firefox']);
  const fromChromium = await first.sendFile('from-chromium.bin', 1024 * 1024);
  await expectReceived(second, 'from-chromium.bin', fromChromium);
  const fromFirefox = await second.sendFile('from-firefox.bin', 1024 * 1024);
  await expectReceived(first, 'from-firefox.bin', fromFirefox);

  await first.click('Share screen');
  const media = { timeout: WAIT.media };
  await expect.poll(() => aspectOf(second, 'Them'), media).toBe(178);
  await first.click('Share screen');
  await expect
    .poll(async () => (await second.snapshot()).videos.find((v) => v.of === 'Them'), media)
    .toBeUndefined();

  await expectChatCrosses(first, second, 'before the restart');
  // Firefox's own news of a new network: the app restarts ICE.
  await second.evaluate(() => window.dispatchEvent(new Event('online')), undefined);
  for (const tab of [first, second]) {
    await expect
      .poll(async () => (await tab.snapshot()).timeline.join('\n'), { timeout: 30_000 })
      .toMatch(/ICE restart done: connected again after \d+ ms/);
  }
  await expectChatCrosses(second, first, 'after the restart');
});

// Known failure, kept visible: after a screen share has come and gone, an ICE restart that
// Firefox asks for now and then leaves Chromium's data short of Firefox (1 run in 8 to 10 on
// this machine), both sides saying `connected`; Firefox's data still reaches Chromium. Without
// the screen share it held in 40 runs (the test below). Signalling
// end-of-candidates did not change it.
test.fixme('chromium ↔ firefox: after a screen share and an ICE restart, the chat crosses from Chromium to Firefox', async ({
  openPeer,
  room,
}) => {
  const { first, second } = await callUp(openPeer, room, ['chromium', 'firefox']);
  await first.click('Share screen');
  await expect.poll(() => aspectOf(second, 'Them'), { timeout: WAIT.media }).toBe(178);
  await first.click('Share screen');
  await second.evaluate(() => window.dispatchEvent(new Event('online')), undefined);
  for (const tab of [first, second]) {
    await expect
      .poll(async () => (await tab.snapshot()).timeline.join('\n'), { timeout: 30_000 })
      .toMatch(/ICE restart done/);
  }
  await expectChatCrosses(first, second, 'after the restart');
});

// A restart from each side, no screen share before it: held in every run on this machine.
test('chromium ↔ firefox: after an ICE restart asked by either side the chat crosses both ways', async ({
  openPeer,
  room,
}) => {
  const { first, second } = await callUp(openPeer, room, ['chromium', 'firefox']);
  for (const [asker, round] of [
    [second, 1],
    [first, 2],
  ] as const) {
    await asker.evaluate(() => window.dispatchEvent(new Event('online')), undefined);
    for (const tab of [first, second]) {
      await expect
        .poll(async () => (await tab.snapshot()).timeline.join('\n'), { timeout: 30_000 })
        .toMatch(round === 1 ? /ICE restart done/ : /ICE restart done[^]*ICE restart done/);
    }
    await expectChatCrosses(first, second, `after restart ${round}`);
    await expectChatCrosses(second, first, `after restart ${round}, back`);
  }
});

test('a group of four, two Chromium and two Firefox: six links; chat, files, video, a screen and an ICE restart reach every member', async ({
  openPeer,
  room,
  startServer,
}) => {
  test.setTimeout(300_000);
  const server = await startServer({ ROOM_CAPACITY: '4' });
  const url = `http://127.0.0.1:${server.port}/${room}`;
  const engines: Engine[] = ['chromium', 'firefox', 'chromium', 'firefox'];
  const members: PeerTab[] = [];
  for (const engine of engines) {
    const tab = await openPeer(engine, url);
    members.push(tab);
    await expect.poll(async () => (await tab.snapshot()).members).toBe(`${members.length}/4`);
  }
  for (const tab of members) {
    await expect
      .poll(() => status(tab), { message: `${tab} links`, timeout: 60_000 })
      .toMatch(/^Connected with all 3 others\./);
  }
  const [chromium, firefox, chromium2, firefox2] = members as [PeerTab, PeerTab, PeerTab, PeerTab];
  await firefox.say('hello from firefox');
  for (const tab of [chromium, chromium2, firefox2]) {
    await expect.poll(() => chat(tab)).toContainEqual(expect.stringMatching(/hello from firefox$/));
  }
  // A file from Firefox to the three others, each over its own link.
  const sha256 = await firefox.sendFile('to-all.bin', 512 * 1024);
  for (const tab of [chromium, chromium2, firefox2])
    await expectReceived(tab, 'to-all.bin', sha256);

  // The first Chromium's camera, then its screen, on both Firefox tabs.
  const chromiumName = await nameSeenBy(firefox, members, 0);
  await chromium.click('Camera');
  const media = { timeout: WAIT.media };
  for (const tab of [firefox, firefox2])
    await expect.poll(() => aspectOf(tab, chromiumName), media).toBe(133);
  await chromium.click('Share screen');
  for (const tab of [firefox, firefox2])
    await expect.poll(() => aspectOf(tab, chromiumName), media).toBe(178);
  // Firefox's camera reaches the Chromium tabs.
  const firefoxName = await nameSeenBy(chromium, members, 1);
  await firefox.click('Camera');
  for (const tab of [chromium, chromium2]) {
    await expect
      .poll(
        async () => (await tab.snapshot()).videos.find((v) => v.of === firefoxName)?.width,
        media,
      )
      .toBeGreaterThan(0);
  }

  // The first Firefox hears of a new network (`online`): its three links restart ICE. (When a
  // Chromium restarts its link with a Firefox that sends, the Firefox stops receiving its data
  // on this machine: see the report of this branch.)
  await firefox.evaluate(() => window.dispatchEvent(new Event('online')), undefined);
  const page = chromium.page as Page;
  const picker = page.getByRole('combobox', { name: 'Peer' });
  await picker.selectOption({ label: firefoxName });
  const timeline = page.getByRole('list', { name: 'Signaling timeline' });
  await expect(timeline).toContainText('ICE restart: asked by the other member');
  await expect(timeline).toContainText(/ICE restart done: connected again after \d+ ms/, {
    timeout: 30_000,
  });
  await firefox.say('firefox restarted');
  for (const tab of [chromium, chromium2, firefox2]) {
    await expect.poll(() => chat(tab)).toContainEqual(expect.stringMatching(/firefox restarted$/));
  }
  await chromium.say('back again');
  for (const tab of [firefox, chromium2, firefox2]) {
    await expect.poll(() => chat(tab)).toContainEqual(expect.stringMatching(/back again$/));
  }
});

/** The name member `index` goes by on `viewer`'s screen: the one its own list lacks. */
async function nameSeenBy(viewer: PeerTab, members: PeerTab[], index: number): Promise<string> {
  const namesOn = (tab: PeerTab) =>
    tab.evaluate(() => {
      const found: string[] = [];
      const walk = (root: Document | ShadowRoot) => {
        for (const element of root.querySelectorAll('*')) {
          const label = element.getAttribute('aria-label') ?? '';
          if (label.startsWith('Member ') && label !== 'Member Me') found.push(label.slice(7));
          if (element.shadowRoot) walk(element.shadowRoot);
        }
      };
      walk(document);
      return found;
    }, undefined);
  const own = await namesOn(members[index] as PeerTab);
  const seen = await namesOn(viewer);
  return seen.find((name) => !own.includes(name)) ?? '';
}
