import type { Page } from '@playwright/test';
import { CallTab } from './call-tab.ts';
import { callUp } from './call-up.ts';
import { expect, test } from './fixtures.ts';

/**
 * The remote video's aspect ratio, rounded: Chromium's fake camera is 4:3 and its fake screen
 * (picked without a prompt under --use-fake-ui-for-media-stream) 16:9. The ratio survives the
 * sender scaling its resolution to the bitrate, where the width would not.
 */
// Two calls with renegotiations each, on a two-core machine shared with other suites.
test.describe.configure({ timeout: 60_000 });

const remoteAspect = (page: Page) =>
  new CallTab(page).remoteVideo.evaluate((element) => {
    const video = element as HTMLVideoElement;
    return video.videoHeight > 0 ? Math.round((video.videoWidth / video.videoHeight) * 100) : 0;
  });

test('sharing a screen replaces the camera on the other side, and stopping goes back to it', async ({
  openTab,
  room,
}) => {
  const { alice, bob, aliceCall, bobCall } = await callUp(openTab, room);

  await aliceCall.startCameraButton.click();
  // The first frames after a renegotiation take a while on a loaded machine.
  await expect.poll(() => remoteAspect(bob.page), { timeout: 20_000 }).toBe(133);
  await alice.page.getByRole('button', { name: 'Share screen' }).click();
  await expect(alice.page.getByText('My screen')).toBeVisible();
  await expect.poll(() => remoteAspect(bob.page), { timeout: 20_000 }).toBe(178);
  const bytes = await bobCall.videoBytesReceived();
  await expect.poll(() => bobCall.videoBytesReceived()).toBeGreaterThan(bytes);

  await alice.page.getByRole('button', { name: 'Share screen' }).click();
  await expect(alice.page.getByText('My screen')).toHaveCount(0);
  await expect.poll(() => remoteAspect(bob.page), { timeout: 20_000 }).toBe(133);
  await expect(alice.page.getByRole('button', { name: 'Share screen' })).toHaveAttribute(
    'aria-pressed',
    'false',
  );
  await bobCall.say('saw your screen');
  await expect(aliceCall.chat).toContainText('Them:saw your screen');
});

test('a screen shared with the camera off is added to the call and removed when it stops', async ({
  openTab,
  room,
}) => {
  const { alice, bob } = await callUp(openTab, room);

  await alice.page.getByRole('button', { name: 'Share screen' }).click();
  await expect.poll(() => remoteAspect(bob.page), { timeout: 20_000 }).toBe(178);
  await expect(new CallTab(bob.page).remoteVideo).toBeVisible();
  await alice.page.getByRole('button', { name: 'Share screen' }).click();
  await expect(new CallTab(bob.page).remoteVideo).toBeHidden();
  await expect(new CallTab(alice.page).status).toHaveText('Call connected.');
});
