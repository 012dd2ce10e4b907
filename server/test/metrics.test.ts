import { afterEach, describe, expect, it } from 'vitest';
import type { SignalingOptions } from '../index.ts';
import { once, startServer, type TestServer } from './helpers.ts';

let server: TestServer;

async function setUp(options: SignalingOptions = {}) {
  server = await startServer({ clientLog: false, ...options });
}
afterEach(async () => {
  await server.close();
});

/** The value of one sample line of the Prometheus text at /metrics. */
async function scrape(): Promise<(sample: string) => number | undefined> {
  const response = await fetch(`${server.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  const text = await response.text();
  return (sample) => {
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${sample} `));
    return line === undefined ? undefined : Number(line.slice(sample.length + 1));
  };
}

describe('/healthz', () => {
  it('answers ok with the connection and room counts', async () => {
    await setUp();
    const alice = await server.connect();
    const created = once(alice, 'created');
    alice.emit('create or join', 'foo');
    await created;
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', connections: 1, rooms: 1 });
  });
});

describe('a browser opening /healthz or /metrics', () => {
  it('gets the app, since both are valid room names', async () => {
    await setUp();
    const { createServer } = await import('node:http');
    const app = createServer((request, response) =>
      server.handle.httpHandler(request, response, () => response.end('the app')),
    );
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const { port } = app.address() as { port: number };
    try {
      for (const path of ['/healthz', '/metrics']) {
        const page = await fetch(`http://127.0.0.1:${port}${path}`, {
          headers: { Accept: 'text/html,application/xhtml+xml' },
        });
        expect(await page.text()).toBe('the app');
        const probe = await fetch(`http://127.0.0.1:${port}${path}`);
        expect(await probe.text()).not.toBe('the app');
      }
    } finally {
      app.closeAllConnections();
      await new Promise((resolve) => app.close(resolve));
    }
  });
});

describe('/metrics', () => {
  it('counts connections, rooms, joins, full refusals, relays and rejections by reason', async () => {
    await setUp();
    const alice = await server.connect();
    const bob = await server.connect();
    const carol = await server.connect();
    const ready = Promise.all([once(alice, 'ready'), once(bob, 'ready')]);
    alice.emit('create or join', 'foo');
    await once(alice, 'created');
    bob.emit('create or join', 'foo');
    await ready;
    const full = once(carol, 'full');
    carol.emit('create or join', 'foo');
    await full;
    const relayed = once(bob, 'message');
    alice.emit('message', 'hi');
    await relayed;
    const refused = once(carol, 'signaling:error');
    carol.emit('message', 'intruder');
    await refused;
    const value = await scrape();
    expect(value('signaling_connections')).toBe(3);
    expect(value('signaling_rooms')).toBe(1);
    expect(value('signaling_joins_total')).toBe(2);
    expect(value('signaling_full_total')).toBe(1);
    expect(value('signaling_relays_total')).toBe(1);
    expect(value('signaling_rejections_total{reason="not-in-room"}')).toBe(1);
    expect(value('signaling_seats_held')).toBe(0);
  });

  it('reports the event-loop lag in seconds', async () => {
    await setUp();
    const lag = (await scrape())('signaling_event_loop_lag_seconds');
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(5);
  });

  it('is not served when metrics are off, while /healthz still is', async () => {
    await setUp({ metrics: false });
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
