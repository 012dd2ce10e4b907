import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A process a test started, and how to stop it. */
export interface Started {
  port: number;
  /** Stops the process (SIGTERM unless told otherwise) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** A TCP port free on loopback right now (the kernel picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The flags that keep a coturn's relays out of the operator's own networks (the README's
 * coturn line has them all): no peers on private, shared, link-local (cloud metadata) or
 * loopback ranges, nor multicast. coturn 4.6 refuses loopback peers unless
 * `--allow-loopback-peers` is given (it knows no `--no-loopback-peers`); the range says so
 * for older ones too.
 */
export const COTURN_HARDENING = [
  '--no-multicast-peers',
  '--denied-peer-ip=0.0.0.0-0.255.255.255',
  '--denied-peer-ip=10.0.0.0-10.255.255.255',
  '--denied-peer-ip=100.64.0.0-100.127.255.255',
  '--denied-peer-ip=127.0.0.0-127.255.255.255',
  '--denied-peer-ip=169.254.0.0-169.254.255.255',
  '--denied-peer-ip=172.16.0.0-172.31.255.255',
  '--denied-peer-ip=192.0.0.0-192.0.0.255',
  '--denied-peer-ip=192.168.0.0-192.168.255.255',
  '--denied-peer-ip=198.18.0.0-198.19.255.255',
  '--denied-peer-ip=::1',
  '--denied-peer-ip=fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
  '--denied-peer-ip=fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
] as const;

/**
 * Starts coturn on loopback with a TURN REST shared secret (`use-auth-secret`), its database
 * and pid file in a temporary directory, and resolves once it serves. The browsers of the
 * tests relay to each other on loopback, so it allows loopback peers, unless `hardened`: then
 * it runs with {@link COTURN_HARDENING} as a production coturn should.
 */
export async function startCoturn(
  secret: string,
  { hardened = false }: { hardened?: boolean } = {},
): Promise<Started & { output(): string }> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'coturn-'));
  const child = spawn(
    'turnserver',
    [
      '-n',
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${port}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=test',
      ...(hardened ? COTURN_HARDENING : ['--allow-loopback-peers']),
      '--no-cli',
      '--no-tls',
      '--no-dtls',
      '--log-file=stdout',
      '--simple-log',
      // Session lines (new, refreshed, closed, with each username) are logged only when verbose.
      '--verbose',
      `--pidfile=${join(dir, 'turnserver.pid')}`,
      `--db=${join(dir, 'turndb')}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await waitForOutput(child, /Total General servers/, 'coturn (turnserver)');
  return {
    port,
    output: () => output,
    async stop(signal) {
      await stop(child, signal);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts the production build (`node dist/server/cli/main.js`) with `env` on `port` (a free one by
 * default); resolves once it serves, however long a loaded machine takes to get there.
 */
export async function startProductionServer(
  env: Record<string, string>,
  port?: number,
): Promise<Started> {
  const main = fileURLToPath(new URL('../dist/server/cli/main.js', import.meta.url));
  if (!existsSync(main)) {
    throw new Error(`[e2e] ${main} is missing: run \`npm run build\` first`);
  }
  const listenOn = port ?? (await freePort());
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, ...env, PORT: String(listenOn), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await waitForOutput(child, /serving .* on http/, 'the production server');
  return { port: listenOn, stop: (signal) => stop(child, signal) };
}

/** Resolves when `child` prints a line matching `ready`; rejects if it exits first. */
export function waitForOutput(child: ChildProcess, ready: RegExp, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (error) =>
      reject(new Error(`[e2e] cannot start ${name}: ${error.message}`)),
    );
    child.once('exit', (code) =>
      reject(new Error(`[e2e] ${name} exited (${code}) before it was ready:\n${output}`)),
    );
  });
}

/** Stops `child` with `signal` and waits until it has exited. */
export async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}
