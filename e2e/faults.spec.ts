import { expect, test, WAIT } from './fixtures.ts';
import { freePort } from './servers.ts';

/**
 * A heartbeat short enough that a silent network is noticed well within the seat hold, on a
 * server of this spec's own: on the shared production server it would also cut off tabs whose
 * busy renderer answers a ping late, and break unrelated specs on a loaded machine.
 */
const SHORT_HEARTBEAT = { PING_INTERVAL_SECONDS: '2', PING_TIMEOUT_SECONDS: '3' };

test('a network drop of a few seconds keeps the seat: the other tab sees reconnecting, not left', async ({
  openPair,
  room,
  startServer,
}) => {
  const server = await startServer(SHORT_HEARTBEAT);
  const [alice, bob] = await openPair(`http://127.0.0.1:${server.port}/${room}`);
  await bob.page.context().setOffline(true);
  // An offline tab's websocket stays open but silent: both sides notice by the heartbeat.
  await expect(bob.connection).toHaveText('Reconnecting…');
  await expect(alice.page.getByText('Their seat is kept while they reconnect')).toBeVisible();
  await bob.page.context().setOffline(false);
  await expect(bob.connection).toHaveText('Connected');
  await expect(bob.log).toContainText('the seat was kept');
  await expect(alice.log).toContainText(`The other member is back in room ${room}`);
  await alice.expectMembers(2);
  await bob.expectMembers(2);
  await expect(alice.log).not.toContainText('left');
});

test('tabs go back to their room by themselves when the server is killed and restarted', async ({
  openPair,
  room,
  startServer,
}) => {
  const port = await freePort();
  const first = await startServer({}, port);
  const [alice, bob] = await openPair(`http://127.0.0.1:${port}/${room}`);
  await first.stop('SIGKILL');
  await expect(alice.connection).toHaveText('Reconnecting…');
  await expect(bob.connection).toHaveText('Reconnecting…');
  await startServer({}, port);
  for (const tab of [alice, bob]) {
    // Socket.IO's reconnection backs off up to 5 s between tries, on top of the start.
    await expect(tab.connection).toHaveText('Connected', { timeout: WAIT.serverRestart });
    await tab.expectMembers(2);
  }
});
