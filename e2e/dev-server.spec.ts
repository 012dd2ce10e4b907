import { utimes } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CallTab } from './call-tab.ts';
import { expect, test, WAIT } from './fixtures.ts';

// Runs only against `npm run dev`, alone (see playwright.config.ts): it restarts Vite.
test('editing server/ restarts Vite, and open tabs reconnect, get their seats and their call back', async ({
  openPair,
  room,
}) => {
  const [alice, bob] = await openPair(`/${room}`);

  const lastConnect = (tab: typeof alice) =>
    tab.log.getByText(/Connected to the signaling server as/).last();
  const before = [await lastConnect(alice).textContent(), await lastConnect(bob).textContent()];

  // What saving the file in an editor does, as far as Vite's watcher can tell.
  const now = new Date();
  await utimes(fileURLToPath(new URL('../server/core/serve.ts', import.meta.url)), now, now);

  // The old server's sockets are gone (Vite's client may also reload the page): each tab
  // is on a new socket of the new server, with its seat back.
  for (const [index, tab] of [alice, bob].entries()) {
    await expect(lastConnect(tab)).not.toHaveText(before[index] ?? '', {
      timeout: WAIT.serverRestart,
    });
    await tab.expectMembers(2);
    await expect(tab.connection).toHaveText('Connected');
  }
  // Rejoining gives `ready` again, and a fresh call comes up over the new server.
  const aliceCall = new CallTab(alice.page);
  const bobCall = new CallTab(bob.page);
  await aliceCall.expectChatOpen();
  await bobCall.expectChatOpen();
  await aliceCall.say('after the restart');
  await expect(bobCall.chat).toContainText('Them:after the restart');
});
