import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { CallTab } from './call-tab.ts';
import { callUp } from './call-up.ts';
import { expect, type RoomTab, test } from './fixtures.ts';
import { exposeFilesChannel, test as lyingTest } from './scripted-tab.ts';

const FIVE_MB = 5 * 1024 * 1024;

/** Picks `bytes` as a file named `name` in `from` and sends it. */
async function sendFile(from: { page: Page }, name: string, file: Buffer | string) {
  await expect(from.page.getByRole('button', { name: 'Send file' })).toBeEnabled();
  await from.page
    .getByLabel('File to send')
    .setInputFiles(
      typeof file === 'string'
        ? file
        : { name, mimeType: 'application/octet-stream', buffer: file },
    );
  await from.page.getByRole('button', { name: 'Send file' }).click();
}

test('a 5 MB file crosses the call each way and arrives with the same SHA-256', async ({
  openTab,
  room,
}, testInfo) => {
  test.setTimeout(90_000);
  const { alice, bob } = await callUp(openTab, room);
  for (const [from, to, name] of [
    [alice, bob, 'from-alice.bin'],
    [bob, alice, 'from-bob.bin'],
  ] as const) {
    const bytes = randomBytes(FIVE_MB);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    await sendFile(from, name, bytes);
    const arrived = to.page.getByRole('listitem', { name: `receive ${name}` });
    await expect(arrived).toContainText('received: 5.0 MiB of 5.0 MiB', { timeout: 60_000 });
    await expect(arrived.getByTestId('sha256')).toHaveText(sha256);
    await expect(arrived).toContainText('verified');
    await expect(arrived.getByRole('link', { name: `Save ${name}` })).toBeVisible();
    const sent = from.page.getByRole('listitem', { name: `send ${name}` });
    await expect(sent).toContainText('sent: 5.0 MiB of 5.0 MiB');
    const ms = Number((await arrived.textContent())?.match(/in (\d+) ms/)?.[1]);
    console.log(`[file-transfer] ${name} 5 MiB ${testInfo.project.name} ${ms} ms`);
    await testInfo.attach(`5 MiB ${name}`, { body: `${ms} ms`, contentType: 'text/plain' });
  }
  // The chat shares the call but not the files' channel: it still works.
  await new CallTab(alice.page).say('got your file');
  await expect(new CallTab(bob.page).chat).toContainText('Them:got your file');
});

test('either side can cancel a file under way, and both sides say so', async ({
  openTab,
  room,
}, testInfo) => {
  const { alice, bob } = await callUp(openTab, room);
  // Large enough to be still under way when the click lands, on any machine; Playwright takes
  // buffers of 50 MB at most, so it goes by path.
  const path = testInfo.outputPath('big.bin');
  await writeFile(path, Buffer.alloc(60 * 1024 * 1024, 7));
  await sendFile(alice, 'big.bin', path);
  const incoming = bob.page.getByRole('listitem', { name: 'receive big.bin' });
  await expect(incoming).toContainText('receiving');
  await incoming.getByRole('button', { name: 'Cancel' }).click();
  await expect(incoming).toContainText('cancelled');
  const outgoing = alice.page.getByRole('listitem', { name: 'send big.bin' });
  await expect(outgoing).toContainText(/cancelled: .* \(cancelled by them\)/);
  // The channel is free again for the next file.
  await expect(alice.page.getByRole('button', { name: 'Send file' })).toBeEnabled();
});

/** Runs before the app in the receiving tab: keeps the type of every Blob it offers to save. */
function recordBlobTypes() {
  const types: string[] = [];
  const create = URL.createObjectURL;
  URL.createObjectURL = (object) => {
    if (object instanceof Blob) types.push(object.type);
    return create(object);
  };
  Object.assign(window, { blobTypes: types });
}

/** A liar (its `files` channel exposed) and an honest receiver, in a call. */
async function liarAndReceiver(openTabWith: OpenTabWith, room: string) {
  const liar = await openTabWith(`/${room}`, exposeFilesChannel);
  await liar.expectMembers(1);
  const receiver = await openTabWith(`/${room}`, recordBlobTypes);
  await new CallTab(liar.page).expectChatOpen();
  await new CallTab(receiver.page).expectChatOpen();
  return { liar: liar.page, receiver: receiver.page };
}

type OpenTabWith = (path: string, script: () => void) => Promise<RoomTab>;

/** What the liar's page is told on its `files` channel, as parsed control lines. */
function repliesOf(page: Page): Promise<{ type: string; id: string; reason?: string }[]> {
  return page.evaluate(() =>
    (window as unknown as { filesReplies: string[] }).filesReplies.map((line) => JSON.parse(line)),
  );
}

lyingTest(
  'a file that brings more bytes than it announced is stopped, and the sender is told @client-only',
  async ({ openTabWith, room }) => {
    const { liar, receiver } = await liarAndReceiver(openTabWith, room);
    await liar.evaluate(() => {
      const channel = (window as unknown as { filesChannel: RTCDataChannel }).filesChannel;
      channel.send(
        JSON.stringify({ type: 'file:start', id: 'lie-1', name: 'tiny.txt', size: 10, mime: '' }),
      );
      // A megabyte, where ten bytes were announced: without a check, as much as the liar likes.
      for (let chunk = 0; chunk < 64; chunk++) channel.send(new Uint8Array(16 * 1024));
    });
    const incoming = receiver.getByRole('listitem', { name: 'receive tiny.txt' });
    await expect(incoming).toContainText(
      'cancelled: 0 B of 10 B (stopped: more than the 10 bytes announced arrived)',
    );
    await expect(incoming.getByRole('link')).toHaveCount(0);
    await expect
      .poll(() => repliesOf(liar))
      .toContainEqual({
        type: 'file:cancel',
        id: 'lie-1',
        reason: 'refused: more than the 10 bytes announced',
      });
    // The channel is still the call's: an honest file crosses after it.
    await sendFile({ page: receiver }, 'after.bin', Buffer.from('an honest file after the lie'));
    await expect(liar.getByRole('listitem', { name: 'receive after.bin' })).toContainText(
      'verified',
    );
  },
);

lyingTest(
  'a file announced as text/html arrives as an octet stream, under a cleaned name @client-only',
  async ({ openTabWith, room }) => {
    const { liar, receiver } = await liarAndReceiver(openTabWith, room);
    const html = '<script>alert(sessionStorage.length)</script>';
    await liar.evaluate(async (text) => {
      const channel = (window as unknown as { filesChannel: RTCDataChannel }).filesChannel;
      const bytes = new TextEncoder().encode(text);
      const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
      const sha256 = Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('');
      // A path, and U+202E, which would show `report<RLO>lmth.png` as `reportgnp.html`.
      const name = '../../report\u202elmth.png';
      const size = bytes.byteLength;
      channel.send(
        JSON.stringify({ type: 'file:start', id: 'html-1', name, size, mime: 'text/html' }),
      );
      channel.send(bytes);
      channel.send(JSON.stringify({ type: 'file:end', id: 'html-1', sha256 }));
    }, html);
    const name = '_.._report_lmth.png';
    const arrived = receiver.getByRole('listitem', { name: `receive ${name}` });
    await expect(arrived).toContainText('verified');
    const save = arrived.getByRole('link', { name: `Save ${name}` });
    await expect(save).toHaveAttribute('download', name);
    // The page's policy refuses fetch() of a blob: URL, so the types are read where the app
    // makes the link.
    const types = await receiver.evaluate(
      () => (window as unknown as { blobTypes: string[] }).blobTypes,
    );
    expect(types).toEqual(['application/octet-stream']);
    const download = receiver.waitForEvent('download');
    await save.click();
    expect((await download).suggestedFilename()).toBe(name);
  },
);
