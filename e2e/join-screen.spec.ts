import { expectNoSeriousViolations } from './axe.ts';
import { expect, RoomTab, test } from './fixtures.ts';
import { LobbyTab } from './lobby-tab.ts';

// The join screen before a call (every room URL; `?lobby` tells the suite's openTab not to
// skip it): the preview with the fake devices, names that the other side sees, a locked
// room's PIN, and a wrong PIN told apart.

test('previews the fake camera, lists the fake devices and toggles them @client-only', async ({
  openTab,
  room,
}) => {
  const tab = new LobbyTab((await openTab(`/${room}?lobby`)).page);
  await expect.poll(() => tab.previewWidth()).toBeGreaterThan(0);
  await expect(tab.microphone).toContainText(/fake/i);
  // The suite's fake camera is named after its file (playwright.config.ts).
  await expect(tab.camera).toContainText(/fake|\.y4m/i);
  await expect(tab.presence).toHaveText('No one else is here yet');

  await tab.cameraButton.click();
  await expect(tab.cameraButton).toHaveAttribute('aria-pressed', 'false');
  await expect(tab.page.getByText('Your camera is off')).toBeVisible();
  await expect(tab.preview).toBeHidden();
  await tab.cameraButton.click();
  await expect(tab.cameraButton).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(() => tab.previewWidth()).toBeGreaterThan(0);

  await tab.microphoneButton.click();
  await expect(tab.microphoneButton).toHaveAttribute('aria-pressed', 'false');

  // Another microphone: the pick holds once the new one is open.
  const options = tab.microphone.locator('option');
  await expect.poll(() => options.count()).toBeGreaterThan(1);
  const second = await options.nth(1).getAttribute('value');
  await tab.microphone.selectOption(second ?? '');
  await expect(tab.microphone).toHaveValue(second ?? '');

  await expectNoSeriousViolations(tab.page, 'the join screen');
});

test('remembers the name on this device', async ({ openTab, room }) => {
  const tab = new LobbyTab((await openTab(`/${room}?lobby`)).page);
  await tab.join('Ada Lovelace');
  await new RoomTab(tab.page).expectMembers(1);
  await tab.page.goto(`/${room}-again?lobby`);
  await expect(tab.nameInput).toHaveValue('Ada Lovelace');
});

test('a name given on the join screen is seen by the other side', async ({ openTab, room }) => {
  const alice = new LobbyTab((await openTab(`/${room}?lobby`)).page);
  await alice.join('Ada Lovelace');
  const aliceApp = new RoomTab(alice.page);
  await aliceApp.expectMembers(1);

  const bob = new LobbyTab((await openTab(`/${room}?lobby`)).page);
  await expect(bob.presence).toContainText('Ada Lovelace is here');
  await bob.join('Grace Hopper');
  const bobApp = new RoomTab(bob.page);
  await bobApp.expectMembers(2);
  await expect(aliceApp.log).toContainText('In the room with you: Grace Hopper');
  await expect(bobApp.log).toContainText('In the room with you: Ada Lovelace');
});

test('a locked room says so and asks for its PIN; a wrong PIN is told apart', async ({
  openTab,
  room,
}) => {
  const alice = new LobbyTab((await openTab(`/${room}?lobby`)).page);
  await expect(alice.presence).toHaveText('No one else is here yet');
  await alice.lockSwitch.check();
  await alice.join('Ada', '271828');
  await new RoomTab(alice.page).expectMembers(1);

  const bob = new LobbyTab((await openTab(`/${room}?lobby`)).page);
  await expect(bob.presence).toHaveText('This room is locked');
  await expect(bob.page.getByText('Enter the PIN you were given to join.')).toBeVisible();
  await expect(bob.lockSwitch).toHaveCount(0);
  await expect(bob.pinInput).toBeVisible();
  await expectNoSeriousViolations(bob.page, 'the join screen of a locked room');

  // A wrong PIN: the server refuses, and the screen says so differently from the first ask.
  await bob.join('Grace', '314159');
  await expect(bob.page.getByRole('alert')).toContainText('That PIN didn’t open the room');
  await expect(bob.pinInput).toHaveAttribute('aria-invalid', 'true');
  await expect(bob.joinButton).toHaveText('Join now');

  await bob.join('Grace', '271828');
  await new RoomTab(bob.page).expectMembers(2);
});

test('a full room says so and keeps Join off', async ({ openTab, room }) => {
  const alice = new LobbyTab((await openTab(`/${room}?lobby`)).page);
  await alice.join('Ada');
  await new RoomTab(alice.page).expectMembers(1);
  const bob = new LobbyTab((await openTab(`/${room}?lobby`)).page);
  await bob.join('Grace');
  await new RoomTab(bob.page).expectMembers(2);
  const carol = new LobbyTab((await openTab(`/${room}?lobby`)).page);
  await expect(carol.presence).toContainText('Ada and Grace are here');
  await expect(carol.presence).toContainText('the room is full (2 of 2)');
  await expect(carol.joinButton).toHaveText('Room is full');
  await expect(carol.joinButton).toBeDisabled();
});
