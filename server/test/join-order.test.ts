import type { Namespace } from 'socket.io';
import type { Adapter } from 'socket.io-adapter';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RoomMembers } from '../protocol/index.ts';
import { once, record, type TestClient } from './helpers.ts';
import {
  type AdapterOption,
  connectTo,
  type RedisChild,
  type SignalingNode,
  startRedis,
  startSignalingNode,
  stop,
  stopSignalingNode,
} from './redis-helpers.ts';

// A newcomer on one process, a member on another who relays to it the moment it hears of it.
// Through Redis, a broadcast reaches its sender's own sockets only once Redis has answered the
// publish, while the other processes hear it at once: if that answer comes late (a busy
// connection, a busy process), the member's offer can overtake the newcomer's own member list
// (a group) or `ready` (a pair), and a client that drops such a relay never calls. Here the
// answers to B's publishes come 50 ms late, and the newcomer must still hear its seat's news
// first, every time.

const LATE_MS = 50;
const ROUNDS = 20;
const quiet = { warn: () => {}, error: () => {} };

let redis: RedisChild;
let clients: TestClient[] = [];
let nodes: SignalingNode[] = [];

/** The answers to this process's publishes arrive `LATE_MS` late; the publishes do not. */
function lateAnswers(made: AdapterOption): AdapterOption {
  // connectRedis's adapter is a factory (relayAdapter), not a class.
  const factory = made as unknown as (nsp: Namespace) => Adapter;
  // Socket.IO calls it with `new`: a function, not an arrow.
  return function LateAnswers(nsp: Namespace) {
    const adapter = factory(nsp);
    const internals = adapter as unknown as { doPublish(message: unknown): Promise<string> };
    const publish = internals.doPublish.bind(internals);
    internals.doPublish = async (message) => {
      const offset = await publish(message);
      await new Promise((resolve) => setTimeout(resolve, LATE_MS));
      return offset;
    };
    return adapter;
  };
}

/** A on time, B with late answers, both with rooms of `capacity`. */
async function startNodes(capacity: number): Promise<[SignalingNode, SignalingNode]> {
  const options = { capacity, logger: quiet };
  const attach = { clientLog: false, logger: quiet };
  nodes = await Promise.all([
    startSignalingNode(redis.url, options, attach),
    startSignalingNode(redis.url, options, attach, lateAnswers),
  ]);
  return nodes as [SignalingNode, SignalingNode];
}

beforeAll(async () => {
  redis = await startRedis();
}, 30_000);
afterAll(async () => {
  if (redis) await stop(redis.child);
});
afterEach(async () => {
  for (const client of clients) client.disconnect();
  clients = [];
  await Promise.all(nodes.map((node) => stopSignalingNode(node)));
  nodes = [];
});

/**
 * Seats `first` then `newcomer` in `room`; resolves with the names of the events the newcomer
 * heard, in order, up to its `room:update` (its seat's last news) and `relayed`.
 */
async function join(
  first: TestClient,
  newcomer: TestClient,
  room: string,
  relayed: 'signal' | 'message',
): Promise<string[]> {
  const created = once(first, 'created');
  first.emit('create or join', room);
  await created;
  const heard = record(newcomer, { all: true });
  const counted = new Promise<void>((resolve) =>
    newcomer.on('room:update', ({ members }) => members === 2 && resolve()),
  );
  const offered = once(newcomer, relayed);
  newcomer.emit('create or join', room);
  await Promise.all([counted, offered]);
  return heard.map(([name]) => name as string);
}

describe('a newcomer on a process whose Redis answers come late', () => {
  it(`hears the member list before an offer sent the moment its peer hears of it (${ROUNDS} rounds)`, async () => {
    const [a, b] = await startNodes(4);
    for (let round = 0; round < ROUNDS; round++) {
      const room = `group-${round}`;
      const alice = await connectTo(a.url, clients);
      const newcomer = await connectTo(b.url, clients);
      alice.on('room:members', ({ members }: RoomMembers) => {
        const other = members.find((id) => id !== alice.id);
        if (other) alice.emit('signal', { to: other, data: { type: 'offer', sdp: `${round}` } });
      });
      const names = await join(alice, newcomer, room, 'signal');
      expect(names.indexOf('room:members'), names.join()).toBeGreaterThanOrEqual(0);
      expect(names.indexOf('room:members'), names.join()).toBeLessThan(names.indexOf('signal'));
      // The codelab's `join` is for the members already there, never the newcomer.
      expect(names, names.join()).not.toContain('join');
    }
  }, 30_000);

  it(`hears ready before an offer sent the moment its peer hears ready, in a pair (${ROUNDS} rounds)`, async () => {
    const [a, b] = await startNodes(2);
    for (let round = 0; round < ROUNDS; round++) {
      const room = `pair-${round}`;
      const alice = await connectTo(a.url, clients);
      const bob = await connectTo(b.url, clients);
      alice.on('ready', () => alice.emit('message', { type: 'offer', sdp: `${round}` }));
      const names = await join(alice, bob, room, 'message');
      expect(names.indexOf('ready'), names.join()).toBeGreaterThanOrEqual(0);
      expect(names.indexOf('ready'), names.join()).toBeLessThan(names.indexOf('message'));
      expect(names, names.join()).not.toContain('join');
    }
  }, 30_000);
});
