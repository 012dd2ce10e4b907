import type { FleetChild } from '../server/fleet/fleet.ts';
import { CallTab } from './call-tab.ts';
import { expect } from './fixtures.ts';
import { connectionsOn, fleetTest } from './fleet.ts';

// A group call whose room spans two processes on Redis: every offer, answer and candidate
// between the two halves is an addressed `signal` that crosses Redis.

const CAPACITY = 4;

// Rooms of four on this file's fleets; the other fleet specs keep rooms of two.
fleetTest.use({ fleetEnv: { ROOM_CAPACITY: String(CAPACITY) } });

/**
 * Opens four tabs in `room`, alternating between the fleet's two processes (first, second,
 * first, second), and waits for the six links; nginx hashes the client address, so every tab of
 * this machine would land on one process: they go straight to each backend instead.
 */
async function fourAcross(
  backends: readonly FleetChild[],
  open: (path: string) => Promise<{ page: CallTab['page'] }>,
  room: string,
): Promise<[CallTab, CallTab, CallTab, CallTab]> {
  const [first, second] = backends;
  if (!first || !second) throw new Error('[e2e] the fleet has fewer than two processes');
  const members: CallTab[] = [];
  for (const [index, backend] of [first, second, first, second].entries()) {
    const tab = new CallTab((await open(`http://127.0.0.1:${backend.port}/${room}`)).page);
    await tab.expectMembers(index + 1, CAPACITY);
    members.push(tab);
  }
  await expect.poll(() => connectionsOn(first)).toBe(2);
  await expect.poll(() => connectionsOn(second)).toBe(2);
  for (const tab of members) await tab.expectLinks(CAPACITY - 1);
  return members as [CallTab, CallTab, CallTab, CallTab];
}

fleetTest(
  'four tabs on two processes open six links; chat crosses; one leaves and three carry on',
  async ({ fleet, openTab, room }) => {
    fleetTest.setTimeout(300_000);
    const [a1, b1, a2, b2] = await fourAcross(fleet.backends, openTab, room);
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

fleetTest(
  'a process of the group killed and never back: the two survivors close its peers within seconds and keep their call',
  async ({ fleet, openTab, room }, testInfo) => {
    fleetTest.setTimeout(300_000);
    const [a1, , a2] = await fourAcross(fleet.backends, openTab, room);
    const second = fleet.backends[1] as FleetChild;
    // The second process's tabs stay open, their links to a1 and a2 alive: only the server's
    // news of the departures (swept once the dead process's heartbeat key expires) closes them.
    const killed = Date.now();
    second.process.kill('SIGKILL');
    await second.exited;
    for (const tab of [a1, a2]) {
      await expect
        .poll(
          async () => {
            const status = (await tab.status.textContent())?.replace(/\s+/g, ' ').trim();
            return `${await tab.remoteTiles.count()} tiles, ${status}`;
          },
          { timeout: 10_000, intervals: [50] },
        )
        .toMatch(/^1 tiles, Connected with the other member\./);
    }
    const closedMs = Date.now() - killed;
    testInfo.annotations.push({
      type: 'SIGKILL to the lost tiles closed (ms)',
      description: `${closedMs}`,
    });
    console.log(`[e2e] SIGKILL to the survivors' lost tiles closed: ${closedMs} ms`);
    for (const tab of [a1, a2]) await tab.expectMembers(2, CAPACITY);
    await a1.say('two of us');
    await expect(a2.chat).toContainText('two of us');
    await a2.say('still here');
    await expect(a1.chat).toContainText('still here');
  },
);
