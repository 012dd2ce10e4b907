import { safetyCode } from '../src/safety-code.ts';
import { CallTab } from './call-tab.ts';
import { callUp } from './call-up.ts';
import { expect, test } from './fixtures.ts';
import { openMiddle } from './middle-page.ts';

// The server only relays here: these run once, on the production build (CLIENT_ONLY in
// playwright.config.ts). The group call's codes are in mesh.spec.ts, Firefox's in
// firefox.spec.ts, across an ICE restart in network-change.spec.ts.
const clientOnly = { tag: '@client-only' };

test(
  'both sides of a direct call show the same safety code, and a new call a new one',
  clientOnly,
  async ({ openTab, room }) => {
    const { aliceCall, bobCall } = await callUp(openTab, room);
    const first = await aliceCall.shownSafetyCode();
    await expect(bobCall.safetyCode).toHaveText(first);

    // A new call is a new pair of peer connections, each with a certificate of its own.
    await bobCall.hangUpButton.click();
    await expect(aliceCall.status).toContainText('The other member hung up');
    await expect(aliceCall.safetyCode).toBeHidden();
    await aliceCall.startCallButton.click();
    await expect(aliceCall.status).toHaveText('Call connected.');
    await expect(aliceCall.safetyCode).not.toHaveText(first);
    const second = await aliceCall.shownSafetyCode();
    await expect(bobCall.safetyCode).toHaveText(second);
  },
);

test(
  'a man in the middle who answers each side with its own SDP: the chat crosses, the two safety codes differ',
  clientOnly,
  async ({ openTab, browser, room }) => {
    // A and B each wait in a room of their own; the middle takes the second seat of both, as a
    // lying server would answer each with SDP of its own.
    const rooms = { left: `${room}-a`, right: `${room}-b` };
    const alice = await openTab(`/${rooms.left}`);
    const bob = await openTab(`/${rooms.right}`);
    await alice.expectMembers(1);
    await bob.expectMembers(1);
    const middle = await openMiddle(browser, rooms);
    try {
      const aliceCall = new CallTab(alice.page);
      const bobCall = new CallTab(bob.page);
      await aliceCall.expectChatOpen();
      await bobCall.expectChatOpen();
      // To Alice and Bob this is a call like any other.
      await aliceCall.say('is this really you?');
      await expect(bobCall.chat).toContainText('Them:is this really you?');
      await bobCall.say('yes, it is me');
      await expect(aliceCall.chat).toContainText('Them:yes, it is me');

      const aliceSees = await aliceCall.shownSafetyCode();
      const bobSees = await bobCall.shownSafetyCode();
      expect(bobSees).not.toBe(aliceSees);
      // Each code is the one of that side's connection with the middle, whose end carries the
      // nonce of the far side that the middle passed on.
      const { left, right } = await middle.descriptions();
      const code = (near: typeof left, far: typeof left) =>
        safetyCode({ sdp: near.remote, nonce: near.nonce }, { sdp: near.local, nonce: far.nonce });
      expect(await code(left, right)).toBe(aliceSees);
      expect(await code(right, left)).toBe(bobSees);
    } finally {
      await middle.close();
    }
  },
);
