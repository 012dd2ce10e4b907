import { randomBytes } from 'node:crypto';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { startCoturn } from './servers.ts';

// The pre-call check (`?check` on a room's URL) on loopback. Across NATs it runs in the lab
// (e2e/nat-lab.spec.ts). The production project only (playwright.config.ts).

/** One step's row of the check, by its name, and the check's verdict. */
function check(page: Page) {
  const row = (name: string) => page.getByRole('row', { name: new RegExp(`^${name}`) });
  return {
    verdict: (name: string) => row(name).locator('td').nth(0),
    detail: (name: string) => row(name).locator('td').nth(2),
    summary: page.getByRole('status', { name: 'check verdict' }),
  };
}

test('with TURN over UDP and TCP, each allocates a relay; camera and microphone pass', async ({
  startServer,
  page,
  room,
}) => {
  test.slow();
  const secret = randomBytes(16).toString('hex');
  const turn = await startCoturn(secret);
  try {
    const { port } = await startServer({
      TURN_SECRET: secret,
      TURN_URLS: [
        `turn:127.0.0.1:${turn.port}?transport=udp`,
        `turn:127.0.0.1:${turn.port}?transport=tcp`,
      ].join(','),
    });
    await page.goto(`http://127.0.0.1:${port}/${room}?check`);
    const shown = check(page);
    await expect(shown.summary).not.toHaveText('Checking…');
    await expect(shown.verdict('Signaling server')).toHaveText('Passed');
    await expect(shown.detail('Signaling server')).toContainText(/round trip \d+ ms/);
    await expect(shown.verdict('TURN relay over UDP')).toHaveText('Passed');
    await expect(shown.verdict('TURN relay over TCP')).toHaveText('Passed');
    await expect(shown.verdict('TURN relay over TLS')).toHaveText('Not tested');
    await expect(shown.detail('TURN relay over TLS')).toHaveText(
      'This server offers no TURN over TLS.',
    );
    await expect(shown.verdict('Camera and microphone')).toHaveText('Passed');
    await expect(page.getByRole('link', { name: `Join room ${room}` })).toBeVisible();
  } finally {
    await turn.stop();
  }
});

test('a server without ICE servers: the check says there is no relay, and takes no seat in the room', async ({
  page,
  openTab,
  room,
}) => {
  await page.goto(`/${room}?check`);
  const shown = check(page);
  await expect(shown.summary).toHaveText(/This server offers no relay/);
  await expect(shown.verdict('STUN: your public address')).toHaveText('Not tested');
  await expect(shown.verdict('Signaling server')).toHaveText('Passed');
  const tab = await openTab(`/${room}`);
  await tab.expectMembers(1);
});
