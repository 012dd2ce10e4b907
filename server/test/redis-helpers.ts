import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient } from '@redis/client';
import { io as connectClient } from 'socket.io-client';
import { attachSignaling, type SignalingHandle, type SignalingOptions } from '../index.ts';
import {
  type ConnectRedisOptions,
  connectRedis,
  type RedisSignaling,
} from '../stores/redis/index.ts';
import type { RedisRooms } from '../stores/redis/rooms.ts';
import { once, type TestClient, waitFor } from './helpers.ts';

/** The redis-server binary (Debian's, provisioned by `npm run provision`). */
export const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';

/** A free TCP port on loopback, for redis-server (which cannot report one it picked). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** Resolves with the first match of `pattern` in the child's stdout; rejects if it exits first. */
export function waitForLine(
  child: ChildProcess,
  pattern: RegExp,
  name: string,
): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = seen.match(pattern);
      if (match) {
        child.stdout?.off('data', onData);
        resolve(match);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`${name} exited (${code}) before ready:\n${seen}`)),
    );
  });
}

/** Sends `signal` to the child (unless it already ended) and resolves once it has exited. */
export async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

/** A redis-server child on a free loopback port. */
export interface RedisChild {
  child: ChildProcess;
  port: number;
  url: string;
}

/** Starts redis-server on `port` (a free one by default) with `args`; resolves once it accepts. */
export async function startRedis(
  args: string[] = [],
  port?: number,
  cwd?: string,
): Promise<RedisChild> {
  const chosen = port ?? (await freePort());
  const child = spawn(
    REDIS_SERVER,
    ['--port', `${chosen}`, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args],
    { stdio: ['ignore', 'pipe', 'inherit'], cwd },
  );
  const missing = new Promise<never>((_, reject) =>
    child.once('error', (error) =>
      reject(
        new Error(
          `[signaling] cannot start ${REDIS_SERVER} (${error.message}): install it (apt-get install redis-server) or set REDIS_SERVER`,
        ),
      ),
    ),
  );
  await Promise.race([waitForLine(child, /Ready to accept connections/, 'redis-server'), missing]);
  return { child, port: chosen, url: `redis://127.0.0.1:${chosen}` };
}

/** A temporary directory inside node_modules/.cache (the built server resolves packages there). */
export async function tempDir(name: string): Promise<{ path: string; remove(): Promise<void> }> {
  await mkdir(join('node_modules', '.cache'), { recursive: true });
  const path = await mkdtemp(join(process.cwd(), 'node_modules', '.cache', `${name}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** A 3-master Redis Cluster on free ports, each node in its own temp dir. */
export interface RedisClusterChild {
  nodes: RedisChild[];
  /** The seed URLs, comma-separated, as `connectRedis(..., { cluster: true })` takes them. */
  urls: string;
  stop(): Promise<void>;
}

/** Starts three `--cluster-enabled` nodes, joins them with `redis-cli --cluster create`. */
export async function startRedisCluster(): Promise<RedisClusterChild> {
  const dir = await tempDir('signaling-cluster');
  const nodes: RedisChild[] = [];
  for (const index of [0, 1, 2]) {
    const cwd = join(dir.path, `node-${index}`);
    await mkdir(cwd);
    nodes.push(
      await startRedis(
        ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--dir', cwd],
        undefined,
        cwd,
      ),
    );
  }
  const cli = process.env.REDIS_CLI ?? 'redis-cli';
  await promisify(execFile)(cli, [
    '--cluster',
    'create',
    ...nodes.map((node) => `127.0.0.1:${node.port}`),
    '--cluster-replicas',
    '0',
    '--cluster-yes',
  ]);
  for (const node of nodes) {
    const client = createClient({ url: node.url });
    await client.connect();
    await waitFor(
      async () =>
        String(await client.sendCommand(['CLUSTER', 'INFO'])).includes('cluster_state:ok'),
      'the cluster to be ok',
      15_000,
    );
    await client.close();
  }
  return {
    nodes,
    urls: nodes.map((node) => node.url).join(','),
    async stop() {
      await Promise.all(nodes.map((node) => stop(node.child)));
      await dir.remove();
    },
  };
}

/** Builds server/cli/main.ts with Vite's CLI into `outDir` (with an empty client dir beside). */
export async function buildServerInto(outDir: string): Promise<string> {
  await mkdir(join(outDir, 'client'), { recursive: true });
  await promisify(execFile)(
    join('node_modules', '.bin', 'vite'),
    [
      'build',
      '--ssr',
      'server/cli/main.ts',
      '--outDir',
      join(outDir, 'server'),
      '--logLevel',
      'warn',
    ],
    { cwd: process.cwd() },
  );
  return join(outDir, 'server', 'main.js');
}

/** Connects a websocket-only test client to `url`, recorded in `into` for teardown. */
export async function connectTo(
  url: string,
  into: TestClient[],
  auth?: Record<string, unknown>,
): Promise<TestClient> {
  const client: TestClient = connectClient(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    ...(auth && { auth }),
  });
  into.push(client);
  await once(client, 'connect');
  return client;
}

/**
 * Seats `a` then `b` in `room` and waits for both to be ready; throws unless `a` created it and
 * `b` joined it. (No `expect` here: the bench imports this file outside Vitest.)
 */
export async function pair(a: TestClient, b: TestClient, room: string): Promise<void> {
  const created = await ask(a, room);
  const ready = once(a, 'ready');
  const joined = await ask(b, room);
  if (created !== 'created' || joined !== 'joined') {
    throw new Error(`[test] room ${room}: ${created} then ${joined}, not created then joined`);
  }
  await ready;
}

/** Asks for a seat and resolves with the answer's event name (or the refusal's code). */
export function ask(client: TestClient, room: string): Promise<string> {
  return new Promise((resolve) => {
    client.once('created', () => resolve('created'));
    client.once('joined', () => resolve('joined'));
    client.once('full', () => resolve('full'));
    client.once('signaling:error', (error) => resolve(error.code));
    client.emit('create or join', room);
  });
}

/** A signaling server in this process on a Redis of the test's, on a loopback port. */
export interface SignalingNode {
  url: string;
  http: Server;
  handle: SignalingHandle<RedisRooms>;
  redis: RedisSignaling;
}

/** Socket.IO's adapter option, as {@link connectRedis} makes it. */
export type AdapterOption = RedisSignaling['adapter'];

/**
 * Starts a {@link SignalingNode} on Redis at `url`, with `attach` options beside the store's;
 * `adapter` may wrap the store's adapter (a test's fault on the way to Redis).
 */
export async function startSignalingNode(
  url: string,
  redisOptions: ConnectRedisOptions,
  attach: Omit<SignalingOptions<RedisRooms>, 'rooms'> = {},
  adapter: (made: AdapterOption) => AdapterOption = (made) => made,
): Promise<SignalingNode> {
  const redis = await connectRedis(url, redisOptions);
  const http = createHttpServer((request, response) => handle.httpHandler(request, response));
  const handle = attachSignaling(http, {
    ...attach,
    rooms: redis.rooms,
    socketOptions: { ...attach.socketOptions, adapter: adapter(redis.adapter) },
  });
  redis.bind(handle.io);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, http, handle, redis };
}

/** Closes a {@link SignalingNode}: its signaling, its Redis connections, its http server. */
export async function stopSignalingNode(node: SignalingNode | undefined): Promise<void> {
  if (!node) return;
  await node.handle.close(500);
  await node.redis.close();
  node.http.closeAllConnections();
  await new Promise<void>((resolve) => node.http.close(() => resolve()));
}
