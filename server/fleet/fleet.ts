/**
 * The multi-process mode on one machine: a redis-server, N production processes on it and nginx
 * in front with server/fleet/nginx.conf. Used by `npm run fleet` (server/cli/fleet.ts), the
 * fleet tests and the bench, so the configuration they run is the one docs/operations.md#nginx
 * describes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nginx configuration template the fleet runs (docs/operations.md#nginx describes it). */
export const NGINX_TEMPLATE = fileURLToPath(new URL('./nginx.conf', import.meta.url));

/** What to start. */
export interface FleetOptions {
  /** The built production server, e.g. `dist/server/cli/main.js`. */
  entry: string;
  /** How many production processes (2 by default). */
  processes?: number;
  /** nginx's port on 127.0.0.1 (a free one when 0 or unset). */
  port?: number;
  /** Extra environment for every production process (heartbeat, rate limits...). */
  env?: Record<string, string>;
  /** Called with every line a child prints, prefixed with its name (quiet by default). */
  log?: (line: string) => void;
  /** The nginx binary (`NGINX` or `nginx`). */
  nginx?: string;
  /** The redis-server binary (`REDIS_SERVER` or `redis-server`). */
  redisServer?: string;
}

/** A child the fleet started, with its name and everything it printed. */
export interface FleetChild {
  name: string;
  process: ChildProcess;
  /** The port it listens on (127.0.0.1). */
  port: number;
  output(): string;
  /** Resolves once the process has ended. */
  exited: Promise<void>;
}

/** A running fleet. */
export interface Fleet {
  /** nginx's URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  redisUrl: string;
  redis: FleetChild;
  backends: FleetChild[];
  nginx: FleetChild;
  /** Resolves with the child that ended without {@link Fleet.stop} or a restart asking. */
  unexpectedExit: Promise<FleetChild>;
  /** Stops redis-server (SIGKILL: nothing saved) and starts it again on the same port. */
  restartRedis(): Promise<void>;
  /**
   * Stops every child in order (nginx, the processes, Redis; SIGTERM, then SIGKILL after 6 s)
   * and removes the temporary directory.
   */
  stop(): Promise<void>;
  /** The names of the children that have ended, in the order they did. */
  exitOrder: readonly string[];
}

/** A TCP port free on loopback right now, for servers that cannot report the one they got. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('[fleet] no free port');
  return address.port;
}

/**
 * Fills in the template's `{{listen}}` and `{{servers}}`: `backends` are ports on 127.0.0.1 or
 * `host:port` addresses (compose.yaml's server/fleet/nginx.compose.conf names its services).
 */
export function nginxConfig(
  template: string,
  listen: string,
  backends: readonly (number | string)[],
): string {
  const servers = backends
    .map((backend) => {
      const address = typeof backend === 'number' ? `127.0.0.1:${backend}` : backend;
      return `    server ${address} max_fails=1 fail_timeout=2s;`;
    })
    .join('\n');
  return template.replace('{{listen}}', listen).replace('{{servers}}', servers);
}

/**
 * The fleet's children: each tracked as it starts, an exit nobody asked for reported, and all
 * stopped in order (then `dir` removed).
 */
function fleetChildren(dir: string) {
  const children: FleetChild[] = [];
  const exitOrder: string[] = [];
  const expected = new Set<ChildProcess>();
  let reportExit: (child: FleetChild) => void = () => {};
  const unexpectedExit = new Promise<FleetChild>((resolve) => {
    reportExit = resolve;
  });
  // Each child runs in a process group of its own (see spawnChild), so nothing but the fleet
  // stops it: should the fleet's own process end without stop(), its children go with it.
  const killLeftovers = () => {
    for (const child of children) if (running(child)) child.process.kill('SIGKILL');
  };
  process.once('exit', killLeftovers);
  return {
    unexpectedExit,
    exitOrder,
    track(child: FleetChild): FleetChild {
      children.push(child);
      void child.exited.then(() => {
        exitOrder.push(child.name);
        if (!expected.has(child.process)) reportExit(child);
      });
      return child;
    },
    /** Marks `child`'s coming exit as asked for. */
    expect(child: FleetChild): void {
      expected.add(child.process);
    },
    async stopAll(): Promise<void> {
      for (const child of children) expected.add(child.process);
      // nginx first, so no client reaches a process that is going; Redis last, so the processes
      // can drop their seats on the way out.
      const nginx = children.filter((child) => child.name === 'nginx');
      const redis = children.filter((child) => child.name === 'redis');
      const processes = children.filter(
        (child) => !nginx.includes(child) && !redis.includes(child),
      );
      for (const group of [nginx, processes, redis]) {
        await Promise.all(group.map((child) => stopChild(child)));
      }
      process.off('exit', killLeftovers);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Starts redis-server, the processes and nginx; resolves once nginx answers `/healthz`. */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const dir = await mkdtemp(join(tmpdir(), 'signaling-fleet-'));
  const { track, expect, stopAll, unexpectedExit, exitOrder } = fleetChildren(dir);
  try {
    const redisPort = await freePort();
    const redisServer = options.redisServer ?? process.env.REDIS_SERVER ?? 'redis-server';
    const startRedis = () => track(spawnRedis(redisServer, redisPort, options.log));
    let redis = startRedis();
    await waitForLine(redis, /Ready to accept connections/);
    const redisUrl = `redis://127.0.0.1:${redisPort}`;
    const backends = await Promise.all(
      Array.from({ length: options.processes ?? 2 }, (_, index) =>
        startBackend(options, `p${index + 1}`, redisUrl).then(track),
      ),
    );
    const port = options.port || (await freePort());
    const nginx = track(
      await startNginx(
        options,
        dir,
        `127.0.0.1:${port}`,
        backends.map((b) => b.port),
      ),
    );
    const url = `http://127.0.0.1:${port}`;
    await waitForHealth(url, nginx);
    return {
      url,
      redisUrl,
      get redis() {
        return redis;
      },
      backends,
      nginx,
      unexpectedExit,
      async restartRedis() {
        expect(redis);
        await stopChild(redis, 'SIGKILL');
        redis = startRedis();
        await waitForLine(redis, /Ready to accept connections/);
      },
      stop: stopAll,
      exitOrder,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function spawnRedis(binary: string, port: number, log: FleetOptions['log']): FleetChild {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  return spawnChild('redis', binary, args, {}, port, log);
}

async function startBackend(
  options: FleetOptions,
  name: string,
  redisUrl: string,
): Promise<FleetChild> {
  const env = {
    HOST: '127.0.0.1',
    PORT: '0',
    REDIS_URL: redisUrl,
    // Every client arrives from nginx's address: count them by the one nginx forwards.
    TRUST_PROXY: '1',
    ...options.env,
  };
  const child = spawnChild(name, process.execPath, [options.entry], env, 0, options.log);
  const match = await waitForLine(child, /signaling on http:\/\/[^:]+:(\d+)\//);
  child.port = Number(match[1]);
  return child;
}

async function startNginx(
  options: FleetOptions,
  dir: string,
  listen: string,
  backendPorts: number[],
): Promise<FleetChild> {
  await mkdir(join(dir, 'logs'), { recursive: true });
  await mkdir(join(dir, 'tmp'), { recursive: true });
  const conf = join(dir, 'nginx.conf');
  await writeFile(conf, nginxConfig(await readFile(NGINX_TEMPLATE, 'utf8'), listen, backendPorts));
  const binary = options.nginx ?? process.env.NGINX ?? 'nginx';
  const args = ['-p', `${dir}/`, '-c', conf, '-e', 'stderr', '-g', 'daemon off;'];
  const port = Number(listen.split(':').at(-1));
  return spawnChild('nginx', binary, args, {}, port, options.log);
}

function spawnChild(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string>,
  port: number,
  log: FleetOptions['log'],
): FleetChild {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // A process group of its own: a terminal's Ctrl-C signals the whole foreground group at
    // once, and Redis would end while the processes still drain into it. The fleet stops its
    // children itself, in order.
    detached: true,
  });
  let output = '';
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    if (log) for (const line of text.split('\n')) if (line) log(`[${name}] ${line}`);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      output += `cannot start ${command}: ${error.message}\n`;
      resolve();
    });
  });
  return { name, process: child, port, output: () => output, exited };
}

/** Resolves with the first match of `pattern` in what `child` printed; rejects if it ends first. */
function waitForLine(child: FleetChild, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = child.output().match(pattern);
      if (!match) return false;
      child.process.stdout?.off('data', check);
      child.process.stderr?.off('data', check);
      resolve(match);
      return true;
    };
    if (check()) return;
    child.process.stdout?.on('data', check);
    child.process.stderr?.on('data', check);
    void child.exited.then(() =>
      reject(new Error(`[fleet] ${child.name} ended before it was ready:\n${child.output()}`)),
    );
  });
}

/** Polls `url`/healthz until it answers 200; nginx prints nothing once it listens. */
async function waitForHealth(url: string, nginx: FleetChild): Promise<void> {
  let ended = false;
  void nginx.exited.then(() => {
    ended = true;
  });
  const deadline = Date.now() + 20_000;
  while (!ended && Date.now() < deadline) {
    if ((await healthStatus(url)) === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`[fleet] nginx did not answer /healthz at ${url}:\n${nginx.output()}`);
}

/** The status `/healthz` answers at `url`, or 0 when nothing answers. */
export function healthStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(`${url}/healthz`, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', () => resolve(0));
    req.once('timeout', () => req.destroy());
    req.end();
  });
}

function running(child: FleetChild): boolean {
  const { process: proc } = child;
  return proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined;
}

async function stopChild(child: FleetChild, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const { process: proc } = child;
  if (running(child)) {
    proc.kill(signal);
    // A process that ignores SIGTERM (a stalled one) gets SIGKILL: the fleet leaves no orphans.
    const timer = setTimeout(() => proc.kill('SIGKILL'), 6000);
    await child.exited;
    clearTimeout(timer);
  }
}
