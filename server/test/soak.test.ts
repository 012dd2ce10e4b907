import { io as connectClient } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { once, type TestClient, waitFor } from './helpers.ts';
import { type ChildServer, productionServerEntry, spawnServer } from './process-helpers.ts';

// A bounded soak on loopback: pairs of clients join a room, exchange an offer, an answer and
// candidates, leave, and start again, for a fixed time. The server runs as the production
// build in its own process, so its memory is its own. `npm run soak` runs the long version
// (SOAK_SECONDS=60 at 100 new clients a second: about 6,000 clients); `npm run test:unit` a short one.

const SECONDS = Number(process.env.SOAK_SECONDS ?? 3);
/** New clients per second: paced, so the soak loads the shared machine boundedly. */
const RATE = Number(process.env.SOAK_RATE ?? 200);
const PAIRS_AT_ONCE = Number(process.env.SOAK_PAIRS ?? 10);
const STEP_TIMEOUT_MS = 5000;

let server: ChildServer;

/** The value of one sample line of the server's /metrics. */
async function sample(name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no sample ${name} in /metrics`);
  return Number(line.slice(name.length + 1));
}

/** Heap used by the server after a full collection (the child runs with --expose-gc). */
async function heapAfterGc(): Promise<number> {
  server.process.kill('SIGUSR2');
  // The collection runs on the child's loop; a scrape after it reports the collected heap.
  // Scraping twice makes sure the signal was handled before the figure is read.
  await sample('nodejs_heap_size_used_bytes');
  server.process.kill('SIGUSR2');
  return sample('nodejs_heap_size_used_bytes');
}

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_resolve, reject) =>
      setTimeout(
        () => reject(new Error(`soak: ${what} took over ${STEP_TIMEOUT_MS} ms`)),
        STEP_TIMEOUT_MS,
      ).unref(),
    ),
  ]);
}

function client(): TestClient {
  return connectClient(server.url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
}

/** One pair's life: join, negotiate, leave. Resolves with the number of clients it used. */
async function pairSession(room: string): Promise<number> {
  const alice = client();
  const bob = client();
  try {
    await within(Promise.all([once(alice, 'connect'), once(bob, 'connect')]), 'connecting');
    const created = once(alice, 'created');
    alice.emit('create or join', room);
    await within(created, 'created');
    const ready = Promise.all([once(alice, 'ready'), once(bob, 'ready')]);
    bob.emit('create or join', room);
    await within(ready, 'ready');
    const offer = once(bob, 'message');
    alice.emit('message', { type: 'offer', sdp: `v=0\r\n${'a=x\r\n'.repeat(200)}` });
    await within(offer, 'the offer');
    let candidates = 0;
    const allCandidates = new Promise<void>((resolve) =>
      alice.on('message', () => {
        candidates += 1;
        if (candidates === 6) resolve();
      }),
    );
    bob.emit('message', { type: 'answer', sdp: 'v=0\r\n' });
    for (let i = 0; i < 5; i++) {
      bob.emit('message', { type: 'candidate', label: 0, id: '0', candidate: `candidate:${i}` });
    }
    await within(allCandidates, 'the candidates');
    const bye = once(alice, 'bye');
    // Half the pairs leave with bye, half by dropping the connection.
    if (room.length % 2 === 0) bob.emit('bye');
    else bob.disconnect();
    await within(bye, 'bye');
    return 2;
  } finally {
    alice.disconnect();
    bob.disconnect();
  }
}

/** Pairs join, negotiate and leave for `seconds`, paced at RATE; resolves with the clients used. */
async function soak(seconds: number): Promise<number> {
  const start = Date.now();
  const deadline = start + seconds * 1000;
  let clients = 0;
  let tickets = 0;
  // Pair n starts no earlier than n / (RATE / 2) seconds into the run.
  const paced = () => {
    const at = start + (tickets++ * 2000) / RATE;
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
  };
  const workers = Array.from({ length: PAIRS_AT_ONCE }, async (_, worker) => {
    for (let round = 0; Date.now() < deadline; round++) {
      await paced();
      if (Date.now() >= deadline) break;
      const used = await pairSession(`soak-${worker}-${round % 2 === 0 ? 'ab' : 'abc'}`);
      clients += used;
    }
  });
  await Promise.all(workers);
  return clients;
}

describe('soak', () => {
  beforeAll(async () => {
    server = await spawnServer(
      productionServerEntry(),
      {
        MAX_CONNECTIONS_PER_ADDRESS: String(PAIRS_AT_ONCE * 4),
        // Every pair comes from one address, faster than a real one opens connections.
        RATE_HANDSHAKE_BURST: '100000',
        RATE_HANDSHAKE_PER_SECOND: '100000',
        // Recovery keeps every broadcast for its window plus up to a minute (Socket.IO's
        // cleanup interval); off here so memory can be compared within the run.
        SIGNALING_RECOVERY_SECONDS: '0',
      },
      ['--expose-gc', `--import=data:text/javascript,process.on('SIGUSR2',()=>globalThis.gc())`],
    );
  }, 60_000);
  afterAll(async () => {
    server.process.kill('SIGTERM');
    await server.exited;
  });

  it(
    'serves pairs joining and leaving for the whole run, leaking no seat and no memory',
    async () => {
      // A first round warms the process up (compiled code, pools, the buffers of maps that
      // grow once): Node 22 kept 7 MB after it and nothing after a second one. The leak
      // check compares the heap after the warm-up with the heap after the measured run.
      await soak(Math.min(SECONDS, 3));
      await waitFor(
        async () => (await sample('signaling_connections')) === 0,
        'the warm-up connections to close',
      );
      const joinsBefore = await sample('signaling_joins_total');
      const heapBefore = await heapAfterGc();
      const rssBefore = await sample('process_resident_memory_bytes');
      const clients = await soak(SECONDS);
      const peakRss = await sample('process_resident_memory_bytes');
      await waitFor(
        async () => (await sample('signaling_connections')) === 0,
        'every connection to close',
      );
      const rooms = await sample('signaling_rooms');
      const held = await sample('signaling_seats_held');
      const joins = (await sample('signaling_joins_total')) - joinsBefore;
      const heapAfter = await heapAfterGc();
      const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
      console.log(
        `[soak] ${clients} clients in ${SECONDS} s (at most ${RATE}/s, ${PAIRS_AT_ONCE} pairs at once): ${joins} joins; ` +
          `heap ${mb(heapBefore)} -> ${mb(heapAfter)}; rss ${mb(rssBefore)} -> peak ${mb(peakRss)}; ` +
          `rooms left ${rooms}, seats held ${held}`,
      );
      expect(clients).toBeGreaterThanOrEqual(PAIRS_AT_ONCE * 2);
      expect(joins).toBe(clients);
      expect(rooms).toBe(0);
      expect(held).toBe(0);
      expect(heapAfter).toBeLessThan(heapBefore + 4 * 2 ** 20);
    },
    (SECONDS + 60) * 1000,
  );
});
