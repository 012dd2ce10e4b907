import { CallTab } from './call-tab.ts';
import { expect, test } from './fixtures.ts';

/** The value of one series of the Prometheus text at `app`/metrics, 0 when absent. */
async function series(page: import('@playwright/test').Page, app: string, name: string) {
  const text = await (await page.request.get(`${app}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.slice(name.length + 1));
}

// A server of its own (production build), so its counts are this call's alone. The production
// project only (playwright.config.ts).
test('a call of two, hung up, is one connected outcome in /metrics, over a host pair on loopback', async ({
  startServer,
  openTab,
  room,
}) => {
  test.slow();
  const secret = 'e2e-operator-secret';
  const app = `http://127.0.0.1:${(await startServer({ ADMIN_SECRET: secret })).port}`;
  const alice = await openTab(`${app}/${room}`);
  await alice.expectMembers(1);
  const bob = await openTab(`${app}/${room}`);
  const aliceCall = new CallTab(alice.page);
  const bobCall = new CallTab(bob.page);
  for (const call of [aliceCall, bobCall]) await call.expectChatOpen();
  await aliceCall.hangUpButton.click();
  await expect(bobCall.status).not.toHaveText('Call connected.');
  const read = (name: string) => series(alice.page, app, name);
  // Bob, who joined second, is the polite side: his report is the call's one.
  await expect
    .poll(() => read('signaling_call_outcomes_total{outcome="connected",reason="none"}'))
    .toBe(1);
  expect(await read('signaling_call_endings_total{ended="peer-hung-up"}')).toBe(1);
  expect(await read('signaling_call_setup_seconds_count')).toBe(1);
  const pairs = (await (await alice.page.request.get(`${app}/metrics`)).text())
    .split('\n')
    .filter((line) => line.startsWith('signaling_call_pairs_total{'));
  expect(pairs).toHaveLength(1);
  expect(pairs[0]).toMatch(
    /^signaling_call_pairs_total\{local="host",remote="(host|prflx)",protocol="udp"\} 1$/,
  );
  expect(await read('signaling_call_outcomes_total{outcome="failed",reason="abandoned"}')).toBe(0);

  // The operator's page sums the same.
  const page = alice.page;
  await page.goto(`${app}/_signaling/admin`);
  await page.getByLabel('Admin secret').fill(secret);
  await page.getByRole('button', { name: 'Show figures' }).click();
  const calls = page.getByRole('table', { name: 'calls' });
  const figure = (name: string) =>
    calls.locator('tr', { has: page.getByText(name, { exact: true }) }).locator('td');
  await expect(figure('Reported')).toHaveText('1');
  await expect(figure('Failure share')).toHaveText('0 %');
  await expect(figure('Relayed share')).toHaveText('0 %');
  await expect(figure('Setup p50')).toHaveText(/^\d+\.\d\d s$/);
});

test('a group of three, one member leaving: each of its two links is counted once, connected', async ({
  startServer,
  openTab,
  room,
}) => {
  test.slow();
  const app = `http://127.0.0.1:${(await startServer({ ROOM_CAPACITY: '3' })).port}`;
  const members: CallTab[] = [];
  for (const expected of [1, 2, 3]) {
    const tab = new CallTab((await openTab(`${app}/${room}`)).page);
    members.push(tab);
    await tab.expectMembers(expected, 3);
  }
  for (const member of members) await member.expectLinks(2);
  const [leaver, ...stayers] = members;
  await leaver?.leaveButton.click();
  for (const member of stayers) await member.expectLinks(1);
  // The third link, between the two who stay, is still up: it reports when it ends.
  const page = stayers[0]?.page;
  if (!page) throw new Error('no member stayed');
  const read = (name: string) => series(page, app, name);
  await expect
    .poll(() => read('signaling_call_outcomes_total{outcome="connected",reason="none"}'))
    .toBe(2);
  expect(
    (await read('signaling_call_endings_total{ended="left"}')) +
      (await read('signaling_call_endings_total{ended="peer-left"}')),
  ).toBe(2);
});

test('the reporting side reloading mid-call still reports it, as page-closed', async ({
  startServer,
  openTab,
  room,
}) => {
  test.slow();
  const app = `http://127.0.0.1:${(await startServer()).port}`;
  const alice = await openTab(`${app}/${room}`);
  await alice.expectMembers(1);
  const bob = await openTab(`${app}/${room}`);
  for (const tab of [alice, bob]) await new CallTab(tab.page).expectChatOpen();
  // Bob joined second: his side reports, from the page's beforeunload.
  await bob.page.reload();
  const read = (name: string) => series(alice.page, app, name);
  await expect.poll(() => read('signaling_call_endings_total{ended="page-closed"}')).toBe(1);
  expect(await read('signaling_call_outcomes_total{outcome="connected",reason="none"}')).toBe(1);
});
