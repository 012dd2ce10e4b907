/**
 * `npx tsx server/bench/heap-snapshots.ts [--clients N]`: what an idle joined connection keeps, by
 * object (docs/scaling.md#what-a-connection-keeps). Starts the production server (run
 * `npm run bench` once first: it builds it and compiles the load processes), warms it up,
 * writes a heap snapshot, seats `--clients` (4000) in rooms of two from `--workers` load processes (4), writes
 * another, and prints the bytes per client each per-connection object dominates (its retained
 * size), then the growth by object class. The snapshots go to bench-results/heap/.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import type { LoadCommand, LoadReport } from './load.ts';
import { clients, compiled, PRODUCTION_ENTRY, root, workers } from './options.ts';

const dir = `${root}bench-results/heap/`;
mkdirSync(dir, { recursive: true });

// The server writes a snapshot when asked over IPC, after a full collection.
const preload = `data:text/javascript,${encodeURIComponent(
  "import v8 from 'node:v8'; process.on('message', (m) => { if (!m || !m.snapshot) return; globalThis.gc(); globalThis.gc(); v8.writeHeapSnapshot(m.snapshot); process.send({ written: m.snapshot }); }); process.on('disconnect', () => process.exit(0));",
)}`;
const server = spawn(process.execPath, ['--expose-gc', '--import', preload, PRODUCTION_ENTRY], {
  cwd: root,
  env: {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    MAX_CONNECTIONS_PER_ADDRESS: '100000',
    RATE_HANDSHAKE_BURST: '100000',
    RATE_HANDSHAKE_PER_SECOND: '100000',
    RATE_JOIN_BURST: '1000',
    RATE_JOIN_PER_SECOND: '1000',
  },
  stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
});
const url = await new Promise<string>((resolve) => {
  let seen = '';
  server.stdout?.on('data', (chunk) => {
    seen += String(chunk);
    const match = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(seen);
    if (match?.[1]) resolve(match[1]);
  });
});

function snapshot(path: string): Promise<void> {
  return new Promise((resolve) => {
    server.once('message', () => resolve());
    server.send({ snapshot: path });
  });
}

function next<T extends LoadReport['type']>(load: ChildProcess, type: T): Promise<LoadReport> {
  return new Promise((resolve) => {
    const onMessage = (message: LoadReport) => {
      if (message.type !== type) return;
      load.off('message', onMessage);
      resolve(message);
    };
    load.on('message', onMessage);
  });
}

const loads = (count: number) =>
  Array.from({ length: count }, () => fork(`${compiled}load.js`, [], { execArgv: [] }));

async function seat(processes: ChildProcess[], share: number, prefix: string): Promise<number> {
  const joined = processes.map((load) => next(load, 'joined'));
  processes.forEach((load, index) => {
    const command: LoadCommand = {
      cmd: 'join',
      config: {
        protocol: 'socket.io',
        urls: [url],
        clients: share,
        joinRate: 250,
        localAddresses: [`127.0.0.${2 + index}`],
        roomPrefix: `${prefix}${index}`,
        pairBase: (index * share) / 2 + (prefix === 'warm' ? 1e6 : 0),
        codelab: false,
      },
    };
    load.send(command);
  });
  const reports = await Promise.all(joined);
  return reports.reduce(
    (total, report) => total + (report.type === 'joined' ? report.seated : 0),
    0,
  );
}

async function close(processes: ChildProcess[]): Promise<void> {
  const closed = processes.map((load) => next(load, 'closed'));
  for (const load of processes) load.send({ cmd: 'close' } satisfies LoadCommand);
  await Promise.all(closed);
}

// A warm-up, so the code of every path is compiled before the first snapshot.
const warm = loads(1);
await seat(warm, 16, 'warm');
const relayed = next(warm[0] as ChildProcess, 'relayed');
warm[0]?.send({ cmd: 'relay', durationMs: 1000 } satisfies LoadCommand);
await relayed;
await close(warm);
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const before = `${dir}${stamp}-0.heapsnapshot`;
const after = `${dir}${stamp}-1.heapsnapshot`;
await snapshot(before);
const held = loads(workers);
const seated = await seat(held, clients / workers, 'w');
await snapshot(after);
await close(held);
server.kill('SIGTERM');
console.log(`[heap] ${seated} clients seated; snapshots ${before} and ${after}\n`);

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[]];
      edge_fields: string[];
      edge_types: [string[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** A snapshot's graph, its dominators and each node's label (the per-connection classes told apart). */
function analyse(path: string) {
  const data = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const { meta } = data.snapshot;
  const { nodes, edges, strings } = data;
  const N = meta.node_fields.length;
  const E = meta.edge_fields.length;
  const [nodeTypes] = meta.node_types;
  const [edgeTypes] = meta.edge_types;
  const typeAt = meta.node_fields.indexOf('type');
  const nameAt = meta.node_fields.indexOf('name');
  const sizeAt = meta.node_fields.indexOf('self_size');
  const countAt = meta.node_fields.indexOf('edge_count');
  const edgeTypeAt = meta.edge_fields.indexOf('type');
  const edgeNameAt = meta.edge_fields.indexOf('name_or_index');
  const toAt = meta.edge_fields.indexOf('to_node');
  const n = nodes.length / N;
  const first = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) first[i + 1] = (first[i] ?? 0) + (nodes[i * N + countAt] ?? 0);
  const weak = new Set([edgeTypes.indexOf('weak'), edgeTypes.indexOf('shortcut')]);
  const at = (array: ArrayLike<number>, index: number) => array[index] ?? 0;
  const size = (v: number) => at(nodes, v * N + sizeAt);
  const named = (v: number, name: string) => {
    for (let e = at(first, v); e < at(first, v + 1); e++) {
      const type = edgeTypes[at(edges, e * E + edgeTypeAt)];
      if (type === 'property' && strings[at(edges, e * E + edgeNameAt)] === name) return true;
    }
    return false;
  };
  const label = (v: number): string => {
    const type = nodeTypes[at(nodes, v * N + typeAt)] ?? '';
    const name = strings[at(nodes, v * N + nameAt)] ?? '';
    if (type.includes('string')) return '(string)';
    if (type !== 'object' && type !== 'closure') return `(${type})`;
    if (name === 'Socket') {
      if (named(v, 'nsp')) return 'Socket.IO Socket';
      if (named(v, 'transport')) return 'engine.io Socket';
      return 'net.Socket';
    }
    if (name === 'WebSocket') return named(v, '_receiver') ? 'ws WebSocket' : 'engine.io WebSocket';
    return type === 'closure' ? '(closure)' : name.slice(0, 50);
  };
  // Depth-first postorder from the root over strong edges, then dominators (Cooper et al.).
  const post = new Int32Array(n).fill(-1);
  const order: number[] = [];
  const cursor = new Uint32Array(n);
  const stack = [0];
  post[0] = -2;
  cursor[0] = at(first, 0);
  while (stack.length > 0) {
    const v = stack[stack.length - 1] ?? 0;
    if (at(cursor, v) < at(first, v + 1)) {
      const e = at(cursor, v);
      cursor[v] = e + 1;
      if (weak.has(at(edges, e * E + edgeTypeAt))) continue;
      const w = at(edges, e * E + toAt) / N;
      if (post[w] === -1) {
        post[w] = -2;
        cursor[w] = at(first, w);
        stack.push(w);
      }
    } else {
      stack.pop();
      post[v] = order.length;
      order.push(v);
    }
  }
  const predecessors: number[][] = Array.from({ length: n }, () => []);
  for (const v of order) {
    for (let e = at(first, v); e < at(first, v + 1); e++) {
      if (!weak.has(at(edges, e * E + edgeTypeAt)))
        predecessors[at(edges, e * E + toAt) / N]?.push(v);
    }
  }
  const idom = new Int32Array(n).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (at(post, a) < at(post, b)) a = at(idom, a);
      while (at(post, b) < at(post, a)) b = at(idom, b);
    }
    return a;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let k = order.length - 2; k >= 0; k--) {
      const v = order[k] ?? 0;
      let dominator = -1;
      for (const u of predecessors[v] ?? []) {
        if (at(idom, u) === -1) continue;
        dominator = dominator === -1 ? u : intersect(u, dominator);
      }
      if (dominator !== -1 && idom[v] !== dominator) {
        idom[v] = dominator;
        changed = true;
      }
    }
  }
  return { n, order, idom, size, label };
}

const PER_CONNECTION = new Set([
  'Socket.IO Socket',
  'engine.io Socket',
  'engine.io WebSocket',
  'ws WebSocket',
  'Receiver',
  'Sender',
  'net.Socket',
  'TCP',
  'IncomingMessage',
  'WebSocketResponse',
  'Client',
  'SizedDecoder',
  'Timeout',
]);

/** Bytes by label: of every node, and of what each per-connection object dominates. */
function figures(path: string) {
  const { order, idom, size, label } = analyse(path);
  const byClass = new Map<string, number>();
  const owned = new Map<string, number>();
  const owner = new Map<number, string>();
  // Root first: a node's owner is its own label if per-connection, else its dominator's owner.
  for (let k = order.length - 1; k >= 0; k--) {
    const v = order[k] ?? 0;
    const name = label(v);
    byClass.set(name, (byClass.get(name) ?? 0) + size(v));
    const own = PER_CONNECTION.has(name) ? name : v === 0 ? '' : (owner.get(idom[v] ?? 0) ?? '');
    owner.set(v, own);
    if (own) owned.set(own, (owned.get(own) ?? 0) + size(v));
  }
  return { byClass, owned };
}

const start = figures(before);
const end = figures(after);
const per = (bytes: number) => (bytes / seated).toFixed(0).padStart(7);
console.log('[heap] bytes per client each per-connection object dominates:');
for (const [name, bytes] of [...end.owned].sort((a, b) => b[1] - a[1])) {
  console.log(`${per(bytes - (start.owned.get(name) ?? 0))}  ${name}`);
}
const grown = [...new Set([...start.byClass.keys(), ...end.byClass.keys()])]
  .map((name) => [name, (end.byClass.get(name) ?? 0) - (start.byClass.get(name) ?? 0)] as const)
  .sort((a, b) => b[1] - a[1]);
const total = grown.reduce((sum, [, bytes]) => sum + bytes, 0);
console.log(`\n[heap] growth per client by class (total ${per(total).trim()} bytes):`);
for (const [name, bytes] of grown.slice(0, 25)) console.log(`${per(bytes)}  ${name}`);
