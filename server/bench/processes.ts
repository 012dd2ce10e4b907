/**
 * The processes the bench starts (servers under test, redis-server, load processes), how to
 * hear from them, and how to stop them: a failure anywhere stops them all.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createClient } from '@redis/client';
import type { LoadCommand, LoadReport } from './load.ts';
import { compiled, pin, root, serverNode } from './options.ts';
import type { SampleReply, SampleRequest } from './probe.ts';

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  name: string;
}

let nextSampleId = 0;

// Every process the bench starts, so that a failure anywhere stops them all: a load test must
// end by itself, never leave servers and thousands of sockets behind.
const children = new Set<ChildProcess>();
const stopping = new WeakSet<ChildProcess>();

export function abort(reason: string): never {
  console.error(`[bench] ${reason}; stopping every process the bench started`);
  for (const child of children) child.kill('SIGKILL');
  process.exit(1);
}
process.once('SIGINT', () => abort('interrupted'));

/** Tracks `child`; its exit before the bench stops it ends the run. */
export function track<C extends ChildProcess>(child: C, name: string): C {
  children.add(child);
  child.once('exit', (code, signal) => {
    children.delete(child);
    if (!stopping.has(child)) abort(`${name} exited during the run (${code ?? signal})`);
  });
  return child;
}

/** Resolves as `promise` does, or ends the run if it takes longer than `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(what)), ms);
  });
  return Promise.race([promise, late]).then(
    (value) => {
      clearTimeout(timer);
      return value;
    },
    () => abort(`${what} took longer than ${Math.round(ms / 1000)} s`),
  );
}

/**
 * Starts a server in its own process with the probe preloaded, on the servers' CPUs when
 * pinned (taskset execs node, so every thread of it starts there); resolves once it listens.
 */
export function startServer(
  name: string,
  script: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<ServerProcess> {
  const node = [serverNode, '--expose-gc', '--import', `${compiled}probe.js`, script, ...args];
  const [command = serverNode, ...rest] = pin ? ['taskset', '-c', pin.server, ...node] : node;
  const child = spawn(command, rest, {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout?.on('data', (chunk) => {
      seen += String(chunk);
      const match = seen.match(/(http:\/\/127\.0\.0\.1:\d+)\//);
      if (match?.[1]) resolve({ child, url: match[1], name });
    });
    child.once('exit', (code) => reject(new Error(`[bench] ${name} exited (${code}):\n${seen}`)));
    track(child, name);
  });
}

/**
 * Memory and CPU of a server process, after a full collection when `gc`; `profile` starts or
 * stops (to a file) its CPU profiler; `lag` adds its event loop's delay since the last `lag`.
 */
export function sample(
  server: ServerProcess,
  gc: boolean,
  profile?: string,
  lag?: boolean,
): Promise<SampleReply> {
  const id = nextSampleId++;
  return new Promise((resolve) => {
    const onMessage = (reply: SampleReply) => {
      if (reply.id !== id) return;
      server.child.off('message', onMessage);
      resolve(reply);
    };
    server.child.on('message', onMessage);
    const request: SampleRequest = { id, gc, profile, lag };
    server.child.send(request);
  });
}

export function stop(child: ChildProcess): Promise<void> {
  stopping.add(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** CPU seconds a process has used, from /proc (for redis-server, which has no probe). */
export function procCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export const cpuSeconds = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage) =>
  (b.user - a.user + b.system - a.system) / 1e6;

export interface RedisUnderTest {
  pid: number;
  url: string;
}

export type Report<T extends LoadReport['type']> = Extract<LoadReport, { type: T }>;

/** The load processes of one target, and how to hear from them all. */
export class Loads {
  readonly processes: ChildProcess[];
  readonly #progress = new Map<number, Report<'progress'>>();

  constructor(count: number) {
    this.processes = Array.from({ length: count }, (_, index) => {
      const load = track(
        // Plain node: not the runner's tsx loader, which fork would pass on by default.
        fork(`${compiled}load.js`, [], {
          execArgv: [],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        }),
        `load process ${index}`,
      );
      load.on('message', (message: LoadReport) => {
        if (message.type === 'progress') this.#progress.set(index, message);
      });
      return load;
    });
  }

  /** The sum of one progress figure over every load process. */
  sum(key: 'seated' | 'settled' | 'relays'): number {
    return [...this.#progress.values()].reduce((total, entry) => total + entry[key], 0);
  }

  /** Resolves with every load process's next report of `type`. */
  all<T extends LoadReport['type']>(type: T): Promise<Report<T>[]> {
    return Promise.all(
      this.processes.map(
        (load) =>
          new Promise<Report<T>>((resolve) => {
            const onMessage = (message: LoadReport) => {
              if (message.type !== type) return;
              load.off('message', onMessage);
              resolve(message as Report<T>);
            };
            load.on('message', onMessage);
          }),
      ),
    );
  }

  send(command: LoadCommand | ((index: number) => LoadCommand)): void {
    this.processes.forEach((load, index) =>
      load.send(typeof command === 'function' ? command(index) : command),
    );
  }

  /** Closes every client; each load process exits by itself once its clients are closed. */
  async close(target: string): Promise<void> {
    const closed = this.all('closed');
    for (const load of this.processes) stopping.add(load);
    this.send({ cmd: 'close' });
    await within(closed, 30_000, `${target}: closing the clients`);
    await Promise.all(this.processes.map((load) => stop(load)));
  }
}

/** Bytes Redis uses for data, from INFO (the runner's own connection is in both readings). */
export async function redisMemory(url: string): Promise<number> {
  const client = createClient({ url });
  await client.connect();
  const info = await client.info('memory');
  await client.close();
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}

/** A free loopback port for redis-server, which cannot report one it picked itself. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A redis-server of the bench's own on a free port, stopped with the runner. */
export async function startRedis(): Promise<RedisUnderTest & { child: ChildProcess }> {
  const port = await freePort();
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  track(redis, 'redis-server');
  redis.on('error', () => {
    console.error('[bench] redis-server not found: install it (apt-get install redis-server)');
    process.exit(1);
  });
  await new Promise<void>((resolve) => {
    let seen = '';
    redis.stdout?.on('data', (chunk) => {
      seen += String(chunk);
      if (seen.includes('Ready to accept connections')) resolve();
    });
  });
  return { child: redis, pid: redis.pid ?? 0, url: `redis://127.0.0.1:${port}` };
}
