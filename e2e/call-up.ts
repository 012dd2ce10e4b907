import { CallTab } from './call-tab.ts';
import { expect, type RoomTab } from './fixtures.ts';

/** How long a call may take to come up: seconds on a two-core machine busy with other suites. */
const SETUP_MS = 30_000;

/**
 * Opens `alice` (who creates `room`) then `bob`, and waits until the call is connected and
 * the chat open in both.
 */
export async function callUp(openTab: (path: string) => Promise<RoomTab>, room: string) {
  const alice = await openTab(`/${room}`);
  await alice.expectMembers(1);
  const bob = await openTab(`/${room}`);
  const aliceCall = new CallTab(alice.page);
  const bobCall = new CallTab(bob.page);
  for (const call of [aliceCall, bobCall]) {
    await expect(call.status).toHaveText('Call connected.', { timeout: SETUP_MS });
    await expect(call.sendButton).toBeEnabled();
  }
  return { alice, bob, aliceCall, bobCall };
}
