import { randomBytes } from 'node:crypto';
import { CallTab } from './call-tab.ts';
import { expect, type RoomTab, test } from './fixtures.ts';
import { type Started, startCoturn, startProductionServer } from './servers.ts';

/** A coturn started for one test, and the production server handing out its credentials. */
interface TurnApp {
  url: string;
  secret: string;
  /** coturn's log so far (verbose: a line per allocation, with its username). */
  coturnLog(): string;
}

/** A real coturn with a shared secret, and the production server on it with `env`. */
function turnTest(env: Record<string, string>) {
  return test.extend<{ app: TurnApp }>({
    app: async ({}, use) => {
      const secret = randomBytes(16).toString('hex');
      const started: Started[] = [];
      try {
        const turn = await startCoturn(secret);
        started.push(turn);
        const server = await startProductionServer({
          TURN_URLS: `turn:127.0.0.1:${turn.port}?transport=udp`,
          TURN_SECRET: secret,
          ...env,
        });
        started.push(server);
        await use({ url: `http://127.0.0.1:${server.port}`, secret, coturnLog: turn.output });
      } finally {
        for (const process of started.reverse()) await process.stop();
      }
    },
  });
}

/** Two tabs on `url` (a `?relay=1` room), their chat open over a relay pair as Alice sees it. */
async function relayedCall(openTab: (path: string) => Promise<RoomTab>, url: string) {
  const alice = await openTab(url);
  await alice.expectMembers(1);
  const bob = await openTab(url);
  const aliceCall = new CallTab(alice.page);
  const bobCall = new CallTab(bob.page);
  await aliceCall.expectChatOpen();
  await bobCall.expectChatOpen();
  await expect(aliceCall.pairType).toHaveText('relay ↔ relay');
  return { alice, aliceCall, bobCall };
}

turnTest({ TURN_TTL: '600' })(
  'a call forced through TURN (?relay=1) selects a relay candidate pair',
  async ({ app, openTab, room }, testInfo) => {
    const { alice, aliceCall, bobCall } = await relayedCall(openTab, `${app.url}/${room}?relay=1`);
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

/** The TURN usernames coturn allocated a relay for, in its log. */
function allocatedUsernames(log: string): Set<string> {
  const pattern = /user <([^>]+)>: incoming packet ALLOCATE processed, success/g;
  return new Set([...log.matchAll(pattern)].map((match) => match[1] ?? ''));
}

turnTest({ TURN_TTL: '12', RATE_TURN_BURST: '100' })(
  'a relayed call outlives its first TURN credential: renewed before it runs out, a restart relays again with the fresh one',
  async ({ app, openTab, room }, testInfo) => {
    const { alice, aliceCall, bobCall } = await relayedCall(openTab, `${app.url}/${room}?relay=1`);
    const firstPair = (await aliceCall.pairAddresses.textContent()) ?? '';
    const firstCredentials = allocatedUsernames(app.coturnLog());

    // Renewed every 6 s: by the third, the credential of the seat (12 s) has run out.
    await expect(alice.log).toContainText('TURN credential renewed (#3)', { timeout: 40_000 });
    await aliceCall.say('still up on the first relay');
    await expect(bobCall.chat).toContainText('Them:still up on the first relay');

    // A network change restarts ICE: new relays, which only a fresh credential can allocate.
    const restartAt = Date.now();
    await alice.page.evaluate(() => window.dispatchEvent(new Event('online')));
    await expect(alice.log).toContainText('ICE restarted; connected again after', {
      timeout: 30_000,
    });
    await expect(aliceCall.pairType).toHaveText('relay ↔ relay');
    await expect(aliceCall.pairAddresses).not.toHaveText(firstPair);
    await aliceCall.say('on a fresh relay');
    await expect(bobCall.chat).toContainText('Them:on a fresh relay');
    await bobCall.say('heard you');
    await expect(aliceCall.chat).toContainText('Them:heard you');

    const fresh = [...allocatedUsernames(app.coturnLog())].filter(
      (username) => !firstCredentials.has(username),
    );
    expect(fresh.length).toBeGreaterThan(0);
    const restartMs = Date.now() - restartAt;
    await testInfo.attach('restart on a renewed credential', {
      body: `${restartMs} ms to a new relay pair; fresh usernames: ${fresh.join(', ')}`,
      contentType: 'text/plain',
    });
    console.log(`[turn-renewal] restart to a new relay pair in ${restartMs} ms`);
  },
);
