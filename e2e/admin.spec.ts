import { expect, test } from './fixtures.ts';
import { type Started, startProductionServer } from './servers.ts';

const SECRET = 'e2e-operator-secret';

/** The production server with the operator's page on (ADMIN_SECRET), started for this test. */
const adminTest = test.extend<{ app: string }>({
  app: async ({}, use) => {
    const server: Started = await startProductionServer({ ADMIN_SECRET: SECRET });
    try {
      await use(`http://127.0.0.1:${server.port}`);
    } finally {
      await server.stop();
    }
  },
});

// The production project only (playwright.config.ts): it starts its own production server
// from the build, once.
adminTest.beforeEach(() => {
  // A server of its own to start, and tabs to open, on a busy machine.
  adminTest.slow();
});

/** The value cell of the row named `name` in the operator's tables. */
function figure(page: import('@playwright/test').Page, name: string) {
  return page.locator('tr', { has: page.getByText(name, { exact: true }) }).locator('td');
}

adminTest('refuses without the secret, and shows no figures', async ({ app, page }) => {
  expect((await page.request.get(`${app}/_signaling/admin.json`)).status()).toBe(401);
  await page.goto(`${app}/_signaling/admin`);
  await page.getByLabel('Admin secret').fill('not the secret');
  await page.getByRole('button', { name: 'Show figures' }).click();
  await expect(page.getByRole('status')).toContainText('Refused');
  await expect(page.getByRole('table', { name: 'rooms' })).toBeHidden();
  await expect(page.getByLabel('Admin secret')).toBeVisible();
});

adminTest(
  'shows live rooms as counts, and their names only when asked',
  async ({ app, page, openTab, room }) => {
    const alice = await openTab(`${app}/${room}`);
    await alice.expectMembers(1);
    await page.goto(`${app}/_signaling/admin`);
    await page.getByLabel('Admin secret').fill(SECRET);
    await page.getByRole('button', { name: 'Show figures' }).click();
    await expect(figure(page, 'Live rooms')).toHaveText('1');
    await expect(figure(page, 'Connections (sockets)')).toHaveText('1');
    await expect(figure(page, 'Away sessions')).toHaveText('0');
    await expect(page.getByText(room)).toHaveCount(0);
    await page.getByLabel('Show room names').check();
    await expect(page.getByRole('table', { name: 'room names' })).toContainText(room);
    const bob = await openTab(`${app}/${room}`);
    await bob.expectMembers(2);
    await expect(figure(page, 'With 2 member(s)')).toHaveText('1');
  },
);

test('a server without ADMIN_SECRET has no operator page', async ({ page }) => {
  expect((await page.request.get('/_signaling/admin.json')).status()).toBe(404);
  // The path is no room (two segments), so the app's fallback page answers, not the operator's.
  await page.goto('/_signaling/admin');
  await expect(page.getByRole('heading', { name: 'WebRTC rooms' })).toBeVisible();
  await expect(page.getByLabel('Admin secret')).toHaveCount(0);
});
