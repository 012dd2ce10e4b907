import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { SignalingOptions } from '../index.ts';
import { metricValue, once, startServer, type TestServer, waitFor } from './helpers.ts';

let server: TestServer;

async function setUp(options: SignalingOptions = {}) {
  server = await startServer({ clientLog: false, ...options });
}
afterEach(async () => {
  await server.close();
});

/** The port of the test server, for Host and Origin headers. */
function port(): string {
  return new URL(server.url).port;
}

/** An Engine.IO polling handshake with the given headers: its status and body. */
function pollingHandshake(
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.url}/socket.io/?EIO=4&transport=polling`,
      { headers: { ...headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** A websocket handshake with the given headers: `open`, or `refused` with an http error. */
function websocketHandshake(headers: Record<string, string>): Promise<'open' | 'refused'> {
  return new Promise((resolve) => {
    const ws = new WebSocket(
      `${server.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`,
      { headers },
    );
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve((res.statusCode ?? 0) >= 400 ? 'refused' : 'open');
      ws.terminate();
    });
    ws.once('error', () => undefined);
  });
}

describe('the Origin of a handshake', () => {
  it('refuses a foreign Origin on polling with 403 and says how to allow it', async () => {
    await setUp();
    const { status, body } = await pollingHandshake({ Origin: 'http://evil.example' });
    expect(status).toBe(403);
    expect(body).toContain('ALLOWED_ORIGINS');
    expect(
      await metricValue(server.handle, 'signaling_rejections_total', { reason: 'origin' }),
    ).toBe(1);
  });

  it('refuses a foreign Origin on websocket with 403', async () => {
    await setUp();
    expect(await websocketHandshake({ Origin: 'http://evil.example' })).toBe('refused');
    expect(
      await metricValue(server.handle, 'signaling_rejections_total', { reason: 'origin' }),
    ).toBe(1);
    expect(server.handle.io.engine.clientsCount).toBe(0);
  });

  it('refuses the opaque Origin "null" (sandboxed frames, file: pages)', async () => {
    await setUp();
    expect((await pollingHandshake({ Origin: 'null' })).status).toBe(403);
    expect(await websocketHandshake({ Origin: 'null' })).toBe('refused');
    expect(
      await metricValue(server.handle, 'signaling_rejections_total', { reason: 'origin' }),
    ).toBe(2);
  });

  it('refuses an Origin that differs from the server by port only', async () => {
    await setUp();
    const other = `http://127.0.0.1:${Number(port()) + 1}`;
    expect(await websocketHandshake({ Origin: other })).toBe('refused');
    expect(
      await metricValue(server.handle, 'signaling_rejections_total', { reason: 'origin' }),
    ).toBe(1);
  });

  it('accepts its own origin on both transports', async () => {
    await setUp();
    const own = `http://127.0.0.1:${port()}`;
    expect((await pollingHandshake({ Origin: own })).status).toBe(200);
    expect(await websocketHandshake({ Origin: own })).toBe('open');
  });

  it('accepts an origin on the allow-list on both transports', async () => {
    await setUp({ access: { allowedOrigins: ['https://app.example.com'] } });
    const { status } = await pollingHandshake({ Origin: 'https://app.example.com' });
    expect(status).toBe(200);
    expect(await websocketHandshake({ Origin: 'https://app.example.com' })).toBe('open');
  });

  it('accepts a client that sends no Origin, as Node clients do', async () => {
    await setUp();
    const client = await server.connect({ transports: ['polling'] });
    expect(client.connected).toBe(true);
  });
});

describe('the Host of a handshake', () => {
  it('refuses a foreign Host on polling, even with a matching Origin (DNS rebinding)', async () => {
    await setUp();
    const host = `evil.example:${port()}`;
    const { status, body } = await pollingHandshake({ Host: host, Origin: `http://${host}` });
    expect(status).toBe(403);
    expect(body).toContain('ALLOWED_HOSTS');
    expect(await metricValue(server.handle, 'signaling_rejections_total', { reason: 'host' })).toBe(
      1,
    );
  });

  it('refuses a foreign Host on websocket, even with a matching Origin (DNS rebinding)', async () => {
    await setUp();
    const host = `evil.example:${port()}`;
    expect(await websocketHandshake({ Host: host, Origin: `http://${host}` })).toBe('refused');
    expect(await metricValue(server.handle, 'signaling_rejections_total', { reason: 'host' })).toBe(
      1,
    );
  });

  it('accepts localhost, *.localhost and IP addresses as hosts', async () => {
    await setUp();
    for (const host of ['localhost', 'app.localhost', '127.0.0.1', '[::1]']) {
      const { status } = await pollingHandshake({ Host: `${host}:${port()}` });
      expect(status, host).toBe(200);
    }
  });

  it('accepts hosts on the allow-list, with a leading dot for subdomains', async () => {
    await setUp({ access: { allowedHosts: ['.example.test'] } });
    for (const host of ['example.test', 'rooms.example.test']) {
      expect(await websocketHandshake({ Host: host }), host).toBe('open');
    }
    expect(await websocketHandshake({ Host: 'example.test.evil' })).toBe('refused');
  });

  it('answers /healthz only to allowed hosts', async () => {
    await setUp();
    const status = await new Promise<number>((resolve) => {
      request(`${server.url}/healthz`, { headers: { Host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).end();
    });
    expect(status).toBe(403);
  });
});

describe('connections per address', () => {
  it('refuses a connection past the cap with a connect_error that says why', async () => {
    await setUp({ access: { maxConnectionsPerAddress: 3 } });
    await Promise.all([server.connect(), server.connect(), server.connect()]);
    const { io } = await import('socket.io-client');
    const fourth = io(server.url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    const [error] = await once<[Error & { data?: { code?: string } }]>(fourth, 'connect_error');
    expect(error.message).toContain('close other tabs');
    expect(error.data).toEqual({ code: 'too-many-connections' });
    expect(
      await metricValue(server.handle, 'signaling_rejections_total', {
        reason: 'too-many-connections',
      }),
    ).toBe(1);
    fourth.close();
  });

  it('refuses handshakes at twice the cap, for clients that never join the namespace', async () => {
    await setUp({ access: { maxConnectionsPerAddress: 1 } });
    expect((await pollingHandshake({})).status).toBe(200);
    expect((await pollingHandshake({})).status).toBe(200);
    const { status, body } = await pollingHandshake({});
    expect(status).toBe(403);
    expect(body).toContain('close other tabs');
  });

  it('lets a client in again once another from its address has left', async () => {
    await setUp({ access: { maxConnectionsPerAddress: 2 } });
    const first = await server.connect();
    await server.connect();
    const { io } = await import('socket.io-client');
    const third = io(server.url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    await once(third, 'connect_error');
    third.close();
    first.disconnect();
    await waitFor(
      () => server.handle.openAddresses() === 1 && server.handle.io.engine.clientsCount === 1,
      'the slots to free',
    );
    expect((await server.connect()).connected).toBe(true);
  });

  it('forgets an address once all its connections are closed', async () => {
    await setUp();
    const clients = await Promise.all([server.connect(), server.connect()]);
    expect(server.handle.openAddresses()).toBe(1);
    for (const client of clients) client.disconnect();
    await waitFor(() => server.handle.openAddresses() === 0, 'the address to be forgotten');
  });

  /** A raw websocket session that stays open (it never joins the namespace). */
  async function openSession(headers: Record<string, string>): Promise<WebSocket> {
    const ws = new WebSocket(
      `${server.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`,
      { headers },
    );
    await once(ws, 'open');
    return ws;
  }

  it('counts clients by the last X-Forwarded-For entry when told to trust the proxy', async () => {
    await setUp({ access: { maxConnectionsPerAddress: 1, trustProxy: true } });
    const from = (address: string) => ({ 'X-Forwarded-For': address });
    const open = [await openSession(from('203.0.113.1')), await openSession(from('203.0.113.1'))];
    expect(await websocketHandshake(from('203.0.113.1'))).toBe('refused');
    expect(await websocketHandshake(from('203.0.113.1, 203.0.113.2'))).toBe('open');
    for (const ws of open) ws.close();
  });

  it('ignores X-Forwarded-For unless told to trust the proxy', async () => {
    await setUp({ access: { maxConnectionsPerAddress: 1 } });
    const open = [
      await openSession({ 'X-Forwarded-For': '203.0.113.1' }),
      await openSession({ 'X-Forwarded-For': '203.0.113.2' }),
    ];
    expect(await websocketHandshake({ 'X-Forwarded-For': '203.0.113.3' })).toBe('refused');
    for (const ws of open) ws.close();
  });
});

describe('socket.io-client in front of a refusal', () => {
  it('gets a connect_error for a foreign Origin on polling', async () => {
    await setUp();
    const { io } = await import('socket.io-client');
    const client = io(server.url, {
      transports: ['polling'],
      extraHeaders: { Origin: 'http://evil.example' },
      reconnection: false,
      forceNew: true,
    });
    const [error] = await once<[Error]>(client, 'connect_error');
    expect(error.message).toMatch(/poll error/);
    client.close();
  });
});
