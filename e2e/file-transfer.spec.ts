import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { CallTab } from './call-tab.ts';
import { callUp } from './call-up.ts';
import { expect, type RoomTab, test } from './fixtures.ts';

const FIVE_MB = 5 * 1024 * 1024;

/** Picks `bytes` as a file named `name` in `from` and sends it. */
async function sendFile(from: RoomTab, name: string, file: Buffer | string) {
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
