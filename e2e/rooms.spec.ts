import { expect, test } from './fixtures.ts';

test('two tabs on the same room URL meet: both show 2/2 and each other in the log', async ({
  openTab,
  room,
}) => {
  const alice = await openTab(`/${room}`);
  await alice.expectMembers(1);
  await expect(alice.role).toHaveText('opened the room (first member)');
  const bob = await openTab(`/${room}`);
  await bob.expectMembers(2);
  await alice.expectMembers(2);
  await expect(bob.role).toHaveText('joined (second member)');
  await expect(alice.log).toContainText(`Another member is joining room ${room}`);
  await expect(bob.log).toContainText(`Joined room ${room}`);
  await expect(alice.log).toContainText('Room is ready');
  await expect(bob.log).toContainText('Room is ready');
  await expect(alice.connection).toHaveText('Connected');
});

test('a third tab is told the room is full and can pick another room', async ({
  openTab,
  openPair,
  room,
}) => {
  const [alice, bob] = await openPair(`/${room}`);
  const carol = await openTab(`/${room}`);
  await expect(carol.page.getByRole('alert').filter({ hasText: 'is full' })).toBeVisible();
  await expect(carol.log).toContainText(`Room ${room} is full`);
  await carol.join(`${room}-b`);
  await carol.expectMembers(1);
  await expect(carol.page).toHaveURL(new RegExp(`/${room}-b$`));
  await alice.expectMembers(2);
  await bob.expectMembers(2);
});

test('closing a tab shows the other it left, and a new tab takes the seat', async ({
  openTab,
  openPair,
  room,
}) => {
  const [alice, bob] = await openPair(`/${room}`);
  await bob.page.close();
  await alice.expectPeerLeft();
  await expect(alice.log).toContainText(`The other member left room ${room}`);
  await expect(alice.role).toHaveText('opened the room (first member)');
  const carol = await openTab(`/${room}`);
  await carol.expectMembers(2);
  await alice.expectMembers(2);
  await expect(alice.page.getByText('The other member left the room')).toBeHidden();
});

test('a reloaded tab gets its seat back', async ({ openPair, room }) => {
  const [alice, bob] = await openPair(`/${room}`);
  await bob.page.reload();
  await bob.expectMembers(2);
  await alice.expectMembers(2);
  await alice.page.reload();
  await alice.expectMembers(2);
  await bob.expectMembers(2);
});

test('a tab in another room is untouched by this room', async ({ openTab, openPair, room }) => {
  const other = await openTab(`/${room}-other`);
  await other.expectMembers(1);
  const [alice, bob] = await openPair(`/${room}`);
  await bob.page.close();
  await alice.expectPeerLeft();
  await other.expectMembers(1);
  await expect(other.role).toHaveText('opened the room (first member)');
  await expect(other.log).not.toContainText('Another member');
  await expect(other.log).not.toContainText('left');
});

test('joining from the form moves the URL to the room, so the link can be shared', async ({
  openTab,
  room,
}) => {
  const alice = await openTab('/');
  await expect(alice.connection).toHaveText('Connected');
  await alice.join(room);
  await expect(alice.page).toHaveURL(new RegExp(`/${room}$`));
  await alice.expectMembers(1);
  const bob = await openTab(new URL(alice.page.url()).pathname);
  await bob.expectMembers(2);
  await alice.leaveButton.click();
  await expect(alice.page).toHaveURL(/\/$/);
  await bob.expectMembers(1);
  await alice.page.goBack();
  await alice.expectMembers(2);
});

test('a room name with dots and letters of any script works as a link', async ({
  openPair,
  room,
}) => {
  const name = `${room}.кв`;
  const [alice] = await openPair(`/${encodeURIComponent(name)}`);
  await expect(alice.page.getByRole('heading', { name: `Room ${name}` })).toBeVisible();
});

test('a name the server would refuse is explained in the form', async ({ openTab }) => {
  const tab = await openTab('/');
  await tab.join('not a room!');
  await expect(tab.page.getByRole('alert')).toContainText(
    'room name may hold only letters, digits',
  );
  // Still the page it was opened on (`/?join`: the suite skips join screens).
  await expect(tab.page).toHaveURL(/\/(\?join)?$/);
});

test('the log can be cleared', async ({ openTab, room }) => {
  const tab = await openTab(`/${room}`);
  await expect(tab.log).toContainText(`Created room ${room}`);
  await tab.page.getByRole('button', { name: 'Clear log' }).click();
  await expect(tab.log.getByRole('listitem')).toHaveCount(0);
});

test('on a phone-sized screen everything fits the width', async ({ openTab, room }) => {
  const tab = await openTab(`/${room}`);
  await tab.page.setViewportSize({ width: 375, height: 740 });
  await tab.expectMembers(1);
  await expect
    .poll(() =>
      tab.page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      ),
    )
    .toBeLessThanOrEqual(0);
  // The side panel closes on a narrow screen: the controls stay in view.
  await expect(tab.page.getByRole('button', { name: 'Leave call' })).toBeInViewport();
});

test('a server that keeps its addresses to itself shows no error for it', async ({
  openTab,
  room,
}, testInfo) => {
  const tab = await openTab(`/${room}`);
  await tab.expectMembers(1);
  // npm start answers ipaddr only with SIGNALING_EXPOSE_ADDRESSES=1; the dev server answers.
  if (testInfo.project.name === 'production') {
    await expect(tab.log).toContainText('The server does not publish its LAN addresses');
  }
  await expect(tab.log).not.toContainText('Refused "ipaddr" (');
});

test('the page loads every file it asks for, its icon included', async ({ page }) => {
  const failed: string[] = [];
  page.on('response', (response) => {
    if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
  });
  await page.goto('/');
  const icon = page.locator('link[rel="icon"]');
  const href = await icon.getAttribute('href');
  expect(href).toBeTruthy();
  const response = await page.request.get(new URL(href ?? '', page.url()).toString());
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toContain('image/svg+xml');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  expect(failed).toEqual([]);
});
