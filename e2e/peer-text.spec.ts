import { CallTab } from './call-tab.ts';
import { expect, exposeFilesChannel, test } from './scripted-tab.ts';

// What the other member sends reaches the page as text, never as markup: the chat, and the
// reason a peer gives for cancelling a file. The app's policy would refuse an inline handler
// anyway; these check the rendering itself, so they look for elements, not for script runs.

const MARKUP = '<b id="peer-markup">bold</b><img id="peer-image" src="x">';

test('a chat line with markup shows as the text it is @client-only', async ({
  openTabWith,
  room,
}) => {
  const alice = await openTabWith(`/${room}`, exposeFilesChannel);
  await alice.expectMembers(1);
  const bob = await openTabWith(`/${room}`, () => {});
  const aliceCall = new CallTab(alice.page);
  const bobCall = new CallTab(bob.page);
  await aliceCall.expectChatOpen();
  await bobCall.expectChatOpen();

  await aliceCall.say(MARKUP);
  await expect(bobCall.chat).toContainText(`Them:${MARKUP}`);
  // The reason of a cancel is the peer's own words, shown in the file list.
  await alice.page.evaluate((reason) => {
    const channel = (window as unknown as { filesChannel: RTCDataChannel }).filesChannel;
    channel.send(JSON.stringify({ type: 'file:start', id: 'f-1', name: 'a.txt', size: 4 }));
    channel.send(JSON.stringify({ type: 'file:cancel', id: 'f-1', reason }));
  }, MARKUP);
  const cancelled = bob.page.getByRole('listitem', { name: 'receive a.txt' });
  await expect(cancelled).toContainText(`(${MARKUP})`);
  for (const id of ['peer-markup', 'peer-image']) {
    await expect(bob.page.locator(`#${id}`)).toHaveCount(0);
  }
});
