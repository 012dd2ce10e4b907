/**
 * The image and the compose stack, built and run for real (`npm run test:container`): podman
 * builds the Dockerfile on a stand-in of its official base, docker-compose starts compose.yaml
 * (Redis, two signaling processes, nginx, coturn), and clients check it through nginx, as
 * operators would run it. Without podman it skips and says what to install.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connectClient } from 'socket.io-client';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { freePort, healthStatus } from '../fleet/fleet.ts';
import type { IceServer } from '../protocol/index.ts';
import { joinAs, once, type TestClient, waitFor } from './helpers.ts';
import { INSTALL, missingTools, type Podman, startPodman } from './podman.ts';
import { ensureStandIns } from './stand-ins.ts';
import { turnAllocate } from './turn-allocate.ts';

const missing = missingTools();
if (missing.length > 0) {
  console.warn(`[container] skipped: it needs ${missing.join(', ')}; on Debian: ${INSTALL}`);
}

const PROJECT = 'webrtc-rooms-test';
const clients: TestClient[] = [];
let podman: Podman | undefined;
let dir = '';
let compose: (args: string[], timeoutMs?: number) => Promise<string> = async () => '';
/** What `docker compose up` reads from the shell here: the secret and free ports. */
const env: Record<string, string> = {};

beforeAll(async () => {
  if (missing.length > 0) return;
  podman = await startPodman();
  const started = performance.now();
  const built = await ensureStandIns(podman);
  const standIns = Math.round((performance.now() - started) / 1000);
  console.log(
    `[container] stand-ins: ${built.length ? `built ${built.join(', ')}` : 'cached'} (${standIns} s)`,
  );
  dir = await mkdtemp(join(tmpdir(), 'webrtc-rooms-compose-'));
  // Each signaling process also on a port of its own, so a test can pick its process: behind
  // nginx every client has the proxy's address, and nginx hashes them all to one process.
  const published = join(dir, 'published.yaml');
  await writeFile(
    published,
    'services:\n  signaling-1:\n    ports: ["127.0.0.1::8080"]\n  signaling-2:\n    ports: ["127.0.0.1::8080"]\n',
  );
  const turnPort = await freePort();
  Object.assign(env, {
    TURN_SECRET: randomBytes(24).toString('hex'),
    LISTEN: `127.0.0.1:${await freePort()}`,
    TURN_PORT: String(turnPort),
    TURN_MIN_PORT: String(turnPort + 1),
    TURN_MAX_PORT: String(turnPort + 10),
  });
  const { run } = podman;
  compose = (args, timeoutMs) =>
    run('docker-compose', ['-p', PROJECT, '-f', 'compose.yaml', '-f', published, ...args], {
      timeoutMs,
      env,
    });
  // A stack a failed run left behind goes first.
  await compose(['down', '--remove-orphans', '--timeout', '2'], 120_000).catch(() => '');
  const building = performance.now();
  // Both signaling services run the one image: built once.
  await compose(['build', 'signaling-1'], 900_000);
  const image = await run('podman', ['image', 'inspect', 'webrtc-rooms', '--format', '{{.Size}}']);
  console.log(
    `[container] image built in ${Math.round((performance.now() - building) / 1000)} s: ${(Number(image.trim()) / 1e6).toFixed(0)} MB`,
  );
  await compose(['up', '--detach', '--no-build'], 300_000);
}, 1_800_000);

afterAll(async () => {
  for (const client of clients) client.close();
  if (podman && dir)
    await compose(['down', '--remove-orphans', '--timeout', '2'], 120_000).catch(() => '');
  await podman?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 180_000);

/** The URL of `service`'s own published port. */
async function directUrl(service: string): Promise<string> {
  const address = (await compose(['port', service, '8080'])).trim().split('\n').at(-1) ?? '';
  return `http://${address}`;
}

/** How many Socket.IO connections the process at `url` holds, from its `/healthz`. */
async function connectionsAt(url: string): Promise<number> {
  const body = (await (await fetch(`${url}/healthz`)).json()) as { connections: number };
  return body.connections;
}

function client(url: string): TestClient {
  const socket: TestClient = connectClient(url, { forceNew: true, transports: ['websocket'] });
  clients.push(socket);
  return socket;
}

const it = test.skipIf(missing.length > 0);
const url = () => `http://${env.LISTEN}`;

// One stack for the file: the tests run in order, and the last one stops it.
it('answers /healthz through nginx, and both signaling containers pass their health check', async () => {
  await waitFor(async () => (await healthStatus(url())) === 200, 'nginx /healthz', 60_000);
  for (const service of ['signaling-1', 'signaling-2']) {
    // Podman runs no HEALTHCHECK by itself without systemd: the test runs it.
    await podman?.run('podman', ['healthcheck', 'run', `${PROJECT}_${service}_1`]);
  }
});

it('seats two clients through nginx in one room and relays between them', async () => {
  const alice = client(url());
  await joinAs(alice, 'compose-room');
  const bob = client(url());
  await joinAs(bob, 'compose-room', 'joined');
  const relayed = once(alice, 'message');
  bob.emit('message', { type: 'offer', sdp: 'through nginx' });
  expect((await relayed)[0]).toEqual({ type: 'offer', sdp: 'through nginx' });
});

it('relays between clients on the two processes, both ways', async () => {
  // nginx hashed the clients so far to one process; one more goes to the other on purpose.
  const direct = await Promise.all(['signaling-1', 'signaling-2'].map(directUrl));
  const counts = await Promise.all(direct.map(connectionsAt));
  expect([...counts].sort(), `connections per process: ${counts}`).toEqual([0, 2]);
  const carol = client(direct[counts.indexOf(0)] ?? '');
  await joinAs(carol, 'compose-across');
  const dave = client(url());
  await joinAs(dave, 'compose-across', 'joined');
  const toCarol = once(carol, 'message');
  dave.emit('message', { type: 'answer', sdp: 'across processes' });
  expect((await toCarol)[0]).toEqual({ type: 'answer', sdp: 'across processes' });
  const toDave = once(dave, 'message');
  carol.emit('message', { type: 'candidate', candidate: 'back again' });
  expect((await toDave)[0]).toEqual({ type: 'candidate', candidate: 'back again' });
});

it('hands out TURN credentials that coturn grants a relay with, and coturn refuses others', async () => {
  const erin = client(url());
  const ice = once<[IceServer[]]>(erin, 'ice:servers');
  await joinAs(erin, 'compose-turn');
  const [servers] = await ice;
  const turn = servers.find((server) => server.urls.some((u) => u.startsWith('turn:')));
  expect(turn?.urls).toEqual([`turn:127.0.0.1:${env.TURN_PORT}?transport=udp`]);
  const port = Number(env.TURN_PORT);
  const username = turn?.username ?? '';
  expect(await turnAllocate(port, username, turn?.credential ?? '')).toBe('allocated');
  expect(await turnAllocate(port, username, 'not-the-credential')).toBe('refused');
});

it('stops with both processes drained, no stack in any log, and down leaves nothing running', async () => {
  for (const socket of clients) socket.close();
  const stopping = performance.now();
  await compose(['stop'], 120_000);
  const stopSeconds = (performance.now() - stopping) / 1000;
  const logs = await compose(['logs', '--no-color']);
  expect(logs.match(/\[signaling\] drained; bye/g)?.length, logs).toBe(2);
  expect(logs, 'a stack trace in the logs').not.toMatch(/^\S+\s+\|\s+at \S.*:\d+:\d+/m);
  expect(stopSeconds, 'seconds to stop (10 is a stop signal ignored)').toBeLessThan(10);
  await compose(['down', '--remove-orphans']);
  const project = `label=com.docker.compose.project=${PROJECT}`;
  const left = await podman?.run('podman', ['ps', '--all', '--quiet', '--filter', project]);
  expect(left?.trim()).toBe('');
  const networks = await podman?.run('podman', [
    'network',
    'ls',
    '-q',
    '--filter',
    `name=${PROJECT}`,
  ]);
  expect(networks?.trim()).toBe('');
});
