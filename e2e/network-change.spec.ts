import { callUp } from './call-up.ts';
import { expect, test } from './fixtures.ts';

test('a call comes back by an ICE restart, without a reload, after a tab was offline', async ({
  openTab,
  room,
}, testInfo) => {
  const { alice, bob, aliceCall, bobCall } = await callUp(openTab, room);
  const code = await aliceCall.shownSafetyCode();
  await expect(bobCall.safetyCode).toHaveText(code);

  // Offline until the server has noticed (its heartbeat is 2 + 2 s in this project) and told
  // Alice that Bob's seat is held: a few seconds, waited for rather than slept.
  await bob.page.context().setOffline(true);
  await expect(bob.connection).toHaveText('Reconnecting…');
  await expect(alice.page.getByText('Their seat is kept while they reconnect')).toBeVisible();
  const backAt = Date.now();
  await bob.page.context().setOffline(false);

  await expect(bobCall.timeline).toContainText('ICE restart: the network came back (online)');
  await expect(bobCall.page.getByLabel('last ICE restart')).toHaveText(
    /^connected again after \d+ ms$/,
    { timeout: 20_000 },
  );
  const recoveredMs = Date.now() - backAt;
  const restartMs = Number.parseInt(
    ((await bobCall.page.getByLabel('last ICE restart').textContent()) ?? '').replace(/\D+/g, ''),
    10,
  );
  console.log(`[ice-restart] back online to restarted ${recoveredMs} ms (restart ${restartMs} ms)`);
  await testInfo.attach('ice-restart', {
    body: `back online to restarted: ${recoveredMs} ms; restart asked to connected: ${restartMs} ms`,
    contentType: 'text/plain',
  });

  for (const call of [aliceCall, bobCall]) {
    await expect(call.page.getByLabel('peer connection state')).toHaveText('connected');
    await expect(call.status).toHaveText('Call connected.');
    // Computed again from the restarted descriptions: the same certificates, the same code.
    await expect(call.safetyCode).toHaveText(code);
  }
  // The same connection, restarted: the timeline was not reset by a new call.
  await expect(bobCall.timeline.getByRole('listitem').first()).toContainText(
    'peer connection created',
  );
  await expect(aliceCall.timeline).toContainText('peer:reconnecting');
  await expect(aliceCall.timeline).toContainText('peer:reconnected');
  await expect(aliceCall.timeline).toContainText('ICE restart');
  await testInfo.attach('timeline of the tab that went offline', {
    body: await bobCall.timeline.innerText(),
    contentType: 'text/plain',
  });
  await bobCall.say('back on the network');
  await expect(aliceCall.chat).toContainText('Them:back on the network');
  await aliceCall.say('welcome back');
  await expect(bobCall.chat).toContainText('Them:welcome back');
});
