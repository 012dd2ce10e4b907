import { CallTab } from './call-tab.ts';
import { expect, test } from './fixtures.ts';

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
