import { io } from 'socket.io-client';
import { healthStatus } from '../server/fleet/fleet.ts';
import { CallTab } from './call-tab.ts';
import { expect, type RoomTab } from './fixtures.ts';
import { connectionsOn, killBusiest, fleetTest as test } from './fleet.ts';

// Each test starts its own redis-server, two processes and nginx; a loaded machine is slow.
test.describe.configure({ timeout: 120_000 });

test('polling-first clients, as codelab pages connect, meet and relay through nginx', async ({
  fleet,
  room,
}) => {
  // socket.io-client's defaults: long-polling first, then the upgrade to a WebSocket.
  const alice = io(fleet.url, { forceNew: true });
  const bob = io(fleet.url, { forceNew: true });
  try {
    // The engine's first transport, once its handshake is done.
    const opened = new Promise((resolve) =>
      alice.io.once('open', () => resolve(alice.io.engine.transport.name)),
    );
    await expect(opened).resolves.toBe('polling');
    const created = new Promise((resolve) => alice.once('created', resolve));
    alice.emit('create or join', room);
    await created;
    const joined = new Promise((resolve) => bob.once('joined', resolve));
    bob.emit('create or join', room);
    await joined;
    const message = new Promise((resolve) => alice.once('message', resolve));
    bob.emit('message', { type: 'offer', sdp: 'v=0' }, room);
    await expect(message).resolves.toEqual({ type: 'offer', sdp: 'v=0' });
    // Both sessions went through the polling handshake and upgraded behind nginx.
    await expect.poll(() => alice.io.engine.transport.name).toBe('websocket');
    await expect.poll(() => bob.io.engine.transport.name).toBe('websocket');
  } finally {
    alice.close();
    bob.close();
  }
});

/** Two tabs of `url`/`room` with the call up and a chat line across. */
async function callUp(openTab: (path: string) => Promise<RoomTab>, url: string, room: string) {
  const alice = await openTab(`${url}/${room}`);
  await alice.expectMembers(1);
  const bob = await openTab(`${url}/${room}`);
  const aliceCall = new CallTab(alice.page);
  const bobCall = new CallTab(bob.page);
  await aliceCall.expectChatOpen();
  await bobCall.expectChatOpen();
  await aliceCall.say('before');
  await expect(bobCall.chat).toContainText('Them:before');
  return { alice, bob, aliceCall, bobCall };
}

test('two tabs call through nginx, and keep their room and call while Redis restarts', async ({
  fleet,
  openTab,
  room,
}) => {
  const { alice, bob, aliceCall, bobCall } = await callUp(openTab, fleet.url, room);
  // Redis goes away (nothing saved) and comes back on the same port.
  await fleet.restartRedis();
  await expect.poll(() => healthStatus(fleet.url), { timeout: 30_000 }).toBe(200);
  await alice.expectMembers(2);
  await bob.expectMembers(2);
  await bobCall.say('after redis');
  await expect(aliceCall.chat).toContainText('Them:after redis');
  await aliceCall.say('still here');
  await expect(bobCall.chat).toContainText('Them:still here');
});

// A process killed outright keeps nothing at disconnect: the tabs recover from the sessions
// kept in Redis when they took their seats, and their seats move to the survivor.
test('a process killed under two tabs: both come back through nginx on the other, seats and call kept', async ({
  fleet,
  openTab,
  room,
}) => {
  const { alice, bob, aliceCall, bobCall } = await callUp(openTab, fleet.url, room);
  // nginx hashes the client address: both tabs sit on one process. Kill it, no drain.
  const killed = await killBusiest(fleet, 2);
  const survivor = fleet.backends.find((backend) => backend !== killed);
  if (!survivor) throw new Error('no other process');
  await expect.poll(() => connectionsOn(survivor), { timeout: 30_000 }).toBe(2);
  await alice.expectMembers(2);
  await bob.expectMembers(2);
  await aliceCall.expectChatOpen();
  await bobCall.expectChatOpen();
  await aliceCall.say('after the kill');
  await expect(bobCall.chat).toContainText('Them:after the kill', { timeout: 30_000 });
  await bobCall.say('back');
  await expect(aliceCall.chat).toContainText('Them:back');
});
