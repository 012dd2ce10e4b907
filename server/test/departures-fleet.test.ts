import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { once, record, type TestClient, waitFor } from './helpers.ts';
import { type ChildServer, productionServerEntry, spawnServer } from './process-helpers.ts';
import { ask, connectTo, type RedisChild, startRedis, stop } from './redis-helpers.ts';

// A process killed outright (SIGKILL) and never back: the survivors' process sweeps its seats
// once its heartbeat key expires (3 s, the default TTL; beats every second), and tells the
// members who stayed as it tells of any departure (see departures.test.ts).

/** The sweep: the TTL, a beat to notice, and slack for a loaded machine. */
const SWEEP_MS = 3000 + 1000;
const SLACK_MS = 4000;

let entry: string;
let redis: RedisChild;
let clients: TestClient[] = [];
const processes: ChildServer[] = [];

/** A production process on the test's Redis, with rooms of `capacity`. */
async function startProcess(capacity: number): Promise<ChildServer> {
  const server = await spawnServer(entry, {
    REDIS_URL: redis.url,
    ROOM_CAPACITY: String(capacity),
    MAX_CONNECTIONS_PER_ADDRESS: '1000',
  });
  processes.push(server);
  return server;
}

beforeAll(async () => {
  entry = productionServerEntry();
  redis = await startRedis();
}, 60_000);
afterAll(async () => {
  if (redis) await stop(redis.child);
});
// Each test's processes go with it: a process of rooms of four left running would sweep the
// next test's dead process and tell its room of two as a room of four.
afterEach(async () => {
  for (const client of clients) client.disconnect();
  clients = [];
  await Promise.all(processes.splice(0).map((server) => stop(server.process, 'SIGKILL')));
});

/** Seats `members` in `room` in order; resolves once every one of them heard the full count. */
async function seatAll(members: TestClient[], room: string): Promise<void> {
  const counted = members.map(
    (client) =>
      new Promise<void>((resolve) =>
        client.on('room:update', ({ members: count }) => count === members.length && resolve()),
      ),
  );
  for (const [index, client] of members.entries()) {
    expect(await ask(client, room)).toBe(index === 0 ? 'created' : 'joined');
  }
  await Promise.all(counted);
}

describe('a process killed outright, never back', () => {
  it('tells the two survivors of a group of four that both its members left, within the sweep', async () => {
    const [a, b] = await Promise.all([startProcess(4), startProcess(4)]);
    type Four = [TestClient, TestClient, TestClient, TestClient];
    const [a1, a2, b1, b2] = (await Promise.all(
      [a, a, b, b].map((server) => connectTo(server.url, clients)),
    )) as Four;
    const room = 'four';
    await seatAll([a1, b1, a2, b2], room);
    const survivors = [a1, a2];
    const heard = survivors.map((client) => record(client, { all: true }));
    const lost = [b1, b2].map((client) => client.id as string);
    const left = (events: unknown[][]) => events.filter(([name]) => name === 'peer:left').length;
    const killed = performance.now();
    await stop(b.process, 'SIGKILL');
    await waitFor(
      () => heard.every((events) => left(events) === 2 && events.at(-1)?.[0] === 'room:update'),
      'both departures told',
      SWEEP_MS + SLACK_MS + 4000,
    );
    const elapsed = performance.now() - killed;
    console.log(`[test] SIGKILL to both departures told: ${Math.round(elapsed)} ms`);
    expect(elapsed).toBeLessThan(SWEEP_MS + SLACK_MS);
    const remaining = survivors.map((client) => client.id as string);
    for (const events of heard) {
      const gone = events
        .filter(([name]) => name === 'peer:left')
        .map(([, left]) => (left as { id: string }).id);
      expect([...gone].sort()).toEqual([...lost].sort());
      // The same four events for each, in that order: what any departure tells a group.
      expect(events).toEqual(
        gone.flatMap((id) => [
          ['bye', room],
          ['peer:left', { room, id }],
          ['room:members', { room, members: remaining, capacity: 4 }],
          ['room:update', { room, members: 2, capacity: 4 }],
        ]),
      );
    }
    // Their own pair carries on.
    const atA2 = once(a2, 'signal');
    a1.emit('signal', { to: a2.id as string, data: 'still here' });
    expect(await atA2).toEqual([{ from: a1.id, data: 'still here' }]);
  }, 60_000);

  it('tells the member who stayed in a room of two bye and the count, as any departure', async () => {
    const [a, b] = await Promise.all([startProcess(2), startProcess(2)]);
    const alice = await connectTo(a.url, clients);
    const bob = await connectTo(b.url, clients);
    await seatAll([alice, bob], 'two');
    const heard = record(alice, { all: true });
    await stop(b.process, 'SIGKILL');
    await waitFor(() => heard.length === 2, 'the departure told', SWEEP_MS + SLACK_MS + 4000);
    expect(heard).toEqual([
      ['bye', 'two'],
      ['room:update', { room: 'two', members: 1, capacity: 2 }],
    ]);
  }, 60_000);
});
