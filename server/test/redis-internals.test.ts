import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { once, type TestClient } from './helpers.ts';
import {
  connectTo,
  type RedisChild,
  type SignalingNode,
  startRedis,
  startSignalingNode,
  stop,
  stopSignalingNode,
} from './redis-helpers.ts';

// server/stores/redis/adapter.ts reaches inside Socket.IO's sharded Redis adapter and
// Socket.IO's client: an event to a room crosses Redis as the frame Socket.IO's encoder made,
// and is written to each recipient's engine connection as pre-encoded. Those packages are
// pinned in package.json; this test fails if an upgrade moves what the adapter relies on, so
// the upgrade is made on purpose, with the adapter checked, rather than found in production.

let redis: RedisChild;
let node: SignalingNode;
let other: SignalingNode;
const clients: TestClient[] = [];
const quiet = { logger: { warn: () => {}, error: () => {} } };

beforeAll(async () => {
  redis = await startRedis();
  node = await startSignalingNode(redis.url, quiet);
  other = await startSignalingNode(redis.url, quiet);
});

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await stopSignalingNode(node);
  await stopSignalingNode(other);
  if (redis) await stop(redis.child);
});

const manifest = (name: string) =>
  JSON.parse(
    readFileSync(new URL(`../../node_modules/${name}/package.json`, import.meta.url), 'utf8'),
  ) as { version: string };
const declared = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as { dependencies: Record<string, string> };

describe('what the Redis adapter relies on inside Socket.IO', () => {
  it('runs on the versions package.json pins exactly', () => {
    for (const name of ['@socket.io/redis-adapter', 'socket.io-adapter']) {
      expect(declared.dependencies[name], name).toMatch(/^\d+\.\d+\.\d+$/);
      expect(manifest(name).version, name).toBe(declared.dependencies[name]);
    }
  });

  it("finds the sharded adapter's internals it overrides or calls, and the client's writer", async () => {
    const client = await connectTo(node.url, clients);
    const nsp = node.handle.io.of('/');
    const adapter = nsp.adapter as unknown as Record<string, unknown>;
    for (const name of [
      'onMessage',
      'doPublish',
      'addOffsetIfNecessary',
      'persistSession',
      'restoreSession',
      'onRawMessage',
      'dynamicChannel',
      'shouldUseASeparateNamespace',
    ]) {
      expect(typeof adapter[name], name).toBe('function');
    }
    expect(typeof adapter.uid).toBe('string');
    expect(adapter.rooms).toBeInstanceOf(Map);
    expect((adapter.dynamicChannel as (room: string) => string)('room:x')).toMatch(/room:x#$/);
    const socket = nsp.sockets.get(client.id ?? '');
    const engine = socket?.client as unknown as Record<string, unknown>;
    expect(typeof engine.writeToEngine).toBe('function');
  });

  it('sends events across processes as the frames Socket.IO encodes, their names first', async () => {
    // The receiving process reads an event's name off its frame, without parsing it.
    const encoder = node.handle.io.encoder as { encode(packet: unknown): unknown[] };
    const frames = encoder.encode({ type: 2, nsp: '/', data: ['message', { x: 1 }] });
    expect(frames).toEqual(['2["message",{"x":1}]']);
    const a = await connectTo(node.url, clients);
    const b = await connectTo(other.url, clients);
    const ready = once(a, 'ready');
    a.emit('create or join', 'internals');
    await once(a, 'created');
    b.emit('create or join', 'internals');
    await once(b, 'joined');
    // `ready` reached A from B's process as a frame; the room is split, so it is not local.
    await ready;
    expect(node.redis.rooms.isLocal('internals')).toBe(false);
    const heard = once(a, 'message');
    b.emit('message', { x: 1, s: 'a "quoted" \n line' });
    expect(await heard).toEqual([{ x: 1, s: 'a "quoted" \n line' }]);
  });
});
