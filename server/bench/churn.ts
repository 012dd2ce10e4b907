/**
 * The churn benchmark: what one address churning connections (open a websocket, destroy its TCP
 * socket without a close frame, never more than 15 at once, ~1500 a second) costs an unrelated
 * pair. Runs the production build in its own process on one core, the pair in this process and
 * the churn in a third, both on the other core, all on loopback, for a bounded time. Both loads
 * are light so that, sharing a core, neither starves the other: the pair writes Socket.IO frames
 * on raw websockets, and the churn is a small C client (churn-client.c, built with `cc`; with
 * `--client node`, or without a compiler, a Node one that takes about half that core).
 *
 *   npm run build && npm run bench:churn [-- --rounds 5 --seconds 4 --rate 1500 --entry path/to/main.js]
 *
 * Each round measures phases of `--seconds`: the pair alone (A), the churn alone (B), both (C),
 * and the pair at once after the churn stopped (D, within the recovery window, so whatever the
 * churn left behind is still there). It prints the server's CPU per relay in A; in C gross (all
 * server CPU over the relays, the churn's own handshakes included) and net of the churn's own
 * cost (C minus B's CPU rate, over the relays); and in D; with medians over the rounds and the
 * ratios to A; and the server's busy share in A and C (near 100 %, the relays were limited by
 * the server, not by the load). `--limits off` lifts the handshake limit, to see the session
 * adapter's share alone.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startPair } from './churn-pair.ts';
import { median } from './stats.ts';

/** The production server's entry, as `npm run build` writes it (package.json `start`). */
const SERVER_ENTRY = 'dist/server/cli/main.js';
const root = fileURLToPath(new URL('../../', import.meta.url));
const AT_ONCE = 15;
const CLOCK_TICKS = 100;

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '4' },
    rate: { type: 'string', default: '1500' },
    limits: { type: 'string', default: 'on' },
    entry: { type: 'string', default: SERVER_ENTRY },
    client: { type: 'string', default: 'c' },
  },
});

if (positionals[0] === 'churn-worker') {
  churnWorker(positionals[1] ?? '', Number(args.rate));
} else {
  main().catch((error: unknown) => {
    console.error('[bench] churn benchmark failed:', error);
    process.exit(1);
  });
}

/** Spawns `command` pinned to `core` with taskset when there is one, else unpinned. */
function pinned(core: number, command: string, commandArgs: string[], env?: NodeJS.ProcessEnv) {
  const hasTaskset = existsSync('/usr/bin/taskset');
  return spawn(
    hasTaskset ? '/usr/bin/taskset' : command,
    hasTaskset ? ['-c', String(core), command, ...commandArgs] : commandArgs,
    { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
}

/** Resolves with the first match of `pattern` in `child`'s output; rejects if it exits first. */
function waitForLine(child: ChildProcess, pattern: RegExp, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += String(chunk);
      const match = seen.match(pattern);
      if (match) {
        child.stdout?.off('data', onData);
        resolve(match[1] ?? match[0]);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`[bench] ${what} exited (${code}):\n${seen}`)));
  });
}

/** CPU seconds `pid` has used (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** The production server, pinned to core 0, with limits lifted for the pair's relays only. */
async function startServer(entry: string, limits: boolean) {
  const child = pinned(0, process.execPath, [entry], {
    PORT: '0',
    HOST: '127.0.0.1',
    RATE_MESSAGE_BURST: '1000000000',
    RATE_MESSAGE_PER_SECOND: '1000000000',
    RATE_MESSAGE_BYTES_BURST: '1000000000',
    RATE_MESSAGE_BYTES_PER_SECOND: '1000000000',
    ...(!limits && { RATE_HANDSHAKE_BURST: '1000000000', RATE_HANDSHAKE_PER_SECOND: '1000000000' }),
  });
  const url = await waitForLine(child, /signaling on (http:\/\/[^/]+)\//, 'the server');
  return { child, url };
}

/** How a churn process is started: the C client when a compiler builds it, else the Node one. */
interface ChurnClient {
  name: string;
  command: string;
  args(url: string, rate: number): string[];
}

/**
 * Builds churn-client.c with the system's `cc` into a temporary folder; without a compiler (or
 * with `--client node`), the churn runs in Node ({@link churnWorker}), which takes about half
 * of the core it shares with the pair at 1,500 connections a second and so starves the pair's
 * clients in phase C: the gross figure then measures the load as much as the server.
 */
function churnClient(wanted: string): ChurnClient {
  const node: ChurnClient = {
    name: 'Node (raw TCP sockets)',
    command: process.execPath,
    args: (url, rate) => [
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      'churn-worker',
      url,
      '--rate',
      String(rate),
    ],
  };
  if (wanted === 'node') return node;
  const folder = mkdtempSync(join(tmpdir(), 'churn-'));
  process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
  const binary = join(folder, 'churn-client');
  try {
    execFileSync(
      'cc',
      ['-O2', '-o', binary, fileURLToPath(new URL('churn-client.c', import.meta.url))],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
  } catch (error) {
    console.warn(`[bench] cannot build churn-client.c (${String(error)}); churning from Node`);
    return node;
  }
  return {
    name: 'C (churn-client.c)',
    command: binary,
    args: (url, rate) => {
      const { hostname, port } = new URL(url);
      return [hostname, port, String(rate)];
    },
  };
}

/**
 * Starts a churn process on core 1; resolves once it churns. Its rate beside the pair (phase C)
 * is printed as well as alone (B): the two share that core.
 */
async function startChurn(client: ChurnClient, url: string, rate: number) {
  const child = pinned(1, client.command, client.args(url, rate));
  await waitForLine(child, /churning/, 'the churn');
  return {
    async stop(): Promise<{ opened: number; refused: number }> {
      const counts = waitForLine(child, /(\{.*\})/, 'the churn');
      child.kill('SIGTERM');
      const parsed = JSON.parse(await counts) as { opened: number; refused: number };
      await stop(child);
      return parsed;
    },
  };
}

/**
 * One round: A (the pair alone), B (the churn alone), C (both), D (the pair again at once after
 * the churn stopped, while the recovery window still holds whatever the churn left behind).
 */
async function round(
  server: { child: ChildProcess; url: string },
  client: ChurnClient,
  ms: number,
  rate: number,
) {
  const pid = server.child.pid ?? 0;
  const pair = await startPair(server.url);
  const measure = async (work: () => Promise<number>) => {
    const before = cpuSeconds(pid);
    const started = performance.now();
    const relays = await work();
    return { cpu: cpuSeconds(pid) - before, seconds: (performance.now() - started) / 1000, relays };
  };
  const idle = (): Promise<number> => new Promise((resolve) => setTimeout(() => resolve(0), ms));
  const a = await measure(() => pair.run(ms));
  let churn = await startChurn(client, server.url, rate);
  const b = await measure(idle);
  const churnedB = await churn.stop();
  churn = await startChurn(client, server.url, rate);
  const c = await measure(() => pair.run(ms));
  const churnedC = await churn.stop();
  const d = await measure(() => pair.run(Math.min(ms, 4000)));
  pair.close();
  const net = c.cpu - (b.cpu / b.seconds) * c.seconds;
  return {
    aUs: (a.cpu / a.relays) * 1e6,
    cGrossUs: (c.cpu / c.relays) * 1e6,
    cNetUs: (Math.max(0, net) / c.relays) * 1e6,
    dUs: (d.cpu / d.relays) * 1e6,
    churnPerSecond: (churnedB.opened + churnedB.refused) / b.seconds,
    churnPerSecondC: (churnedC.opened + churnedC.refused) / c.seconds,
    churnCpuUs: (b.cpu / Math.max(1, churnedB.opened + churnedB.refused)) * 1e6,
    churnOpened: churnedB.opened + churnedC.opened,
    churned: churnedB.opened + churnedB.refused + churnedC.opened + churnedC.refused,
    relaysA: a.relays,
    relaysC: c.relays,
    /** The server's share of its core in A and C: near 1, the relays are limited by the server. */
    busyA: a.cpu / a.seconds,
    busyC: c.cpu / c.seconds,
  };
}

function percent(share: number): string {
  return `${Math.round(share * 100)} %`;
}

async function main() {
  const entry = resolve(root, args.entry);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  const rounds = Number(args.rounds);
  const ms = Number(args.seconds) * 1000;
  const rate = Number(args.rate);
  const limits = args.limits !== 'off';
  if (existsSync('/usr/bin/taskset'))
    execFileSync('/usr/bin/taskset', ['-p', '-c', '1', String(process.pid)]);
  const client = churnClient(args.client ?? 'c');
  const server = await startServer(entry, limits);
  console.log(
    `[bench] churn: ${entry}, handshake limit ${limits ? 'on' : 'off'}, ${rounds} rounds of 3 x ${ms / 1000} s, churn target ${rate}/s, at most ${AT_ONCE} at once, churning from ${client.name}`,
  );
  try {
    const results = [];
    for (let index = 0; index < rounds; index++) {
      const result = await round(server, client, ms, rate);
      results.push(result);
      console.log(
        `round ${index + 1}: before ${result.aUs.toFixed(1)} µs/relay (${result.relaysA} relays, server ${percent(result.busyA)} busy); ` +
          `during churn ${result.cGrossUs.toFixed(1)} gross, ${result.cNetUs.toFixed(1)} net (${result.relaysC} relays, ${percent(result.busyC)} busy); ` +
          `just after ${result.dUs.toFixed(1)}; churn ${Math.round(result.churnPerSecond)}/s alone, ` +
          `${Math.round(result.churnPerSecondC)}/s beside the pair ` +
          `(${result.churnCpuUs.toFixed(0)} µs server CPU each), ${result.churnOpened} of ${result.churned} opened`,
      );
    }
    const a = median(results.map((r) => r.aUs));
    const gross = median(results.map((r) => r.cGrossUs));
    const net = median(results.map((r) => r.cNetUs));
    const after = median(results.map((r) => r.dUs));
    const ratio = (value: number) => `${(value / a).toFixed(2)}x`;
    console.log(
      `median server CPU per relay: before ${a.toFixed(1)} µs; during churn ${gross.toFixed(1)} µs gross (${ratio(gross)}), ` +
        `${net.toFixed(1)} µs net of the churn's own cost (${ratio(net)}); just after the churn ${after.toFixed(1)} µs (${ratio(after)})`,
    );
  } finally {
    await stop(server.child);
  }
}

/** The bytes of a websocket client's text frame `40` (Socket.IO's connect), masked with zeros. */
const CONNECT_FRAME = Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0x34, 0x30]);

/**
 * The churning client: paced at `rate` a second, at most {@link AT_ONCE} at once, until SIGTERM.
 * It writes the websocket handshake by hand on a raw TCP socket, as an attacker would (and as
 * the `ws` library would write it, for a fraction of the client's CPU: this process shares its
 * core with the pair's clients). An answered handshake gets Socket.IO's connect; once the
 * server answers that (or refuses the namespace), the socket is destroyed without a close frame.
 */
function churnWorker(url: string, rate: number): void {
  const { hostname, port } = new URL(url);
  const request = Buffer.from(
    `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: ${hostname}:${port}\r\n` +
      'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
  );
  const counts = { opened: 0, refused: 0 };
  let inFlight = 0;
  let started = 0;
  const begin = performance.now();
  const one = () => {
    inFlight++;
    started++;
    const socket = connectTcp(Number(port), hostname, () => socket.write(request));
    let read = '';
    let upgraded = false;
    const finish = (outcome: 'opened' | 'refused') => {
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.destroy();
      counts[outcome]++;
      inFlight--;
    };
    socket.once('error', () => finish('refused'));
    socket.once('close', () => finish('refused'));
    socket.on('data', (chunk: Buffer) => {
      read += chunk.toString('latin1');
      if (!upgraded) {
        if (read.length < 12) return;
        if (!read.startsWith('HTTP/1.1 101')) return finish('refused');
        upgraded = true;
        socket.write(CONNECT_FRAME);
      } else if (read.includes('40{') || read.includes('44{')) {
        finish('opened');
      }
    });
  };
  const tick = setInterval(() => {
    const due = ((performance.now() - begin) / 1000) * rate;
    while (inFlight < AT_ONCE && started < due) one();
  }, 1);
  process.once('SIGTERM', () => {
    clearInterval(tick);
    process.stdout.write(`${JSON.stringify(counts)}\n`, () => process.exit(0));
  });
  console.log('churning');
}
