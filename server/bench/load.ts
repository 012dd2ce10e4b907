/**
 * One load process of the benchmark (forked by run.ts): holds its share of the clients, all
 * bound to its own 127.0.0.x source address, pairs them in rooms, relays codelab-shaped
 * messages inside each pair, and reports histograms to the runner over IPC.
 */
import { performance } from 'node:perf_hooks';
import { io } from 'socket.io-client';
import { WebSocket } from 'ws';
import { Histogram, type HistogramJson } from './stats.ts';

/** What the runner tells a load process to do. */
export interface LoadConfig {
  protocol: 'socket.io' | 'ws';
  /** Servers; client i talks to urls[i % urls.length]. */
  urls: string[];
  /** How many clients this process holds (even). */
  clients: number;
  /** Clients per second this process connects and seats. */
  joinRate: number;
  /**
   * Source addresses; client i connects from `localAddresses[i % length]`. Each connection
   * binds its source address before it connects, and Linux finds a free port for such a bind by
   * searching the ephemeral range (half of it first): past some 10,000 connections on one
   * address that search took most of the load's CPU, in the kernel, and its clients stopped
   * answering the servers' pings in time (docs/benchmarks.md, the scale run).
   */
  localAddresses: string[];
  roomPrefix: string;
  /** First pair id of this process; ids are unique over all processes. */
  pairBase: number;
  /** The server relays to every socket: drop other pairs' messages. */
  codelab: boolean;
}

/** The runner's commands. */
export type LoadCommand =
  | { cmd: 'join'; config: LoadConfig }
  | { cmd: 'relay'; durationMs: number }
  /** Every seated pair sends one candidate each way (the second on the first's arrival), pairs
   * started at `rate` per second; then waits up to `waitMs` for what is still in flight. */
  | { cmd: 'relay-once'; rate: number; waitMs: number }
  | { cmd: 'close' };

/** Failures a load process counts, by kind. */
export type LoadErrors = Record<'connect' | 'join' | 'full' | 'refused' | 'disconnect', number>;

/** What a load process reports back. */
export type LoadReport =
  | { type: 'progress'; seated: number; settled: number; relays: number }
  /** Every client of this process connected; seating starts now. */
  | { type: 'connected' }
  | {
      type: 'joined';
      seated: number;
      errors: LoadErrors;
      reasons: Record<string, number>;
      joinLatency: HistogramJson;
      /** This load process's RSS and heap once every client is seated, in bytes. */
      rss: number;
      heapUsed: number;
    }
  | {
      type: 'relayed';
      relays: number;
      /** `relay-once`: seated pairs that did not relay, a member's connection already gone. */
      broken?: number;
      /** Messages sent that never arrived, counted once the phase is over and 5 s (`relay-once`: `waitMs`) have passed. */
      lost: number;
      seconds: number;
      errors: LoadErrors;
      /** Why connections failed or dropped, since the start. */
      reasons: Record<string, number>;
      relayLatency: HistogramJson;
    }
  | { type: 'closed' };

interface Peer {
  send(event: string, ...args: unknown[]): void;
  on(event: string, listener: (...args: unknown[]) => void): void;
  close(): void;
  /** Whether the connection is still open. */
  open(): boolean;
}

interface Pair {
  room: string;
  id: number;
  peers: Peer[];
  next: number;
  /** Messages of this pair that arrived (`next` counts those sent). */
  received: number;
  seated: number;
}

// An SDP offer of a typical audio+video call is 3 to 5 KB; a trickled ICE candidate ~200 B.
const SDP =
  `v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n${'a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 goog-remb\r\na=fmtp:97 apt=96\r\n'.repeat(60)}`.slice(
    0,
    4000,
  );
const CANDIDATE =
  'candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 192.168.1.23 rport 46154 generation 0 ufrag sjA0 network-id 1 network-cost 10'.padEnd(
    200,
    ' ',
  );
// One offer, one answer, then candidates, as a call's signaling goes.
const KINDS = ['offer', 'answer', 'candidate', 'candidate', 'candidate', 'candidate'];

let config: LoadConfig;
let pairs: Pair[] = [];
const joinLatency = new Histogram();
const relayLatency = new Histogram();
const errors: LoadErrors = { connect: 0, join: 0, full: 0, refused: 0, disconnect: 0 };
const reasons = new Map<string, number>();
let seated = 0;
let settled = 0;
let relays = 0;
let relayEnd = 0;
/** `relay-once`: each pair's second message answers its first, and nothing follows. */
let once = false;
let closing = false;

/** The source address of client `index`. */
function localAddress(index: number): string {
  const { localAddresses } = config;
  return localAddresses[index % localAddresses.length] ?? '127.0.0.1';
}

function connectWs(url: string, from: string): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), {
      localAddress: from,
      perMessageDeflate: false,
    });
    const listeners = new Map<string, (...args: unknown[]) => void>();
    ws.on('message', (data) => {
      const [event, ...args] = JSON.parse(String(data)) as [string, ...unknown[]];
      listeners.get(event)?.(...args);
    });
    ws.once('open', () =>
      resolve({
        send: (event, ...args) => ws.send(JSON.stringify([event, ...args])),
        on: (event, listener) => listeners.set(event, listener),
        close: () => ws.close(),
        open: () => ws.readyState === WebSocket.OPEN,
      }),
    );
    ws.once('error', reject);
    ws.once('close', () => {
      if (!closing) errors.disconnect++;
    });
  });
}

function connect(url: string, from: string): Promise<Peer> {
  if (config.protocol === 'ws') return connectWs(url, from);
  return new Promise((resolve, reject) => {
    // Websocket first (no long-polling upgrade dance), no reconnection: a dropped client is an
    // error to count, not to hide. engine.io-client hands `localAddress` to ws in Node; its
    // types do not list it.
    const options: Parameters<typeof io>[1] & { localAddress: string } = {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      localAddress: from,
      timeout: 20_000,
    };
    const socket = io(url, options);
    // The engine's `timeout` covers its handshake, not the namespace's answer: bound both, so a
    // ramp always ends.
    const late = setTimeout(() => {
      socket.disconnect();
      reject(new Error('no connect within 30 s'));
    }, 30_000);
    socket.once('connect', () => clearTimeout(late));
    socket.once('connect_error', () => clearTimeout(late));
    socket.once('connect', () =>
      resolve({
        send: (event, ...args) => socket.emit(event, ...args),
        on: (event, listener) => socket.on(event, listener),
        close: () => socket.disconnect(),
        open: () => socket.connected,
      }),
    );
    socket.once('connect_error', reject);
    socket.on('disconnect', (reason) => {
      if (closing) return;
      errors.disconnect++;
      reasons.set(`disconnect: ${reason}`, (reasons.get(`disconnect: ${reason}`) ?? 0) + 1);
    });
  });
}

/** Sends the pair's next message (`kind`, or the call's next) from the side whose turn it is. */
function sendNext(pair: Pair, kind = KINDS[pair.next % KINDS.length]): void {
  const from = pair.peers[pair.next % 2];
  pair.next++;
  const t = performance.now();
  const payload =
    kind === 'candidate'
      ? { type: 'candidate', label: 0, id: '0', candidate: CANDIDATE, t, p: pair.id }
      : { type: kind, sdp: SDP, t, p: pair.id };
  from?.send('message', payload);
}

/** Waits for the answer to `create or join`, and counts it. */
function seat(peer: Peer, pair: Pair): Promise<void> {
  return new Promise((resolve) => {
    const started = performance.now();
    const timer = setTimeout(() => {
      errors.join++;
      resolve();
    }, 10_000);
    const answer = (ok: boolean) => {
      clearTimeout(timer);
      if (ok) {
        joinLatency.add(performance.now() - started);
        seated++;
        pair.seated++;
      } else errors.full++;
      resolve();
    };
    peer.on('created', () => answer(true));
    peer.on('joined', () => answer(true));
    peer.on('full', () => answer(false));
    peer.send('create or join', pair.room);
  });
}

/** Connects client `index` and listens for its pair's messages; false if it could not connect. */
async function startClient(index: number): Promise<boolean> {
  const pair = pairs[index >> 1];
  if (!pair) return false;
  const url = config.urls[index % config.urls.length] ?? '';
  let peer: Peer;
  try {
    peer = await connect(url, localAddress(index));
  } catch (error) {
    errors.connect++;
    const reason = error instanceof Error ? error.message : String(error);
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    settled++;
    return false;
  }
  pair.peers[index % 2] = peer;
  peer.on('message', (value) => {
    const payload = value as { t?: number; p?: number } | null;
    // The codelab's server sends every pair's messages to everyone: only ours count.
    if (payload?.p !== pair.id || typeof payload.t !== 'number') return;
    relayLatency.add(performance.now() - payload.t);
    relays++;
    pair.received++;
    if (once) {
      if (pair.next < 2) sendNext(pair, 'candidate');
    } else if (performance.now() < relayEnd) sendNext(pair);
  });
  peer.on('signaling:error', () => errors.refused++);
  return true;
}

/** Calls `start(i)` for i below `total` at `rate` per second; resolves when all have settled. */
function paced(total: number, rate: number, start: (index: number) => Promise<void>) {
  const interval = 1000 / rate;
  const begun = performance.now();
  let started = 0;
  let done = 0;
  return new Promise<void>((resolve) => {
    const finish = () => {
      if (++done >= total) resolve();
    };
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - begun) / interval) + 1);
      while (started < due) void start(started++).then(finish);
      if (started < total) setTimeout(tick, 2);
    };
    if (total === 0) resolve();
    else tick();
  });
}

/**
 * Connects every client at `joinRate` per second, then seats them at the same rate, so a
 * join's latency is the server's answer to `create or join` at that rate, not a connection's
 * handshake queued in front of it.
 */
async function joinAll(): Promise<void> {
  const total = config.clients;
  const connected: boolean[] = [];
  await paced(total, config.joinRate, async (index) => {
    connected[index] = await startClient(index);
  });
  report({ type: 'connected' });
  await paced(total, config.joinRate, async (index) => {
    const pair = pairs[index >> 1];
    const peer = pair?.peers[index % 2];
    if (!pair || !peer || !connected[index]) return;
    await seat(peer, pair);
    settled++;
  });
}

/** Every seated pair relays, one message in flight each, until `durationMs` has passed. */
function relayFor(durationMs: number): Promise<void> {
  relays = 0;
  relayEnd = performance.now() + durationMs;
  for (const pair of pairs) if (pair.seated === 2) sendNext(pair);
  return new Promise((resolve) => setTimeout(resolve, durationMs));
}

let broken = 0;

/**
 * Every seated pair whose members are both still connected, paced at `rate` a second, sends one
 * candidate; the other side answers. A pair with a member gone is counted `broken`, not lost:
 * the server has no one to relay to.
 */
function relayOnce(rate: number): Promise<void> {
  relays = 0;
  once = true;
  const seatedPairs = pairs.filter(
    (pair) => pair.seated === 2 && pair.peers.every((peer) => peer.open()),
  );
  broken = pairs.filter((pair) => pair.seated === 2).length - seatedPairs.length;
  return paced(seatedPairs.length, rate, async (index) => {
    const pair = seatedPairs[index];
    if (pair) sendNext(pair, 'candidate');
  });
}

/** Waits (up to `waitMs`) for the messages still in flight; resolves with those that never came. */
async function inFlightLost(waitMs = 5000): Promise<number> {
  const missing = () => pairs.reduce((total, pair) => total + pair.next - pair.received, 0);
  const deadline = performance.now() + waitMs;
  while (missing() > 0 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return missing();
}

function report(message: LoadReport): void {
  process.send?.(message);
}

const progress = setInterval(() => report({ type: 'progress', seated, settled, relays }), 500);

process.on('message', async (message: LoadCommand) => {
  if (message.cmd === 'join') {
    config = message.config;
    pairs = Array.from({ length: config.clients / 2 }, (_, id) => ({
      room: `${config.roomPrefix}-${id}`,
      id: config.pairBase + id,
      peers: [],
      next: 0,
      received: 0,
      seated: 0,
    }));
    await joinAll();
    report({
      type: 'joined',
      seated,
      errors,
      reasons: Object.fromEntries(reasons),
      joinLatency: joinLatency.toJSON(),
      rss: process.memoryUsage().rss,
      heapUsed: process.memoryUsage().heapUsed,
    });
  } else if (message.cmd === 'relay-once') {
    const started = performance.now();
    await relayOnce(message.rate);
    const lost = await inFlightLost(message.waitMs);
    const seconds = (performance.now() - started) / 1000;
    const why = Object.fromEntries(reasons);
    report({
      type: 'relayed',
      relays,
      broken,
      lost,
      seconds,
      errors,
      reasons: why,
      relayLatency: relayLatency.toJSON(),
    });
  } else if (message.cmd === 'relay') {
    const started = performance.now();
    await relayFor(message.durationMs);
    const seconds = (performance.now() - started) / 1000;
    const lost = await inFlightLost();
    const why = Object.fromEntries(reasons);
    report({
      type: 'relayed',
      relays,
      lost,
      seconds,
      errors,
      reasons: why,
      relayLatency: relayLatency.toJSON(),
    });
  } else if (message.cmd === 'close') {
    closing = true;
    clearInterval(progress);
    for (const pair of pairs) for (const peer of pair.peers) peer?.close();
    report({ type: 'closed' });
    setTimeout(() => process.exit(0), 200).unref();
  }
});
// The runner going away must not leave this process holding thousands of sockets.
process.on('disconnect', () => process.exit(0));
