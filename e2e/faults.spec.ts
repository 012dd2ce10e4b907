import { type ChildProcess, spawn } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { expect, test } from './fixtures.ts';

test('a network drop of a few seconds keeps the seat: the other tab sees reconnecting, not left', async ({
  openPair,
  room,
}) => {
  const [alice, bob] = await openPair(`/${room}`);
  await bob.page.context().setOffline(true);
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

/** Starts the built production server on `port` and resolves once it answers. */
async function startServer(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['dist/server/cli/main.js'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: 'ignore',
  });
  await expect
    .poll(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.status, {
      timeout: 10_000,
    })
    .toBe(200);
  return child;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

test('tabs go back to their room by themselves when the server is killed and restarted', async ({
  openPair,
  room,
}) => {
  const port = await freePort();
  let server = await startServer(port);
  try {
    const [alice, bob] = await openPair(`http://127.0.0.1:${port}/${room}`);
    server.kill('SIGKILL');
    await expect(alice.connection).toHaveText('Reconnecting…');
    await expect(bob.connection).toHaveText('Reconnecting…');
    server = await startServer(port);
    for (const tab of [alice, bob]) {
      await expect(tab.connection).toHaveText('Connected', { timeout: 20_000 });
      await tab.expectMembers(2);
    }
  } finally {
    server.kill('SIGKILL');
  }
});
