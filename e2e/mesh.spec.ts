import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  type Browser,
  type BrowserContext,
  test as base,
  expect,
  type Page,
} from '@playwright/test';
import { createServer, type ViteDevServer } from 'vite';
import { signaling } from '../server/vite/index.ts';
import { CallTab, SAFETY_CODE } from './call-tab.ts';
import { skipJoinScreen } from './fixtures.ts';
import { freePort, type Started, startProductionServer } from './servers.ts';

// A room of four needs a server with ROOM_CAPACITY=4, which the suite's shared servers are
// not: each project starts its own here, the production build (`npm run build`, which the
// production web server runs) or Vite with the plugin, on a free port.

const CAPACITY = 4;
let server: Started | undefined;
let vite: ViteDevServer | undefined;
let baseURL = '';

/** The tabs a test opens, closed after it whatever happens. */
type Tabs = ReturnType<typeof tabs>;

// Every test here gets a room of its own and the tabs it opens, closed when it ends; four tabs
// of fake video on two cores take minutes, not the default half minute.
const test = base.extend<{ room: string; opened: Tabs }>({
  room: async ({}, use, testInfo) => {
    await use(`mesh-${testInfo.testId}-${testInfo.repeatEachIndex}`);
  },
  opened: async ({ browser }, use) => {
    const opened = tabs(browser);
    try {
      await use(opened);
    } finally {
      await opened.close();
    }
  },
});
test.describe.configure({ mode: 'serial', timeout: 300_000 });

test.beforeAll(async ({}, testInfo) => {
  if (testInfo.project.name === 'production') {
    server = await startProductionServer({ ROOM_CAPACITY: String(CAPACITY) });
    baseURL = `http://127.0.0.1:${server.port}`;
    return;
  }
  const port = await freePort();
  vite = await createServer({
    configFile: false,
    root: fileURLToPath(new URL('..', import.meta.url)),
    logLevel: 'warn',
    plugins: [signaling({ roomCapacity: CAPACITY })],
    server: { port, strictPort: true, host: '127.0.0.1' },
  });
  await vite.listen();
  baseURL = `http://127.0.0.1:${port}`;
});

test.afterAll(async () => {
  await server?.stop();
  await vite?.close();
});

/** Opens tabs in contexts of one shared browser (four tabs of fake video on two cores). */
function tabs(browser: Browser) {
  const contexts: BrowserContext[] = [];
  return {
    async open(path: string): Promise<CallTab> {
      const context = await browser.newContext({ baseURL });
      contexts.push(context);
      const page: Page = await context.newPage();
      await page.goto(skipJoinScreen(path));
      return new CallTab(page);
    },
    /** Opens `count` tabs on `room` one after the other, then waits until all are linked. */
    async fill(room: string, count: number): Promise<CallTab[]> {
      const members: CallTab[] = [];
      for (let index = 0; index < count; index++) {
        const tab = await this.open(`/${room}`);
        await tab.expectMembers(index + 1, CAPACITY);
        members.push(tab);
      }
      for (const tab of members) await tab.expectLinks(count - 1);
      return members;
    },
    async close() {
      for (const context of contexts) await context.close();
    },
  };
}

test('four tabs in a room of four open six links, chat, a file and video reach everyone, a fifth is full', async ({
  opened,
  room,
}, testInfo) => {
  const members = await opened.fill(room, CAPACITY - 1);
  const fourth = await opened.open(`/${room}`);
  members.push(fourth);
  for (const tab of members) await tab.expectLinks(CAPACITY - 1);
  const joinToMesh = await fourth.page.getByLabel('join to all open').textContent();
  console.log(`[mesh] ${testInfo.project.name}: fourth join to six links open: ${joinToMesh} ms`);
  testInfo.annotations.push({ type: 'join-to-mesh-ms', description: joinToMesh ?? '' });

  await members[0]?.say('hello, all three');
  for (const tab of members.slice(1)) await expect(tab.chat).toContainText('hello, all three');

  // One file to everyone: each link carries its own copy, and each arrives whole.
  const bytes = randomBytes(2 * 1024 * 1024);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const [sender, ...receivers] = members as [CallTab, ...CallTab[]];
  await sender.sendFile('to-all.bin', bytes);
  for (const tab of receivers) await tab.expectFile('to-all.bin', '2.0 MiB', sha256);
  const sent = sender.page.getByRole('listitem', { name: 'send to-all.bin to' });
  await expect(sent.filter({ hasText: 'sent: 2.0 MiB of 2.0 MiB' })).toHaveCount(CAPACITY - 1);

  const fifth = await opened.open(`/${room}`);
  // Told in the room's own figures, not those of a room of two.
  await expect(fifth.page.getByRole('alert').filter({ hasText: 'is full' })).toContainText(
    `it already has ${CAPACITY} members`,
  );
  for (const tab of [fifth, fourth]) {
    await expect(tab.page.getByText('Open this room')).toHaveText(
      `Open this room's link in other tabs or on other devices: up to ${CAPACITY} members meet in the room, each connected to every other. One more is told the room is full.`,
    );
  }
  await expect(fourth.role).toHaveText('member (joined)');
  for (const tab of members) await tab.expectMembers(CAPACITY, CAPACITY);

  // Two cameras, one after the other, not four: four tabs encoding three copies each is
  // more than two shared cores carry. Every tab receives frames from one at least.
  const [first, ...rest] = members as [CallTab, ...CallTab[]];
  await first.startCamera();
  for (const tab of rest) await tab.expectVideoFrom(1);
  await fourth.startCamera();
  await first.expectVideoFrom(1);
});

test('one of four reloads and rejoins all three; one leaves and the three carry on; one cancels a file', async ({
  opened,
  room,
}, testInfo) => {
  const members = await opened.fill(room, CAPACITY);

  const [reloader, ...others] = members as [CallTab, ...CallTab[]];
  await reloader.page.reload();
  await reloader.expectMembers(CAPACITY, CAPACITY);
  for (const tab of members) await tab.expectLinks(CAPACITY - 1);
  await reloader.say('back again');
  for (const tab of others) await expect(tab.chat).toContainText('back again');

  const [leaver, ...stayers] = others as [CallTab, ...CallTab[]];
  await leaver.leaveButton.click();
  for (const tab of [reloader, ...stayers]) {
    await tab.expectMembers(CAPACITY - 1, CAPACITY);
    await tab.expectLinks(CAPACITY - 2);
    await expect(tab.page.getByText('A member left the room.')).toBeVisible();
  }
  await reloader.say('still here');
  for (const tab of stayers) await expect(tab.chat).toContainText('still here');

  // One member cancels a file sent to both: only its own transfer stops.
  const [canceller, keeper] = stayers as [CallTab, CallTab];
  const path = testInfo.outputPath('big.bin');
  await writeFile(path, Buffer.alloc(30 * 1024 * 1024, 7));
  await reloader.sendFile('big.bin', path);
  const incoming = canceller.page.getByRole('listitem', { name: 'receive big.bin from' });
  await expect(incoming).toContainText('receiving');
  await incoming.getByRole('button', { name: 'Cancel' }).click();
  await expect(incoming).toContainText('cancelled');
  const sent = reloader.page.getByRole('listitem', { name: 'send big.bin to' });
  await expect(sent.filter({ hasText: '(cancelled by them)' })).toHaveCount(1);
  await expect(keeper.page.getByRole('listitem', { name: 'receive big.bin from' })).toContainText(
    'received: 30.0 MiB of 30.0 MiB',
    { timeout: 60_000 },
  );
  await expect(sent.filter({ hasText: 'sent: 30.0 MiB of 30.0 MiB' })).toHaveCount(1);
});

test('each pair of a group call shows one safety code on both its sides, and no two pairs the same @client-only', async ({
  opened,
  room,
}) => {
  const members = await opened.fill(room, 3);
  const seen = await Promise.all(members.map((tab) => tab.peerNames()));
  // A tab's own name is the one every other tab shows and it does not.
  const everyone = [...new Set(seen.flat())];
  expect(everyone).toHaveLength(3);
  const names = seen.map((own) => everyone.find((name) => !own.includes(name)) ?? '');
  const codes = new Set<string>();
  for (const [i, j] of [
    [0, 1],
    [0, 2],
    [1, 2],
  ] as const) {
    const [one, other] = [members[i] as CallTab, members[j] as CallTab];
    const code = one.safetyCodeOf(names[j] ?? '');
    await expect(code).toHaveText(SAFETY_CODE);
    const shown = (await code.textContent()) ?? '';
    await expect(other.safetyCodeOf(names[i] ?? '')).toHaveText(shown);
    codes.add(shown);
  }
  expect(codes.size).toBe(3);
});

test('a group call fits a phone (360 px) and a desktop (1280 px): tiles, peer picker, panel @client-only', async ({
  opened,
  room,
}, testInfo) => {
  const members = await opened.fill(room, CAPACITY);
  const [phone, desktop] = members as [CallTab, CallTab];
  await phone.page.setViewportSize({ width: 360, height: 740 });
  await desktop.page.setViewportSize({ width: 1280, height: 800 });
  for (const [tab, width] of [
    [phone, 360],
    [desktop, 1280],
  ] as const) {
    const tiles = tab.page.getByRole('group', { name: /^Member / });
    await expect(tiles).toHaveCount(CAPACITY);
    // The page scrolls down, never sideways: each tile fits the screen whole (to a subpixel).
    for (const tile of await tiles.all()) {
      await tile.scrollIntoViewIfNeeded();
      await expect(tile).toBeInViewport({ ratio: 0.99 });
    }
    // The side panel is closed on a phone: its details hold the connection panel.
    const details = tab.page.getByRole('button', { name: 'Details', exact: true });
    if ((await details.getAttribute('aria-pressed')) !== 'true') await details.click();
    // The picker shows the picked peer's own connection: its own candidate pair.
    const picker = tab.page.getByRole('combobox', { name: 'Peer' });
    const addresses = tab.page.getByLabel('candidate addresses');
    await picker.scrollIntoViewIfNeeded();
    await expect(picker).toBeInViewport();
    await expect(addresses).toContainText('↔');
    const before = await addresses.textContent();
    await picker.selectOption({ index: 2 });
    await expect(addresses).not.toHaveText(before ?? '');
    await expect(addresses).toContainText('↔');
    const shot = testInfo.outputPath(`group-call-${width}.png`);
    await tab.page.screenshot({ path: shot, fullPage: true });
    await testInfo.attach(`group call at ${width} px`, { path: shot, contentType: 'image/png' });
    expect(await tab.overflowing(), `at ${width} px`).toEqual([]);
  }
});

/** The name tab `index` goes by on the others' screens (the one its own list lacks). */
async function nameOf(members: CallTab[], index: number): Promise<string> {
  const seen = await Promise.all(members.map((tab) => tab.peerNames()));
  const own = seen[index] ?? [];
  return seen.flat().find((name) => !own.includes(name)) ?? '';
}

/** The aspect ratio (×100) of the video of `name` on `tab`: 133 camera, 178 fake screen. */
const aspectOf = (tab: CallTab, name: string) =>
  tab.page.getByLabel(`Video of ${name}`, { exact: true }).evaluate((element) => {
    const video = element as HTMLVideoElement;
    return video.videoHeight > 0 ? Math.round((video.videoWidth / video.videoHeight) * 100) : 0;
  });

test('in a group of four a shared screen replaces the camera for all three, and the camera and microphone toggles reach them @client-only', async ({
  opened,
  room,
}) => {
  const members = await opened.fill(room, CAPACITY);
  const [sharer, ...viewers] = members as [CallTab, ...CallTab[]];
  const name = await nameOf(members, 0);
  await sharer.startCamera();
  const media = { timeout: 45_000 };
  for (const tab of viewers) await expect.poll(() => aspectOf(tab, name), media).toBe(133);
  await sharer.page.getByRole('button', { name: 'Share screen' }).click();
  await expect(sharer.page.getByText('My screen')).toBeVisible();
  for (const tab of viewers) await expect.poll(() => aspectOf(tab, name), media).toBe(178);
  await sharer.page.getByRole('button', { name: 'Share screen' }).click();
  for (const tab of viewers) await expect.poll(() => aspectOf(tab, name), media).toBe(133);

  // Each toggle on its own, told to every member over its link's control channel.
  for (const tab of viewers)
    await tab.page.getByRole('combobox', { name: 'Peer' }).selectOption({ label: name });
  const told = viewers.map((tab) => tab.page.getByLabel('announced media'));
  for (const line of told) await expect(line).toHaveText('microphone on, camera on');
  await sharer.startCameraButton.click();
  for (const line of told) await expect(line).toHaveText('microphone on, camera off');
  await sharer.microphoneButton.click();
  for (const line of told) await expect(line).toHaveText('microphone off, camera off');
  await sharer.microphoneButton.click();
  for (const line of told) await expect(line).toHaveText('microphone on, camera off');
  for (const tab of members) await tab.expectLinks(CAPACITY - 1);
});

test('a member of a group of four offline and back: every one of its links comes back by an ICE restart @client-only', async ({
  opened,
  room,
}) => {
  const members = await opened.fill(room, CAPACITY);
  const [roamer, watcher, ...rest] = members as [CallTab, CallTab, ...CallTab[]];
  const others = [watcher, ...rest];
  const names = await roamer.peerNames();
  await roamer.page.context().setOffline(true);
  await expect(roamer.connection).toHaveText('Reconnecting…');
  await expect(watcher.page.getByText('Their seat is kept while they reconnect')).toBeVisible();
  await roamer.page.context().setOffline(false);
  const picker = roamer.page.getByRole('combobox', { name: 'Peer' });
  for (const name of names) {
    await picker.selectOption({ label: name });
    await expect(roamer.timeline).toContainText('ICE restart: the network came back (online)');
    await expect(roamer.page.getByLabel('last ICE restart')).toHaveText(
      /^connected again after \d+ ms$/,
      { timeout: 30_000 },
    );
    // The same connection, restarted: its timeline was not reset by a new one.
    await expect(roamer.timeline.getByRole('listitem').first()).toContainText(
      'peer connection created',
    );
  }
  for (const tab of members) await tab.expectLinks(CAPACITY - 1);
  await roamer.say('back on the network');
  for (const tab of others) await expect(tab.chat).toContainText('back on the network');
});

/**
 * The CPU share (percent of one core) over `seconds` of the tab's page clock: its main thread
 * (`TaskDuration`), and the mean renderer process of the call's `tabs` (the browser's
 * renderers' CPU time, divided: encoding and decoding run on their other threads).
 */
async function cpuOver(browser: Browser, tab: CallTab, tabs: number, seconds: number) {
  const page = await tab.page.context().newCDPSession(tab.page);
  const system = await browser.newBrowserCDPSession();
  await page.send('Performance.enable');
  const now = async () => {
    const { metrics } = await page.send('Performance.getMetrics');
    const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? 0;
    const { processInfo } = (await system.send('SystemInfo.getProcessInfo')) as {
      processInfo: { type: string; cpuTime: number }[];
    };
    const renderers = processInfo.filter((p) => p.type === 'renderer');
    return {
      at: metric('Timestamp'),
      mainThread: metric('TaskDuration'),
      renderers: renderers.reduce((sum, p) => sum + p.cpuTime, 0),
    };
  };
  try {
    const start = await now();
    // A measuring window, not a wait for something: polls the page's own clock until it is over.
    await expect
      .poll(async () => (await now()).at - start.at, { timeout: seconds * 5000 })
      .toBeGreaterThanOrEqual(seconds);
    const end = await now();
    const percent = (cpu: number) => Math.round((cpu / (end.at - start.at)) * 1000) / 10;
    return {
      mainThread: percent(end.mainThread - start.mainThread),
      renderer: percent((end.renderers - start.renderers) / tabs),
    };
  } finally {
    await system.detach();
    await page.detach();
  }
}

/** Seconds of each CPU window below: short in the suite, longer for docs/benchmarks.md. */
const CPU_SECONDS = Number(process.env.MESH_CPU_SECONDS ?? 3);

// Prints the figures of docs/benchmarks.md (the fourth join to six links, a tab's CPU) while
// checking that a fourth member's links and everyone's video come up. Nothing is asserted against a clock. For
// the figures: MESH_CPU_SECONDS=10 npx playwright test e2e/mesh.spec.ts --project=production
// -g measures --repeat-each=5 --workers=1.
test('measures the fourth join to six links and the CPU of a tab in a call of four @client-only', async ({
  opened,
  room,
  browser,
}, testInfo) => {
  const report = (name: string, value: string) => {
    console.log(`[mesh] ${name}: ${value}`);
    testInfo.annotations.push({ type: name, description: value });
  };
  const members = await opened.fill(room, CAPACITY - 1);
  report(
    'load average (1, 5, 15 min)',
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  );
  const startedAt = Date.now();
  const fourth = await opened.open(`/${room}`);
  members.push(fourth);
  for (const tab of members) await tab.expectLinks(CAPACITY - 1);
  const wall = Date.now() - startedAt;
  const seatToMesh = await fourth.page.getByLabel('join to all open').textContent();
  report('fourth seat to its three links open (ms)', seatToMesh ?? '');
  report('fourth page load to all six links seen open by the test (ms)', String(wall));

  const [first] = members as [CallTab];
  const idle = await cpuOver(browser, first, CAPACITY, CPU_SECONDS);
  report('CPU, links up, no media: main thread of one tab (%)', String(idle.mainThread));
  report('CPU, links up, no media: renderer per tab (%)', String(idle.renderer));

  for (const tab of members) await tab.startCamera();
  for (const tab of members) await tab.expectVideoFrom(CAPACITY - 1);
  const call = await cpuOver(browser, first, CAPACITY, CPU_SECONDS);
  report('CPU, four cameras: main thread of one tab (%)', String(call.mainThread));
  report('CPU, four cameras: renderer per tab (%)', String(call.renderer));
  report(
    'load average after (1, 5, 15 min)',
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  );
});
