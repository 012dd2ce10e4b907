import { expect, test } from './fixtures.ts';

test('a room locked with a PIN refuses a tab without it and seats one with it', async ({
  openTab,
  room,
}) => {
  const alice = await openTab('/');
  await alice.roomInput.fill(room);
  await alice.page.getByLabel('PIN (optional)').fill('271828');
  await alice.joinButton.click();
  await alice.expectMembers(1);
  const bob = await openTab(`/${room}`);
  await expect(bob.page.getByRole('alert')).toContainText('no room with this name and PIN');
  await bob.page.getByLabel('PIN (optional)').fill('271828');
  await bob.joinButton.click();
  await bob.expectMembers(2);
  await alice.expectMembers(2);
});

test('the lock survives a reload of its first member, who gets its room back', async ({
  openTab,
  room,
}) => {
  const alice = await openTab('/');
  await alice.roomInput.fill(room);
  await alice.page.getByLabel('PIN (optional)').fill('271828');
  await alice.joinButton.click();
  await alice.expectMembers(1);
  await alice.page.reload();
  await alice.expectMembers(1);
  await expect(alice.role).toHaveText('opened the room (first member)');
  const mallory = await openTab(`/${room}`);
  await expect(mallory.page.getByRole('alert')).toContainText('no room with this name and PIN');
  await mallory.page.getByLabel('PIN (optional)').fill('000000');
  await mallory.joinButton.click();
  await expect(mallory.log).toContainText('room-locked');
  await alice.expectMembers(1);
});
