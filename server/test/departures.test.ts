import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { once, record, startServer, type TestClient, type TestServer, waitFor } from './helpers.ts';
import {
  connectTo,
  type RedisChild,
  type SignalingNode,
  startRedis,
  startSignalingNode,
  stop,
  stopSignalingNode,
} from './redis-helpers.ts';

// One way to leave: however a member goes (bye, a closed tab, a held seat whose window ends, a
// held seat taken over by a reloaded tab), the others hear the same events, in rooms of two
// (the codelab's `bye`, as ever) and of four (`peer:left` and the list as well), on one
// process and across two on Redis. A dead process swept by the others: departures-fleet.test.ts.

type Store = 'memory' | 'redis';

/** Each test stops its servers, and the next test's sweep logs them gone. */
const quiet = { warn: () => {}, error: () => {} };

/** Servers for one test: one on the in-memory store, or two on one Redis. */
interface Rig {
  /** Connects client number `index`; on Redis, even ones to the first server, odd to the second. */
  connect(index: number): Promise<TestClient>;
  close(): Promise<void>;
}

let redis: RedisChild;
let rig: Rig | undefined;

beforeAll(async () => {
  redis = await startRedis();
}, 30_000);
afterAll(async () => {
  if (redis) await stop(redis.child);
});
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function startRig(store: Store, capacity: number, recoveryWindowMs: number): Promise<Rig> {
  const attach = { clientLog: false, recoveryWindowMs, roomCapacity: capacity };
  if (store === 'memory') {
    const server: TestServer = await startServer(attach);
    rig = { connect: () => server.connect(), close: () => server.close() };
    return rig;
  }
  const clients: TestClient[] = [];
  const nodes: SignalingNode[] = await Promise.all(
    [0, 1].map(() =>
      startSignalingNode(redis.url, { capacity, logger: quiet }, { ...attach, logger: quiet }),
    ),
  );
  rig = {
    connect: (index) => connectTo((nodes[index % 2] as SignalingNode).url, clients),
    async close() {
      for (const client of clients) client.disconnect();
      await Promise.all(nodes.map((node) => stopSignalingNode(node)));
    },
  };
  return rig;
}

/** Seats `count` clients in `room`, one after the other; resolves once all heard the count. */
async function seatAll(room: string, count: number): Promise<TestClient[]> {
  const clients: TestClient[] = [];
  const counts = new Map<TestClient, number>();
  for (let index = 0; index < count; index++) {
    const client = await (rig as Rig).connect(index);
    client.on('room:update', (state) => counts.set(client, state.members));
    const seated = once(client, index === 0 ? 'created' : 'joined');
    client.emit('create or join', room);
    await seated;
    clients.push(client);
  }
  await waitFor(() => clients.every((client) => counts.get(client) === count), 'every seat told');
  return clients;
}

/** Kills `client`'s transport as a network failure would: its seat is held. */
async function dropNetwork(client: TestClient): Promise<void> {
  const gone = once(client, 'disconnect');
  client.io.engine.close();
  await gone;
}

/** What the others of a room of `capacity` hear when `leaver` goes and `remaining` stay. */
function departureOf(room: string, capacity: number, leaver: string, remaining: string[]) {
  const count = ['room:update', { room, members: remaining.length, capacity }];
  if (capacity === 2) return [['bye', room], count];
  return [
    ['bye', room],
    ['peer:left', { room, id: leaver }],
    ['room:members', { room, members: remaining, capacity }],
    count,
  ];
}

/** The events heard up to the first `room:update`, once every recording has one. */
async function untilCount(recordings: unknown[][][]): Promise<unknown[][][]> {
  const upTo = (events: unknown[][]) => events.findIndex(([name]) => name === 'room:update');
  await waitFor(() => recordings.every((events) => upTo(events) >= 0), 'the count', 8000);
  return recordings.map((events) => events.slice(0, upTo(events) + 1));
}

/** How each path makes a member leave; resolves once the others may be recorded. */
const PATHS = {
  bye: { windowMs: 0, go: async (leaver: TestClient) => void leaver.emit('bye') },
  'a closed tab': { windowMs: 5000, go: async (leaver: TestClient) => void leaver.disconnect() },
  'a held seat whose window ends': { windowMs: 300, go: dropNetwork },
  'a held seat taken over by a reload': { windowMs: 5000, go: dropNetwork },
} as const;

describe.each<Store>(['memory', 'redis'])('a departure, on the %s store', (store) => {
  describe.each([2, 4])('in a room of %i', (capacity) => {
    for (const [path, { windowMs, go }] of Object.entries(PATHS)) {
      it(`tells the others the same after ${path}`, async () => {
        await startRig(store, capacity, windowMs);
        const room = `${store}-${capacity}-${path.replaceAll(' ', '-')}`;
        const seated = await seatAll(room, capacity);
        const leaver = seated[1] as TestClient;
        const leaverId = leaver.id as string;
        const others = seated.filter((client) => client !== leaver);
        const held = windowMs > 0 && go === dropNetwork;
        const noticed = held ? others.map((client) => once(client, 'peer:reconnecting')) : [];
        await go(leaver);
        await Promise.all(noticed);
        const heard = others.map((client) => record(client, { all: true }));
        if (path === 'a held seat taken over by a reload') {
          const reload = await (rig as Rig).connect(1);
          reload.emit('create or join', room);
          await once(reload, 'joined');
        }
        const ids = others.map((client) => client.id as string);
        const expected = departureOf(room, capacity, leaverId, ids);
        expect(await untilCount(heard)).toEqual(others.map(() => expected));
      });
    }
  });
});
