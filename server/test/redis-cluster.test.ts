import { createCluster } from '@redis/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { once, type TestClient } from './helpers.ts';
import {
  ask,
  connectTo,
  type RedisClusterChild,
  type SignalingNode,
  startRedisCluster,
  startSignalingNode,
  stopSignalingNode,
} from './redis-helpers.ts';

// The same seat scripts and the sharded adapter on a real 3-master Redis Cluster, started here:
// two signaling servers in this process, each with its own cluster connections.

let cluster: RedisClusterChild;
let admin: ReturnType<typeof createCluster>;
let a: SignalingNode;
let b: SignalingNode;
let clients: TestClient[] = [];

async function startNode(): Promise<SignalingNode> {
  // A long TTL: this test is not about sweeping, and one busy test process starves both servers.
  return startSignalingNode(
    cluster.urls,
    { cluster: true, ttlMs: 15_000, logger: quiet },
    // 180 tabs from one address; the default cap is 20 per address.
    { access: { maxConnectionsPerAddress: 1000 } },
  );
}

const quiet = { warn: () => {}, error: (...args: unknown[]) => console.error(...args) };

beforeAll(async () => {
  cluster = await startRedisCluster();
  admin = createCluster({ rootNodes: cluster.nodes.map((node) => ({ url: node.url })) });
  await admin.connect();
  [a, b] = await Promise.all([startNode(), startNode()]);
}, 60_000);

afterAll(async () => {
  await Promise.all([stopSignalingNode(a), stopSignalingNode(b)]);
  await admin?.close();
  await cluster?.stop();
});

afterEach(() => {
  for (const client of clients) client.disconnect();
  clients = [];
});

describe('two signaling servers on a 3-master Redis Cluster', () => {
  it('gives exactly two seats in each of 60 rooms, spread over the masters, raced from both servers', async () => {
    const rooms = Array.from({ length: 60 }, (_, index) => `cluster-${index}`);
    const joiners = await Promise.all(
      rooms.flatMap((room, index) =>
        [0, 1, 2].map(async (seat) => ({
          room,
          client: await connectTo((index + seat) % 2 === 0 ? a.url : b.url, clients),
        })),
      ),
    );
    const answers = await Promise.all(joiners.map(({ client, room }) => ask(client, room)));
    const byRoom = new Map<string, string[]>();
    answers.forEach((answer, index) => {
      const room = joiners[index]?.room as string;
      byRoom.set(room, [...(byRoom.get(room) ?? []), answer]);
    });
    const slots = new Set<number>();
    for (const room of rooms) {
      expect(byRoom.get(room)?.sort(), room).toEqual(['created', 'full', 'joined']);
      const key = `signaling:room:{${room}}`;
      await expect.poll(() => admin.hLen(key), { timeout: 5000 }).toBe(2);
      slots.add(Number(await admin.sendCommand(key, true, ['CLUSTER', 'KEYSLOT', key])));
    }
    // 60 rooms hash to many slots: the seats really live on all three masters.
    expect(slots.size).toBeGreaterThan(30);
  }, 40_000);

  it('relays across servers and within one, and frees a seat on bye', async () => {
    const alice = await connectTo(a.url, clients);
    const bob = await connectTo(b.url, clients);
    expect(await ask(alice, 'split')).toBe('created');
    const ready = once(alice, 'ready');
    expect(await ask(bob, 'split')).toBe('joined');
    await ready;
    const atBob = once(bob, 'message');
    alice.emit('message', { type: 'offer', sdp: 'v=0' });
    expect(await atBob).toEqual([{ type: 'offer', sdp: 'v=0' }]);
    const atAlice = once(alice, 'message');
    bob.emit('message', 'got it');
    expect(await atAlice).toEqual(['got it']);

    const carol = await connectTo(a.url, clients);
    const dave = await connectTo(a.url, clients);
    expect(await ask(carol, 'together')).toBe('created');
    expect(await ask(dave, 'together')).toBe('joined');
    // Local once A's subscription to the room's channel is confirmed (a join elsewhere before
    // then would go unheard), which may be a moment after the answer.
    await expect.poll(() => a.redis.rooms.isLocal('together')).toBe(true);
    expect(a.redis.rooms.isLocal('split')).toBe(false);
    const atCarol = once(carol, 'message');
    dave.emit('message', 'same process');
    expect(await atCarol).toEqual(['same process']);

    const bye = once(alice, 'bye');
    bob.emit('bye', 'split');
    expect(await bye).toEqual(['split']);
    expect(await admin.hKeys('signaling:room:{split}')).toEqual([alice.id]);
  });
});
