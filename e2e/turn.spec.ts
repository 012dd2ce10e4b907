import { randomBytes } from 'node:crypto';
import { CallTab } from './call-tab.ts';
import { expect, test } from './fixtures.ts';
import { type Started, startCoturn, startProductionServer } from './servers.ts';

/** A real coturn with a shared secret, and the production server handing out its credentials. */
const turnTest = test.extend<{ app: { url: string; secret: string } }>({
  app: async ({}, use) => {
    const secret = randomBytes(16).toString('hex');
    const started: Started[] = [];
    try {
      const turn = await startCoturn(secret);
      started.push(turn);
      const server = await startProductionServer({
        TURN_URLS: `turn:127.0.0.1:${turn.port}?transport=udp`,
        TURN_SECRET: secret,
        TURN_TTL: '600',
      });
      started.push(server);
      await use({ url: `http://127.0.0.1:${server.port}`, secret });
    } finally {
      for (const process of started.reverse()) await process.stop();
    }
  },
});

turnTest(
  'a call forced through TURN (?relay=1) selects a relay candidate pair',
  async ({ app, openTab, room }, testInfo) => {
    const alice = await openTab(`${app.url}/${room}?relay=1`);
    await alice.expectMembers(1);
    const bob = await openTab(`${app.url}/${room}?relay=1`);
    const aliceCall = new CallTab(alice.page);
    const bobCall = new CallTab(bob.page);
    await aliceCall.expectChatOpen();
    await bobCall.expectChatOpen();
    await expect(aliceCall.pairType).toHaveText('relay ↔ relay');
    await expect(bobCall.pairType).toHaveText('relay ↔ relay');
    await expect(alice.log).toContainText('ICE servers from the server: turn:127.0.0.1:');
    await expect(alice.log).not.toContainText(app.secret);
    await aliceCall.say('through the relay');
    await expect(bobCall.chat).toContainText('Them:through the relay');

    const ms = Number.parseInt((await bobCall.joinToOpen.textContent()) ?? '', 10);
    await testInfo.attach('join-to-open (relay)', { body: `${ms} ms`, contentType: 'text/plain' });
    console.log(`[join-to-open] relay ${ms} ms`);
  },
);
