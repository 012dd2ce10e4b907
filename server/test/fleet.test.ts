import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { io as connectClient } from 'socket.io-client';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { healthStatus } from '../fleet/fleet.ts';
import { joinAs, once, type TestClient, waitFor } from './helpers.ts';
import { productionServerEntry } from './process-helpers.ts';

const FLEET = fileURLToPath(new URL('../cli/fleet.ts', import.meta.url));

let entry = '';
beforeAll(async () => {
  entry = productionServerEntry();
}, 120_000);

/** Every process below `pid` (children, grandchildren...), from `ps`. */
function descendants(pid: number): number[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((row) => row.trim().split(/\s+/).map(Number));
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of rows) {
      if (ppid === parent && child !== undefined) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

/** Whether `pid` still runs: a zombie (exited, its parent not told yet) does not. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

const clients: TestClient[] = [];

/**
 * `npm run fleet` with `args` (tsx as a loader, so the fleet is this child itself and its
 * children are the fleet's), in a process group of its own when `detached`.
 */
function spawnFleet(args: string[], detached: boolean) {
  const fleet = spawn(
    process.execPath,
    ['--import', 'tsx', FLEET, '--processes', '2', '--port', '0', '--entry', entry, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], detached },
  );
  let printed = '';
  const collect = (chunk: Buffer) => {
    printed += chunk;
  };
  fleet.stdout.on('data', collect);
  fleet.stderr.on('data', collect);
  const exited = once<[number | null, NodeJS.Signals | null]>(fleet, 'exit');
  return { fleet, output: () => printed, exited };
}

/** The URL the fleet prints once it serves; what it printed, if it never does. */
async function fleetUrl(output: () => string): Promise<string> {
  const pattern = /open (http:\S+)\//;
  await waitFor(() => pattern.test(output()), "the fleet's URL", 60_000).catch((error: Error) => {
    throw new Error(`${error.message}; the fleet printed:\n${output()}`);
  });
  return pattern.exec(output())?.[1] ?? '';
}
afterAll(() => {
  for (const client of clients) client.close();
});

test('npm run fleet starts redis, two processes and nginx, serves through nginx, and Ctrl-C stops them all', async () => {
  // tsx as a loader, so the fleet is this child itself and its children are the fleet's.
  const { fleet, output, exited } = spawnFleet(['--quiet'], false);
  try {
    const url = await fleetUrl(output);
    expect(await healthStatus(url)).toBe(200);

    // As codelab pages connect: default transports, polling first, through nginx.
    const alice: TestClient = connectClient(url, { forceNew: true });
    const bob: TestClient = connectClient(url, { forceNew: true });
    clients.push(alice, bob);
    await joinAs(alice, 'fleet-room');
    await joinAs(bob, 'fleet-room', 'joined');
    const received = once(alice, 'message');
    bob.emit('message', { type: 'candidate', candidate: 'through nginx' });
    expect((await received)[0]).toEqual({ type: 'candidate', candidate: 'through nginx' });

    const children = descendants(fleet.pid ?? 0);
    // redis-server, two node processes, nginx's master and its worker.
    expect(children.length).toBeGreaterThanOrEqual(5);
    fleet.kill('SIGINT');
    const [code] = await exited;
    expect(code).toBe(0);
    // Children a busy machine has not finished stopping yet get a moment; none may stay.
    await waitFor(() => !children.some(alive), 'every child of the fleet to exit', 10_000).catch(
      () => expect(children.filter(alive)).toEqual([]),
    );
  } finally {
    if (fleet.exitCode === null) fleet.kill('SIGKILL');
  }
}, 90_000);

test('Ctrl-C in a terminal (SIGINT to the whole group) stops nginx, then the processes, then Redis, and prints no stack', async () => {
  // A group of its own, as a terminal makes for a foreground command: signalling the group
  // reaches everything in it at once, as Ctrl-C does.
  const { fleet, output, exited } = spawnFleet([], true);
  try {
    const url = await fleetUrl(output);
    // A member seated in Redis, so a process has something to drop from Redis on its way out.
    const alice: TestClient = connectClient(url, { forceNew: true });
    clients.push(alice);
    await joinAs(alice, 'ctrl-c-room');
    const children = descendants(fleet.pid ?? 0);

    process.kill(-(fleet.pid ?? 0), 'SIGINT');
    const [code] = await exited;
    expect(code, output()).toBe(0);
    const order = /\[fleet\] stopped: (.*)/.exec(output())?.[1]?.split(', ');
    expect(order, output()).toEqual([
      'nginx',
      expect.stringMatching(/^p/),
      expect.stringMatching(/^p/),
      'redis',
    ]);
    // Each process drained with Redis still there: seats dropped, no client error.
    expect(output().match(/\[signaling\] drained; bye/g)?.length, output()).toBe(2);
    expect(output(), 'a stack trace in the output()').not.toMatch(
      /^(\[[\w-]+\] )?\s+at .+:\d+:\d+\)?$/m,
    );
    await waitFor(() => !children.some(alive), 'every child of the fleet to exit', 10_000).catch(
      () => expect(children.filter(alive)).toEqual([]),
    );
  } finally {
    if (fleet.exitCode === null) {
      for (const pid of descendants(fleet.pid ?? 0)) process.kill(pid, 'SIGKILL');
      process.kill(-(fleet.pid ?? 0), 'SIGKILL');
    }
  }
}, 90_000);
