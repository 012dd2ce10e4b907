import { io as connectClient } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { SignalingLogger } from '../index.ts';
import type { SignalingError } from '../protocol/index.ts';
import { once, startServer, type TestClient, type TestServer } from './helpers.ts';
import { type ChildServer, productionServerEntry, spawnServer } from './process-helpers.ts';

describe('an exception in a handler', () => {
  let server: TestServer;
  const logged: unknown[][] = [];
  const logger: SignalingLogger = { warn: () => undefined, error: (...args) => logged.push(args) };
  afterEach(async () => {
    await server.close();
  });

  it('answers the sender with internal, logs it, and keeps every room going', async () => {
    server = await startServer({ clientLog: false, logger });
    const healthy = await server.pair('healthy');
    const rooms = server.handle.rooms;
    const join = rooms.join.bind(rooms);
    // Forces the failure a bug or a broken room store would cause, once.
    rooms.join = () => {
      rooms.join = join;
      throw new Error('room store is down');
    };
    const mallory = await server.connect();
    const error = once<[SignalingError]>(mallory, 'signaling:error');
    mallory.emit('create or join', 'doomed');
    expect((await error)[0]).toMatchObject({ event: 'create or join', code: 'internal' });
    expect(String(logged[0]?.[0])).toContain('[signaling] "create or join"');
    expect(server.handle.rooms.size).toBe(1);
    const atBob = once(healthy.bob, 'message');
    healthy.alice.emit('message', 'alive');
    expect(await atBob).toEqual(['alive']);
    const created = once(mallory, 'created');
    mallory.emit('create or join', 'doomed');
    expect(await created).toEqual(['doomed', mallory.id]);
  });
});

describe('draining', () => {
  let server: TestServer;
  afterEach(async () => {
    await server.close();
  });

  it('tells clients server:shutdown, then closes their transport so they reconnect', async () => {
    server = await startServer({ clientLog: false });
    const { alice } = await server.pair('foo');
    const shutdown = once(alice, 'server:shutdown');
    const gone = once<[string]>(alice, 'disconnect');
    await server.handle.drain();
    await shutdown;
    // socket.io-client reconnects by itself after a transport close, not after a server kick.
    expect((await gone)[0]).toBe('transport close');
  });

  it('answers /healthz with 503 while draining', async () => {
    server = await startServer({ clientLog: false });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await server.handle.drain();
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'draining' });
  });
});

describe('the production server process', () => {
  const entry = productionServerEntry();
  const children: ChildServer[] = [];
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    for (const child of children.splice(0)) {
      if (child.process.exitCode === null && child.process.signalCode === null) {
        child.process.kill('SIGKILL');
        await child.exited;
      }
    }
  });
  /** A client that re-asks for its room on every connect, as the browser client does. */
  function rejoiningClient(url: string, room: string): TestClient {
    const client: TestClient = connectClient(url, {
      transports: ['websocket'],
      forceNew: true,
      reconnectionDelay: 50,
      reconnectionDelayMax: 200,
      randomizationFactor: 0,
    });
    client.on('connect', () => client.emit('create or join', room));
    clients.push(client);
    return client;
  }

  it('says on which interfaces it listens, and the address to open', async () => {
    const everywhere = await spawnServer(entry, { HOST: '' });
    children.push(everywhere);
    expect(everywhere.output()).toMatch(
      /signaling on http:\/\/localhost:\d+\/ \(listening on all interfaces\)/,
    );
    const loopback = await spawnServer(entry);
    children.push(loopback);
    expect(loopback.output()).toMatch(/signaling on http:\/\/127\.0\.0\.1:\d+\/\n/);
  }, 30_000);

  it('drains on SIGTERM: clients are told, and the process exits 0 within a few seconds', async () => {
    const server = await spawnServer(entry);
    children.push(server);
    const alice = rejoiningClient(server.url, 'foo');
    const bob = rejoiningClient(server.url, 'foo');
    await Promise.all([once(alice, 'ready'), once(bob, 'ready')]);
    const told = Promise.all([once(alice, 'server:shutdown'), once(bob, 'server:shutdown')]);
    const started = Date.now();
    server.process.kill('SIGTERM');
    await told;
    expect(await server.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(server.output()).toContain('[signaling] drained');
  }, 15_000);

  it('sends clients back to their room by themselves after a kill and a restart', async () => {
    const first = await spawnServer(entry);
    children.push(first);
    const alice = rejoiningClient(first.url, 'foo');
    const bob = rejoiningClient(first.url, 'foo');
    await Promise.all([once(alice, 'ready'), once(bob, 'ready')]);
    const gone = Promise.all([once(alice, 'disconnect'), once(bob, 'disconnect')]);
    first.process.kill('SIGKILL');
    await first.exited;
    await gone;
    const readyAgain = Promise.all([once(alice, 'ready'), once(bob, 'ready')]);
    const second = await spawnServer(entry, { PORT: String(first.port) });
    children.push(second);
    await readyAgain;
    const health = await (await fetch(`${second.url}/healthz`)).json();
    expect(health).toEqual({ status: 'ok', connections: 2, rooms: 1 });
    const atBob = once(bob, 'message');
    alice.emit('message', { type: 'offer', sdp: 'after restart' });
    expect((await atBob)[0]).toEqual({ type: 'offer', sdp: 'after restart' });
  }, 20_000);
});
