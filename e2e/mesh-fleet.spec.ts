import { expect } from './fixtures.ts';
import { connectionsOn, fleetTest } from './fleet.ts';
import { MeshTab } from './mesh-tab.ts';

// A group call whose room spans two processes on Redis: every offer, answer and candidate
// between the two halves is an addressed `signal` that crosses Redis.

const CAPACITY = 4;

// Rooms of four on this file's fleets; the other fleet specs keep rooms of two.
fleetTest.use({ fleetEnv: { ROOM_CAPACITY: String(CAPACITY) } });

fleetTest(
  'four tabs on two processes open six links; chat crosses; one leaves and three carry on',
  async ({ fleet, openTab, room }) => {
    fleetTest.setTimeout(300_000);
    // nginx hashes the client address, so every tab of this machine would land on one
    // process: two tabs go straight to each backend instead.
    const [first, second] = fleet.backends;
    if (!first || !second) throw new Error('[e2e] the fleet has fewer than two processes');
    const members: MeshTab[] = [];
    for (const [index, backend] of [first, second, first, second].entries()) {
      const tab = new MeshTab((await openTab(`http://127.0.0.1:${backend.port}/${room}`)).page);
      await tab.expectMembers(index + 1, CAPACITY);
      members.push(tab);
    }
    await expect.poll(() => connectionsOn(first)).toBe(2);
    await expect.poll(() => connectionsOn(second)).toBe(2);
    for (const tab of members) await tab.expectLinks(CAPACITY - 1);

    const [a1, b1, a2, b2] = members as [MeshTab, MeshTab, MeshTab, MeshTab];
    await a1.say('across two processes');
    for (const tab of [b1, a2, b2]) await expect(tab.chat).toContainText('across two processes');

    await b1.leaveButton.click();
    for (const tab of [a1, a2, b2]) {
      await tab.expectMembers(CAPACITY - 1, CAPACITY);
      await tab.expectLinks(CAPACITY - 2);
    }
    await b2.say('three of us');
    for (const tab of [a1, a2]) await expect(tab.chat).toContainText('three of us');
  },
);
