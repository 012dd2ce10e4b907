import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io as connectClient } from 'socket.io-client';
import { createLogger, createServer, type Plugin, preview, type ViteDevServer } from 'vite';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type SignalingPluginApi, signaling } from '../vite/index.ts';
import { once, type TestClient } from './helpers.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A free loopback port, so a restarted Vite listens where the clients look. */
async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function startVite(plugin: Plugin<SignalingPluginApi>, port = 0): Promise<ViteDevServer> {
  const root = await mkdtemp(join(tmpdir(), 'signaling-vite-'));
  await writeFile(join(root, 'index.html'), '<!doctype html><title>t</title>');
  const server = await createServer({
    configFile: false,
    root,
    logLevel: 'silent',
    plugins: [plugin],
    server: { host: '127.0.0.1', port, strictPort: port !== 0 },
  });
  await server.listen();
  cleanups.push(
    () => rm(root, { recursive: true, force: true }),
    () => server.close(),
  );
  return server;
}

function client(url: string, reconnection = false): TestClient {
  const socket: TestClient = connectClient(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection,
  });
  cleanups.push(async () => socket.disconnect());
  return socket;
}

describe('the Vite plugin', () => {
  it("serves the signaling on Vite's own dev server", async () => {
    const server = await startVite(signaling());
    const alice = client(server.resolvedUrls?.local[0] ?? '');
    const created = once(alice, 'created');
    alice.emit('create or join', 'foo');
    expect((await created)[0]).toBe('foo');
  });

  it("keeps Vite's HMR websocket working on the same port", async () => {
    const server = await startVite(signaling());
    const url = (server.resolvedUrls?.local[0] ?? '').replace('http', 'ws');
    const hmr = new WebSocket(url, 'vite-hmr');
    cleanups.push(async () => hmr.close());
    const [data] = await once<[Buffer]>(hmr, 'message');
    expect(JSON.parse(data.toString())).toEqual({ type: 'connected' });
    expect(signalingApi(server).handle?.io.engine.opts).toMatchObject({ destroyUpgrade: false });
  });

  it('releases its state when Vite restarts, and clients re-join by themselves', async () => {
    const plugin = signaling();
    const port = await freePort();
    const server = await startVite(plugin, port);
    const before = plugin.api?.handle;
    const alice = client(`http://127.0.0.1:${port}`, true);
    alice.on('connect', () => alice.emit('create or join', 'foo'));
    await once(alice, 'created');
    expect(before?.rooms.members('foo')).toEqual([alice.id]);

    const rejoined = once(alice, 'created');
    await server.restart();
    await rejoined;
    expect(before?.rooms.size).toBe(0);
    expect(plugin.api?.handle).not.toBe(before);
    expect(plugin.api?.handle?.rooms.members('foo')).toEqual([alice.id]);
  });

  it("takes ROOM_CAPACITY in the app's own dev config, as the production command does", async () => {
    const before = process.env.ROOM_CAPACITY;
    process.env.ROOM_CAPACITY = '3';
    let server: ViteDevServer;
    try {
      server = await createServer({
        configFile: fileURLToPath(new URL('../../vite.config.ts', import.meta.url)),
        root: fileURLToPath(new URL('../..', import.meta.url)),
        logLevel: 'silent',
        server: { host: '127.0.0.1', port: 0 },
      });
    } finally {
      if (before === undefined) delete process.env.ROOM_CAPACITY;
      else process.env.ROOM_CAPACITY = before;
    }
    await server.listen();
    cleanups.push(() => server.close());
    const url = server.resolvedUrls?.local[0] ?? '';
    const [alice, bob, carol] = [client(url), client(url), client(url)];
    alice.emit('create or join', 'three');
    await once(alice, 'created');
    bob.emit('create or join', 'three');
    await once(bob, 'joined');
    const third = once<[string]>(carol, 'joined');
    carol.emit('create or join', 'three');
    expect((await third)[0]).toBe('three');
  });

  it('attaches to `vite preview` too', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'signaling-preview-'));
    await writeFile(join(outDir, 'index.html'), '<!doctype html><title>t</title>');
    const server = await preview({
      configFile: false,
      logLevel: 'silent',
      plugins: [signaling()],
      build: { outDir },
      preview: { host: '127.0.0.1', port: 0 },
    });
    cleanups.push(
      () => rm(outDir, { recursive: true, force: true }),
      () => server.close(),
    );
    const alice = client(server.resolvedUrls?.local[0] ?? '');
    const created = once(alice, 'created');
    alice.emit('create or join', 'foo');
    expect(await created).toEqual(['foo', alice.id]);
  });

  it('warns with the fix in middleware mode when it has no http server', async () => {
    const warnings: string[] = [];
    const logger = createLogger('silent');
    logger.warn = (message) => warnings.push(message);
    const server = await createServer({
      configFile: false,
      customLogger: logger,
      plugins: [signaling()],
      server: { middlewareMode: true },
    });
    cleanups.push(() => server.close());
    expect(warnings.join('\n')).toMatch(/middleware mode.*signaling\(\{ httpServer \}\)/s);
  });
});

/** Vite in middleware mode on an http server of the test's own, as an Express app would host it. */
async function startMiddlewareVite(plugin: Plugin<SignalingPluginApi>, hmrServer = false) {
  const httpServer = createHttpServer();
  const vite = await createServer({
    configFile: false,
    logLevel: 'silent',
    plugins: [plugin],
    server: { middlewareMode: true, hmr: hmrServer ? { server: httpServer } : false },
  });
  httpServer.on('request', (req, res) => vite.middlewares(req, res));
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () => new Promise((resolve) => httpServer.close(resolve)),
    () => vite.close(),
  );
  const { port } = httpServer.address() as { port: number };
  return { vite, httpServer, url: `http://127.0.0.1:${port}` };
}

describe('the Vite plugin in middleware mode', () => {
  it('attaches to the http server given as an option, and serves /healthz through Vite', async () => {
    const httpServer = createHttpServer();
    const plugin = signaling({ httpServer });
    const vite = await createServer({
      configFile: false,
      logLevel: 'silent',
      plugins: [plugin],
      server: { middlewareMode: true, hmr: false },
    });
    httpServer.on('request', (req, res) => vite.middlewares(req, res));
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () => new Promise((resolve) => httpServer.close(resolve)),
      () => vite.close(),
    );
    const url = `http://127.0.0.1:${(httpServer.address() as { port: number }).port}`;
    const alice = client(url);
    const created = once(alice, 'created');
    alice.emit('create or join', 'foo');
    expect(await created).toEqual(['foo', alice.id]);
    expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({ connections: 1 });
  });

  it("attaches to Vite's server.hmr.server, beside the HMR websocket", async () => {
    const { vite, url } = await startMiddlewareVite(signaling(), true);
    const alice = client(url);
    const created = once(alice, 'created');
    alice.emit('create or join', 'foo');
    expect((await created)[0]).toBe('foo');
    const hmr = new WebSocket(url.replace('http', 'ws'), 'vite-hmr');
    cleanups.push(async () => hmr.close());
    const [data] = await once<[Buffer]>(hmr, 'message');
    expect(JSON.parse(data.toString())).toEqual({ type: 'connected' });
    expect(signalingApi(vite).handle?.rooms.members('foo')).toEqual([alice.id]);
  });

  it('closes the old attach on a restart, and clients re-join the new one over websocket', async () => {
    const plugin = signaling();
    const { vite, url } = await startMiddlewareVite(plugin, true);
    const before = plugin.api?.handle;
    const alice = client(url, true);
    alice.on('connect', () => alice.emit('create or join', 'foo'));
    await once(alice, 'created');

    const rejoined = once(alice, 'created');
    await vite.restart();
    await rejoined;
    expect(plugin.api?.handle).not.toBe(before);
    expect(before?.rooms.size).toBe(0);
    expect(plugin.api?.handle?.rooms.members('foo')).toEqual([alice.id]);
    expect(alice.io.engine.transport.name).toBe('websocket');
  });

  it('lets go of the http server when Vite closes, leaving it as it found it', async () => {
    const httpServer = createHttpServer();
    const own = () => undefined;
    httpServer.on('request', own);
    const vite = await createServer({
      configFile: false,
      logLevel: 'silent',
      plugins: [signaling({ httpServer })],
      server: { middlewareMode: true, hmr: false },
    });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => httpServer.close(resolve)));
    const alice = client(`http://127.0.0.1:${(httpServer.address() as { port: number }).port}`);
    await once(alice, 'connect');
    const gone = once(alice, 'disconnect');
    await vite.close();
    await gone;
    expect(httpServer.listeners('request')).toEqual([own]);
    expect(httpServer.listeners('upgrade')).toEqual([]);
  });
});

function signalingApi(server: ViteDevServer): SignalingPluginApi {
  const plugin = server.config.plugins.find((p) => p.name === 'webrtc-rooms:signaling');
  return plugin?.api as SignalingPluginApi;
}

/** A websocket handshake on `url` with the given headers: `open`, or `refused`. */
function handshake(url: string, headers: Record<string, string>): Promise<'open' | 'refused'> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}socket.io/?EIO=4&transport=websocket`, {
      headers,
    });
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', () => {
      ws.terminate();
      resolve('refused');
    });
    ws.once('error', () => undefined);
  });
}

describe('the Vite plugin, hardened', () => {
  it('keeps a seat across a dropped network, with the codelab argument lists intact', async () => {
    const server = await startVite(signaling());
    const url = server.resolvedUrls?.local[0] ?? '';
    const alice = client(url);
    await once(alice, 'connect');
    const created = once(alice, 'created');
    alice.emit('create or join', 'foo');
    expect(await created).toEqual(['foo', alice.id]);
    const bob = client(url);
    await once(bob, 'connect');
    const ready = once(alice, 'ready');
    bob.emit('create or join', 'foo');
    expect(await ready).toEqual([]);

    const away = once(bob, 'peer:reconnecting');
    const gone = once(alice, 'disconnect');
    alice.io.engine.close();
    await gone;
    expect(await away).toEqual(['foo']);
    const back = once(bob, 'peer:reconnected');
    const connected = once(alice, 'connect');
    alice.connect();
    await connected;
    expect(alice.recovered).toBe(true);
    expect(await back).toEqual(['foo']);
  });

  it('serves /healthz and /metrics from the dev server', async () => {
    const server = await startVite(signaling());
    const url = server.resolvedUrls?.local[0] ?? '';
    expect(await (await fetch(`${url}healthz`)).json()).toMatchObject({ status: 'ok' });
    expect(await (await fetch(`${url}metrics`)).text()).toContain('signaling_connections');
  });

  it("refuses a handshake from a host or origin Vite does not allow, before Vite's own check", async () => {
    const server = await startVite(signaling());
    const url = server.resolvedUrls?.local[0] ?? '';
    expect(await handshake(url, { Host: 'rebind.example' })).toBe('refused');
    expect(await handshake(url, { Origin: 'http://evil.example' })).toBe('refused');
    expect(await handshake(url, {})).toBe('open');
  });

  it("allows the hosts of Vite's server.allowedHosts", async () => {
    const plugin = signaling();
    const root = await mkdtemp(join(tmpdir(), 'signaling-vite-'));
    const server = await createServer({
      configFile: false,
      root,
      logLevel: 'silent',
      plugins: [plugin],
      server: { host: '127.0.0.1', port: 0, allowedHosts: ['rooms.example'] },
    });
    await server.listen();
    cleanups.push(
      () => rm(root, { recursive: true, force: true }),
      () => server.close(),
    );
    const url = server.resolvedUrls?.local[0] ?? '';
    expect(await handshake(url, { Host: 'rooms.example' })).toBe('open');
    expect(await handshake(url, { Host: 'other.example' })).toBe('refused');
  });
});
