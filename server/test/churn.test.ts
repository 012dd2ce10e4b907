import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { io as connectClient } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { TrackedState } from '../core/options.ts';
import { SHED_AFTER_REFUSALS } from '../http/access.ts';
import { metricValue, once, startServer, type TestServer, waitFor } from './helpers.ts';

// One address churning connections: it opens websockets and destroys their TCP sockets without
// a close frame, never more than a few at once, thousands of times. The server must limit it,
// keep serving an unrelated pair, and hold no state for it once the recovery window has passed.

let server: TestServer;
afterEach(async () => {
  await server.close();
});

const AT_ONCE = 15;

/** What one churned connection got: refused at the handshake, or opened (and then destroyed). */
type Churned = 'refused' | 'opened';

/**
 * Opens a websocket, optionally joins `room` over raw Socket.IO frames, then destroys the TCP
 * socket without a close frame, as a client whose network fails does.
 */
function churnOne(url: string, room?: string): Promise<Churned> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    const finish = (outcome: Churned) => {
      ws.terminate();
      resolve(outcome);
    };
    ws.once('unexpected-response', () => finish('refused'));
    ws.once('error', () => finish('refused'));
    ws.on('message', (data) => {
      const frame = String(data);
      if (frame.startsWith('0{')) ws.send('40');
      else if (frame.startsWith('40') && room === undefined) finish('opened');
      else if (frame.startsWith('40')) ws.send(`42${JSON.stringify(['create or join', room])}`);
      else if (frame.startsWith('42["created"')) finish('opened');
      else if (frame.startsWith('44')) finish('refused');
    });
  });
}

/** How long a churn may last: a busy machine churns fewer, and the bounds scale with time. */
const CHURN_MS = 20_000;

/**
 * Churns `total` connections, at most {@link AT_ONCE} at a time, for at most {@link CHURN_MS};
 * counts the outcomes.
 */
async function churn(url: string, total: number, room?: (index: number) => string) {
  const counts = { refused: 0, opened: 0 };
  const deadline = Date.now() + CHURN_MS;
  let next = 0;
  await Promise.all(
    Array.from({ length: AT_ONCE }, async () => {
      while (next < total && Date.now() < deadline) {
        const index = next++;
        counts[await churnOne(url, room?.(index))]++;
      }
    }),
  );
  return counts;
}

/** The live heap after a full collection, in bytes. */
function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const IDLE_PAIR: TrackedState = {
  sockets: 2,
  engineConnections: 2,
  openAddresses: 1,
  handshakeAddresses: 0,
  heldSeats: 0,
  heldSeatIndex: 0,
  awaySessions: 0,
  awaySessionRooms: 0,
  pinRooms: 0,
  pinAddresses: 0,
  spentTokens: 0,
  turnAddresses: 0,
  outcomeAddresses: 0,
};

async function expectPairRelays(pair: Awaited<ReturnType<TestServer['pair']>>) {
  const atBob = once(pair.bob, 'message');
  pair.alice.emit('message', 'ping');
  expect(await atBob).toEqual(['ping']);
}

describe('one address churning connections', () => {
  it('is refused at the handshake past its rate, and the pair beside it keeps relaying', async () => {
    server = await startServer({
      clientLog: false,
      recoveryWindowMs: 1000,
      access: { handshakes: { burst: 20, perSecond: 5 } },
    });
    const pair = await server.pair('healthy');
    const started = Date.now();
    const counts = await churn(server.url, 1000);
    const seconds = (Date.now() - started) / 1000;
    const attempts = counts.opened + counts.refused;
    expect(attempts).toBeGreaterThan(200);
    // The pair took 2 of the burst; the rest is the bucket's refill while the churn lasted.
    expect(counts.opened).toBeLessThanOrEqual(18 + Math.ceil(seconds * 5) + 1);
    expect(counts.refused).toBeGreaterThanOrEqual(attempts - 19 - Math.ceil(seconds * 5));
    expect(
      await metricValue(server.handle, 'signaling_rejections_total', {
        reason: 'too-many-handshakes',
      }),
    ).toBe(counts.refused);
    await expectPairRelays(pair);
    // Nothing is kept for connections that never had a seat.
    await waitFor(() => server.handle.tracked().sockets === 2, 'the churned sockets to close');
    expect(server.handle.tracked().awaySessions).toBe(0);
  }, 90_000);

  it('keeps at most its share of seats away, and the server returns to where it was', async () => {
    server = await startServer({
      clientLog: false,
      recoveryWindowMs: 1000,
      access: { handshakes: { burst: 10_000, perSecond: 10_000 }, maxHeldSeatsPerAddress: 4 },
    });
    const pair = await server.pair('healthy');
    await churn(server.url, 50, (index) => `warm-${index}`);
    await waitFor(() => server.handle.tracked().heldSeats === 0, 'the warm-up window to pass');
    const heapBefore = heapAfterGc();
    let mostHeld = 0;
    const watch = setInterval(() => {
      const { heldSeats, awaySessions } = server.handle.tracked();
      mostHeld = Math.max(mostHeld, heldSeats, awaySessions);
    }, 5);
    const counts = await churn(server.url, 1000, (index) => `churn-${index}`);
    clearInterval(watch);
    expect(counts.opened).toBeGreaterThan(200);
    expect(counts.refused).toBe(0);
    expect(mostHeld).toBeGreaterThan(0);
    expect(mostHeld).toBeLessThanOrEqual(4);
    await expectPairRelays(pair);
    await waitFor(
      () => JSON.stringify(server.handle.tracked()) === JSON.stringify(IDLE_PAIR),
      'every per-client structure to empty once the window has passed',
      10_000,
    );
    expect(server.handle.rooms.size).toBe(1);
    // Within 2 MB of the start: what the seated churn would keep without bounds is far more.
    expect(heapAfterGc() - heapBefore).toBeLessThan(2 * 1024 * 1024);
  }, 90_000);

  it('tells a refused client why, then drops a churning address unread, and no one else', async () => {
    // No refill: every handshake past the burst of 2 is refused, whatever the machine's speed.
    server = await startServer({
      clientLog: false,
      access: { handshakes: { burst: 2, perSecond: 0 } },
    });
    const pair = await server.pair('healthy');
    // A websocket past the limit reads a 429 with the reason, answered before engine.io.
    const refused = await websocketRefusal(server.url);
    expect(refused).toEqual({
      status: 429,
      body: '[signaling] too many new connections from one address; wait a moment',
    });
    // Polling is refused by engine.io's `allowRequest`: a 403 whose JSON says why (a browser's
    // socket.io-client gets it as `connect_error`, with the status as `description`).
    const polling = connectClient(server.url, { transports: ['polling'], reconnection: false });
    const [error] = await once<[Error & { description?: unknown }]>(polling, 'connect_error');
    polling.close();
    expect(error.description).toBe(403);
    const polled = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`);
    expect(polled.status).toBe(403);
    expect(await polled.json()).toEqual({
      code: 4,
      message: '[signaling] too many new connections from one address; wait a moment',
    });
    for (let index = 3; index < SHED_AFTER_REFUSALS; index++) {
      expect((await websocketRefusal(server.url)).status).toBe(429);
    }
    // Now the address is churning: its connections are closed as they are accepted, before
    // Node makes a socket of them (no `connection` event), let alone reads a byte.
    let sockets = 0;
    server.http.on('connection', () => sockets++);
    expect(await websocketRefusal(server.url)).toEqual({ status: 0, body: '' });
    expect(sockets).toBe(0);
    expect(
      await metricValue(server.handle, 'signaling_rejections_total', {
        reason: 'too-many-handshakes',
      }),
    ).toBe(SHED_AFTER_REFUSALS + 1);
    // Another address is served as before, and so is the pair already connected.
    expect(await websocketRefusal(server.url, '127.0.0.2')).toEqual({ status: 101, body: '' });
    expect(sockets).toBe(1);
    await expectPairRelays(pair);
  });
});

/**
 * Opens a websocket handshake from `localAddress`: the refusal's status and body, 101 when it
 * opened, or 0 when the connection closed without an answer.
 */
function websocketRefusal(
  url: string,
  localAddress?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, {
      localAddress,
    });
    ws.once('open', () => {
      ws.terminate();
      resolve({ status: 101, body: '' });
    });
    ws.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => {
        body += String(chunk);
      });
      response.on('end', () => {
        ws.terminate();
        resolve({ status: response.statusCode ?? 0, body });
      });
    });
    ws.once('error', () => resolve({ status: 0, body: '' }));
  });
}
