// @ts-check
/**
 * One load process of the benchmark (forked by run.mjs): holds its share of the clients, all
 * bound to its own 127.0.0.x source address, pairs them in rooms, relays codelab-shaped
 * messages inside each pair, and reports histograms to the runner over IPC.
 */
import { performance } from 'node:perf_hooks';
import { io } from 'socket.io-client';
import { WebSocket } from 'ws';
import { Histogram } from './stats.mjs';

/**
 * @typedef {object} LoadConfig
 * @property {'socket.io' | 'ws'} protocol
 * @property {string[]} urls  servers; client i talks to urls[i % urls.length]
 * @property {number} clients  how many clients this process holds (even)
 * @property {number} joinRate  clients per second this process connects and seats
 * @property {string} localAddress  source address of every connection
 * @property {string} roomPrefix
 * @property {number} pairBase  first pair id of this process; ids are unique over all processes
 * @property {boolean} codelab  the server relays to every socket: drop other pairs' messages
 */

/**
 * @typedef {object} Peer
 * @property {(event: string, ...args: unknown[]) => void} send
 * @property {(event: string, listener: (...args: unknown[]) => void) => void} on
 * @property {() => void} close
 */

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

/** @type {LoadConfig} */
let config;
/** @type {{ room: string, id: number, peers: Peer[], next: number, seated: number }[]} */
let pairs = [];
const joinLatency = new Histogram();
const relayLatency = new Histogram();
const errors = { connect: 0, join: 0, full: 0, refused: 0, disconnect: 0 };
/** @type {Map<string, number>} */
const reasons = new Map();
let seated = 0;
let settled = 0;
let relays = 0;
let relayEnd = 0;
let closing = false;

/** @param {string} url @returns {Promise<Peer>} */
function connect(url) {
  if (config.protocol === 'ws') {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url.replace(/^http/, 'ws'), {
        localAddress: config.localAddress,
        perMessageDeflate: false,
      });
      /** @type {Map<string, (...args: unknown[]) => void>} */
      const listeners = new Map();
      ws.on('message', (data) => {
        const [event, ...args] = /** @type {[string, ...unknown[]]} */ (JSON.parse(String(data)));
        listeners.get(event)?.(...args);
      });
      ws.once('open', () =>
        resolve({
          send: (event, ...args) => ws.send(JSON.stringify([event, ...args])),
          on: (event, listener) => listeners.set(event, listener),
          close: () => ws.close(),
        }),
      );
      ws.once('error', reject);
      ws.once('close', () => {
        if (!closing) errors.disconnect++;
      });
    });
  }
  return new Promise((resolve, reject) => {
    // Websocket first (no long-polling upgrade dance), no reconnection: a
    // dropped client is an error to count, not to hide.
    // engine.io-client hands `localAddress` to ws in Node; its types do not list it.
    /** @type {Parameters<typeof io>[1] & { localAddress: string }} */
    const options = {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      localAddress: config.localAddress,
      timeout: 20_000,
    };
    const socket = io(url, options);
    socket.once('connect', () =>
      resolve({
        send: (event, ...args) => socket.emit(event, ...args),
        on: (event, listener) => socket.on(event, listener),
        close: () => socket.disconnect(),
      }),
    );
    socket.once('connect_error', reject);
    socket.on('disconnect', () => {
      if (!closing) errors.disconnect++;
    });
  });
}

/** Sends the pair's next message from the side whose turn it is. */
/** @param {(typeof pairs)[number]} pair */
function sendNext(pair) {
  const kind = KINDS[pair.next % KINDS.length];
  const from = pair.peers[pair.next % 2];
  pair.next++;
  const t = performance.now();
  const payload =
    kind === 'candidate'
      ? { type: 'candidate', label: 0, id: '0', candidate: CANDIDATE, t, p: pair.id }
      : { type: kind, sdp: SDP, t, p: pair.id };
  from?.send('message', payload);
}

/** @param {number} index */
async function startClient(index) {
  const pair = pairs[index >> 1];
  if (!pair) return;
  const url = config.urls[index % config.urls.length] ?? '';
  /** @type {Peer} */
  let peer;
  try {
    peer = await connect(url);
  } catch (error) {
    errors.connect++;
    const reason = String(/** @type {Error} */ (error)?.message ?? error);
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    settled++;
    return;
  }
  pair.peers[index % 2] = peer;
  peer.on('message', (value) => {
    const payload = /** @type {{ t?: number, p?: number }} */ (value);
    // The codelab's server sends every pair's messages to everyone: only ours count.
    if (payload?.p !== pair.id || typeof payload.t !== 'number') return;
    relayLatency.add(performance.now() - payload.t);
    relays++;
    if (performance.now() < relayEnd) sendNext(pair);
  });
  peer.on('signaling:error', () => errors.refused++);
  await new Promise((resolve) => {
    const started = performance.now();
    const timer = setTimeout(() => {
      errors.join++;
      resolve(undefined);
    }, 10_000);
    /** @param {boolean} ok */
    const answer = (ok) => {
      clearTimeout(timer);
      if (ok) {
        joinLatency.add(performance.now() - started);
        seated++;
        pair.seated++;
      } else errors.full++;
      resolve(undefined);
    };
    peer.on('created', () => answer(true));
    peer.on('joined', () => answer(true));
    peer.on('full', () => answer(false));
    peer.send('create or join', pair.room);
  });
  settled++;
}

/** Connects and seats every client at `joinRate` per second; resolves when all have answers. */
function joinAll() {
  const total = config.clients;
  const interval = 1000 / config.joinRate;
  const start = performance.now();
  let started = 0;
  return new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
      while (started < due) void startClient(started++);
      if (started < total) setTimeout(tick, 2);
    };
    tick();
    const done = setInterval(() => {
      if (settled >= total) {
        clearInterval(done);
        resolve(undefined);
      }
    }, 20);
  });
}

/** Every seated pair relays, one message in flight each, until `durationMs` has passed. */
/** @param {number} durationMs */
function relayFor(durationMs) {
  relays = 0;
  relayEnd = performance.now() + durationMs;
  for (const pair of pairs) if (pair.seated === 2) sendNext(pair);
  return new Promise((resolve) => setTimeout(resolve, durationMs));
}

/** @param {object} message */
function report(message) {
  process.send?.(message);
}

const progress = setInterval(() => report({ type: 'progress', seated, settled, relays }), 500);

process.on('message', async (raw) => {
  const message = /** @type {{ cmd: string, config?: LoadConfig, durationMs?: number }} */ (raw);
  if (message.cmd === 'join' && message.config) {
    config = message.config;
    pairs = Array.from({ length: config.clients / 2 }, (_, id) => ({
      room: `${config.roomPrefix}-${id}`,
      id: config.pairBase + id,
      peers: [],
      next: 0,
      seated: 0,
    }));
    await joinAll();
    report({
      type: 'joined',
      seated,
      errors,
      reasons: Object.fromEntries(reasons),
      joinLatency: joinLatency.toJSON(),
    });
  } else if (message.cmd === 'relay') {
    const started = performance.now();
    await relayFor(message.durationMs ?? 10_000);
    const seconds = (performance.now() - started) / 1000;
    report({ type: 'relayed', relays, seconds, errors, relayLatency: relayLatency.toJSON() });
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
