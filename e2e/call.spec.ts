import { CallTab } from './call-tab.ts';
import { expect, type RoomTab, test, WAIT } from './fixtures.ts';

/** Runs on the production build only: see CLIENT_ONLY in playwright.config.ts. */
const clientOnly = { tag: '@client-only' };

/** Two tabs in `room` with the call up and the chat open on both. */
async function callUp(openTab: (path: string) => Promise<RoomTab>, room: string) {
  const alice = await openTab(`/${room}`);
  await alice.expectMembers(1);
  const bob = await openTab(`/${room}`);
  const aliceCall = new CallTab(alice.page);
  const bobCall = new CallTab(bob.page);
  await aliceCall.expectChatOpen();
  await bobCall.expectChatOpen();
  return { alice, bob, aliceCall, bobCall };
}

/** Checks that a chat line crosses from one tab to the other. */
async function expectChatCrosses(from: CallTab, to: CallTab, text: string) {
  await from.say(text);
  await expect(to.chat).toContainText(`Them:${text}`);
}

/**
 * Tests with cameras on: two tabs encoding and decoding video on starved cores, where a single
 * call into a page took half a minute. They get three times the usual time.
 */
function withCameras() {
  test.slow();
}

/**
 * Checks that video from the other side is decoded and keeps arriving. The first frame waits
 * for the camera, a renegotiation and the codecs: long on a loaded machine. The connection
 * panel samples the byte count once a second.
 */
async function expectRemoteVideo(call: CallTab) {
  const media = { timeout: WAIT.media };
  await expect.poll(() => call.remoteVideoWidth(), media).toBeGreaterThan(0);
  await expect.poll(() => call.videoBytesReceived(), media).toBeGreaterThan(0);
  const before = await call.videoBytesReceived();
  await expect.poll(() => call.videoBytesReceived(), media).toBeGreaterThan(before);
}

test('two tabs open a data channel and chat both ways', async ({ openTab, room }, testInfo) => {
  const alice = await openTab(`/${room}`);
  await alice.expectMembers(1);
  const aliceCall = new CallTab(alice.page);
  await expect(aliceCall.status).toHaveText('Waiting for another member to join the room.');
  await expect(aliceCall.sendButton).toBeDisabled();
  const bob = await openTab(`/${room}`);
  const bobCall = new CallTab(bob.page);
  await aliceCall.expectChatOpen();
  await bobCall.expectChatOpen();

  await aliceCall.say('hello bob');
  await expect(bobCall.chat).toContainText('Them:hello bob');
  await expect(aliceCall.chat).toContainText('Me:hello bob');
  await bobCall.say('hi alice');
  await expect(aliceCall.chat).toContainText('Them:hi alice');

  // The UI measures from the second member's join to the data channel opening.
  await expect(bobCall.joinToOpen).toHaveText(/^\d+ ms$/);
  const ms = Number.parseInt((await bobCall.joinToOpen.textContent()) ?? '', 10);
  await testInfo.attach('join-to-open', { body: `${ms} ms`, contentType: 'text/plain' });
  console.log(`[join-to-open] ${testInfo.project.name} ${ms} ms`);
});

test(
  'the signaling timeline shows the offer, the answer and candidates in order',
  clientOnly,
  async ({ openTab, room }) => {
    const { aliceCall, bobCall } = await callUp(openTab, room);
    // Alice created the room, so she is impolite and offers; Bob answers.
    // Seen, not counted: an ICE restart on a starved machine rightly adds a second offer.
    const line = (text: RegExp) =>
      aliceCall.timeline.getByRole('listitem').filter({ hasText: text }).first();
    await expect(line(/sent\s*offer/)).toBeVisible();
    await expect(line(/received\s*answer/)).toBeVisible();
    await expect(line(/candidate/)).toBeVisible();
    await expect(bobCall.timeline.getByRole('listitem').first()).toContainText('created (polite)');
    const items = await aliceCall.timeline.getByRole('listitem').allTextContents();
    const offerAt = items.findIndex((text) => /sent\s*offer/.test(text));
    const answerAt = items.findIndex((text) => /received\s*answer/.test(text));
    const candidateAt = items.findIndex((text) => /candidate/.test(text));
    expect(offerAt).toBeGreaterThanOrEqual(0);
    expect(answerAt).toBeGreaterThan(offerAt);
    expect(candidateAt).toBeGreaterThan(offerAt);
    await expect(aliceCall.pairType).toContainText('host');
  },
);

test(
  'with cameras on, remote video frames arrive on both sides',
  clientOnly,
  async ({ openTab, room }) => {
    withCameras();
    const { aliceCall, bobCall } = await callUp(openTab, room);
    // Both at once: their renegotiations collide, which Perfect Negotiation resolves.
    await Promise.all([aliceCall.startCameraButton.click(), bobCall.startCameraButton.click()]);
    await expectRemoteVideo(aliceCall);
    await expectRemoteVideo(bobCall);
    await expectChatCrosses(aliceCall, bobCall, 'still here');
  },
);

test(
  'a camera turned off shows as off on both tiles, and back on without dropping the call',
  clientOnly,
  async ({ openTab, room }) => {
    withCameras();
    const { aliceCall, bobCall } = await callUp(openTab, room);
    await aliceCall.startCamera();
    await expectRemoteVideo(bobCall);
    await aliceCall.startCameraButton.click();
    await expect(bobCall.tile('Them')).toContainText('Camera off');
    await expect(bobCall.remoteVideo).toBeHidden();
    await expect(aliceCall.tile('Me')).toContainText('Camera off');
    await expectChatCrosses(bobCall, aliceCall, 'camera is off');
    await aliceCall.startCameraButton.click();
    await expect(bobCall.tile('Them')).not.toContainText('Camera off');
    await expect(bobCall.remoteVideo).toBeVisible();
    await expectRemoteVideo(bobCall);
    await expect(aliceCall.status).toHaveText('Call connected.');
  },
);

test('a reload of either tab brings the call back', clientOnly, async ({ openTab, room }) => {
  const { alice, bob, aliceCall, bobCall } = await callUp(openTab, room);
  await bob.page.reload();
  await bobCall.expectChatOpen();
  await aliceCall.expectChatOpen();
  await expectChatCrosses(bobCall, aliceCall, 'bob is back');
  await alice.page.reload();
  await aliceCall.expectChatOpen();
  await bobCall.expectChatOpen();
  await expectChatCrosses(aliceCall, bobCall, 'alice is back');
  await expectChatCrosses(bobCall, aliceCall, 'welcome back');
});

test(
  'hang up ends the call on both sides, keeps the room, and Start call brings it back',
  clientOnly,
  async ({ openTab, room }) => {
    const { alice, bob, aliceCall, bobCall } = await callUp(openTab, room);
    await bobCall.hangUpButton.click();
    await expect(bobCall.status).toHaveText('Call ended. You hung up; the room stays open.');
    await expect(aliceCall.status).toHaveText(
      'Call ended. The other member hung up; the room stays open.',
    );
    await expect(aliceCall.sendButton).toBeDisabled();
    await expect(bobCall.sendButton).toBeDisabled();
    await alice.expectMembers(2);
    await bob.expectMembers(2);

    await aliceCall.startCallButton.click();
    await aliceCall.expectChatOpen();
    await bobCall.expectChatOpen();
    await expectChatCrosses(bobCall, aliceCall, 'called again');
  },
);

test(
  'a third tab told the room is full does not disturb the call',
  clientOnly,
  async ({ openTab, room }) => {
    const { alice, bob, aliceCall, bobCall } = await callUp(openTab, room);
    const carol = await openTab(`/${room}`);
    await expect(carol.page.getByRole('alert').filter({ hasText: 'is full' })).toBeVisible();
    await expect(new CallTab(carol.page).status).toBeHidden();
    await expectChatCrosses(aliceCall, bobCall, 'carol knocked');
    await expectChatCrosses(bobCall, aliceCall, 'nobody came in');
    await expect(aliceCall.status).toHaveText('Call connected.');
    await alice.expectMembers(2);
    await bob.expectMembers(2);
  },
);

test(
  "a tab in another room never receives this room's offers",
  clientOnly,
  async ({ openTab, room }) => {
    withCameras();
    const other = await openTab(`/${room}-other`);
    await other.expectMembers(1);
    const { aliceCall, bobCall } = await callUp(openTab, room);
    await aliceCall.startCameraButton.click();
    await expectRemoteVideo(bobCall);
    const otherCall = new CallTab(other.page);
    await expect(otherCall.status).toHaveText('Waiting for another member to join the room.');
    await expect(other.page.getByText('No signaling yet.')).toBeVisible();
    await expect(other.log).not.toContainText('Message from the other member');
  },
);

test(
  'the call goes on and says why when camera permission is denied',
  clientOnly,
  async ({ openTab, room }) => {
    const { aliceCall, bobCall } = await callUp(openTab, room);
    await aliceCall.page.evaluate(() => {
      navigator.mediaDevices.getUserMedia = () =>
        Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    });
    await aliceCall.startCameraButton.click();
    await expect(aliceCall.page.getByRole('alert')).toContainText(
      'Permission to use the camera and microphone was denied',
    );
    await expectChatCrosses(aliceCall, bobCall, 'no camera for me');
  },
);

test('a tab without camera or microphone says so', clientOnly, async ({ openTab, room }) => {
  const tab = await openTab(`/${room}`);
  await tab.expectMembers(1);
  await tab.page.evaluate(() => {
    navigator.mediaDevices.getUserMedia = () =>
      Promise.reject(new DOMException('Requested device not found', 'NotFoundError'));
  });
  const call = new CallTab(tab.page);
  await call.startCameraButton.click();
  await expect(tab.page.getByRole('alert')).toContainText('No camera or microphone was found');
  await expect(call.startCameraButton).toBeEnabled();
});

test(
  'the camera and the microphone turn off and on each on its own, and the other side is told',
  clientOnly,
  async ({ openTab, room }) => {
    withCameras();
    const { aliceCall, bobCall } = await callUp(openTab, room);
    const told = bobCall.page.getByLabel('announced media');
    await expect(told).toHaveText('microphone off, camera off');
    await aliceCall.startCamera();
    await expect(told).toHaveText('microphone on, camera on');
    await expectRemoteVideo(bobCall);
    await aliceCall.startCameraButton.click();
    await expect(told).toHaveText('microphone on, camera off');
    await expect(aliceCall.startCameraButton).toHaveAttribute('aria-pressed', 'false');
    await aliceCall.microphoneButton.click();
    await expect(told).toHaveText('microphone off, camera off');
    await expect(aliceCall.microphoneButton).toHaveAttribute('aria-pressed', 'false');
    await aliceCall.startCameraButton.click();
    await expect(told).toHaveText('microphone off, camera on');
    // No renegotiation: frames keep coming on the same track, and the call stays up.
    await expectRemoteVideo(bobCall);
    await expect(bobCall.status).toHaveText('Call connected.');
  },
);
