/**
 * The bench runner's options (see run.ts for each flag), checked once; and what must hold before
 * any process starts: the runner pinned off the servers' CPUs, the production build current and
 * the bench's child processes compiled.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import ts from 'typescript';

export const root = fileURLToPath(new URL('../../', import.meta.url));
const here = fileURLToPath(new URL('./', import.meta.url));
/** The production server under test, as `npm run build` makes it and `npm start` runs it. */
export const PRODUCTION_ENTRY = `${root}dist/server/cli/main.js`;
/** Where the bench's own child processes are compiled to. */
export const compiled = `${root}dist/bench/`;

export const { values } = parseArgs({
  options: {
    clients: { type: 'string' },
    'codelab-clients': { type: 'string', default: '96,400' },
    workers: { type: 'string' },
    'join-rate': { type: 'string' },
    'relay-seconds': { type: 'string', default: '8' },
    redis: { type: 'boolean', default: false },
    processes: { type: 'string', default: '0' },
    only: { type: 'string' },
    repeat: { type: 'string', default: '1' },
    pin: { type: 'string', default: 'auto' },
    profile: { type: 'boolean', default: false },
    build: { type: 'boolean', default: false },
    node: { type: 'string' },
    before: { type: 'string' },
    scale: { type: 'boolean', default: false },
    'idle-seconds': { type: 'string', default: '30' },
  },
});

function whole(raw: string | undefined, name: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(`[bench] --${name} must be a whole number from ${min} to ${max}, got ${raw}`);
    process.exit(2);
  }
  return value;
}

/** The Node the servers under test run on, and its version (the runner may run on another). */
export const serverNode = values.node ?? process.execPath;
export const serverNodeVersion = (() => {
  try {
    return execFileSync(serverNode, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    console.error(`[bench] --node ${serverNode} is not a Node binary that runs here`);
    process.exit(2);
  }
})();
console.log(`[bench] servers on Node ${serverNodeVersion} (${serverNode})`);
/** `--scale`: one fleet holding --clients (100,000) in --clients/2 rooms; see scale.ts. */
export const scale = values.scale ?? false;
export const clients = whole(
  values.clients ?? (scale ? '100000' : '4000'),
  'clients',
  2,
  scale ? 300_000 : 36_000,
);
/** Clients a scale run gives one server process and one load process, under the file limit. */
export const SCALE_PER_SERVER = 15_000;
export const SCALE_PER_LOAD = 12_500;
export const workers = whole(
  values.workers ?? (scale ? String(Math.min(16, Math.ceil(clients / SCALE_PER_LOAD))) : '4'),
  'workers',
  1,
  16,
);
// A scale run's joins all go through Redis into processes sharing one core: half the rate.
export const joinRate = whole(
  values['join-rate'] ?? (scale ? '500' : '1000'),
  'join-rate',
  1,
  100_000,
);
export const relaySeconds = whole(values['relay-seconds'], 'relay-seconds', 1, 600);
export const idleSeconds = whole(values['idle-seconds'], 'idle-seconds', 1, 600);
export const repeat = whole(values.repeat, 'repeat', 1, 20);
export const processes = whole(
  values.processes === '0' && scale
    ? String(Math.max(2, Math.ceil(clients / SCALE_PER_SERVER)))
    : values.processes,
  'processes',
  0,
  32,
);
if (processes === 1) {
  console.error('[bench] --processes must be 0 (no fleet) or at least 2');
  process.exit(2);
}
export const codelabClients = (values['codelab-clients'] ?? '')
  .split(',')
  .filter(Boolean)
  .map((raw) => whole(raw, 'codelab-clients', 2, 2000));
export const only = new Set(
  (
    values.only ??
    `ours,socket.io,ws,codelab${values.redis ? ',redis' : ''}${processes ? ',fleet' : ''}`
  )
    .split(',')
    .filter(Boolean),
);
if (!scale && clients % (2 * workers) !== 0) {
  console.error(`[bench] --clients must be a multiple of 2 x --workers (${2 * workers})`);
  process.exit(2);
}
// Each server process holds one descriptor per client, and the machine caps them at 20,000.
if (!scale && clients > 19_000 && !only.has('redis')) {
  console.warn('[bench] more than 19,000 clients on one process will hit the open-file limit');
}

// The production defaults, but for the limits that exist to refuse exactly this: thousands of
// connections from a few addresses, and each socket relaying as fast as it can.
export const benchLimits = {
  MAX_CONNECTIONS_PER_ADDRESS: '100000',
  RATE_HANDSHAKE_BURST: '100000',
  RATE_HANDSHAKE_PER_SECOND: '100000',
  RATE_JOIN_BURST: '1000',
  RATE_JOIN_PER_SECOND: '1000',
  RATE_MESSAGE_BURST: '100000',
  RATE_MESSAGE_PER_SECOND: '100000',
  RATE_MESSAGE_BYTES_BURST: '1000000000',
  RATE_MESSAGE_BYTES_PER_SECOND: '1000000000',
};

/**
 * The CPUs the servers and the load run on, as taskset lists, or undefined for no pinning.
 * Apart, the server's CPU time is its own and the load cannot steal its core.
 */
function pinning(raw: string): { server: string; load: string } | undefined {
  if (raw === 'off') return undefined;
  if (raw === 'auto') {
    const cpus = availableParallelism();
    const taskset = process.platform === 'linux' && existsSync('/usr/bin/taskset');
    return taskset && cpus >= 2 ? { server: '0', load: `1-${cpus - 1}` } : undefined;
  }
  const [server, load] = raw.split('/');
  if (!server || !load || !/^[\d,-]+$/.test(server + load)) {
    console.error(`[bench] --pin must be auto, off or SERVER/LOAD CPU lists (0/1), got ${raw}`);
    process.exit(2);
  }
  return { server, load };
}
export const pin = pinning(values.pin ?? 'auto');
// The runner and the load processes it forks (which inherit it) keep off the servers' CPUs.
if (pin) execFileSync('taskset', ['-a', '-p', '-c', pin.load, String(process.pid)]);

/** Whether a server source is newer than the build, so the figures would not be of this code. */
function stale(): boolean {
  if (!existsSync(PRODUCTION_ENTRY)) return true;
  const built = statSync(PRODUCTION_ENTRY).mtimeMs;
  return readdirSync(`${root}server`, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !/^(test|bench)\//.test(name))
    .some((name) => statSync(`${root}server/${name}`).mtimeMs > built);
}

if (values.build || stale()) {
  console.log('[bench] building the production server (npm run build)');
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
}

/** Compiles the bench's child processes to plain JavaScript (type stripping, no bundling). */
function compileChildren(): void {
  mkdirSync(compiled, { recursive: true });
  for (const name of ['load', 'probe', 'servers', 'stats']) {
    const { outputText } = ts.transpileModule(readFileSync(`${here}${name}.ts`, 'utf8'), {
      fileName: `${name}.ts`,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
        rewriteRelativeImportExtensions: true,
      },
    });
    writeFileSync(`${compiled}${name}.js`, outputText);
  }
}
compileChildren();
