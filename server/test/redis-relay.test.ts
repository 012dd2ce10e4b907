import { createClient } from '@redis/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SignalingError } from '../protocol/index.ts';
import { once, type TestClient } from './helpers.ts';
import {
  ask,
  connectTo,
  type RedisChild,
  type SignalingNode,
  startRedis,
  startSignalingNode,
  stop,
  stopSignalingNode,
} from './redis-helpers.ts';

// No silent loss: a relay between two processes that Redis does not take in time, or that
// finds too many publishes already waiting, is reported to its sender. Two signaling servers in
// this process on one real redis-server, with a short command timeout and a small cap.

let redis: RedisChild;
let admin: ReturnType<typeof createClient>;
let a: SignalingNode;
let b: SignalingNode;
let clients: TestClient[] = [];

const quiet = { warn: () => {}, error: () => {} };

function startNode(): Promise<SignalingNode> {
  return startSignalingNode(
    redis.url,
    // This test pauses Redis for longer than the default TTL: it is not about sweeping.
    { commandTimeoutMs: 400, maxInFlight: 2, ttlMs: 30_000, logger: quiet },
    { logger: quiet },
  );
}

beforeAll(async () => {
  redis = await startRedis();
  admin = createClient({ url: redis.url });
  await admin.connect();
  [a, b] = await Promise.all([startNode(), startNode()]);
}, 30_000);

afterAll(async () => {
  await Promise.all([stopSignalingNode(a), stopSignalingNode(b)]);
  await admin?.close();
  if (redis) await stop(redis.child);
});

afterEach(async () => {
  await admin.sendCommand(['CLIENT', 'UNPAUSE']);
  for (const client of clients) client.disconnect();
  clients = [];
});

/** Alice on A and Bob on B in `room`, both told `ready`. */
async function splitPair(room: string): Promise<{ alice: TestClient; bob: TestClient }> {
  const alice = await connectTo(a.url, clients);
  const bob = await connectTo(b.url, clients);
  expect(await ask(alice, room)).toBe('created');
  const ready = once(alice, 'ready');
  expect(await ask(bob, room)).toBe('joined');
  await ready;
  return { alice, bob };
}

/** Relays one message from `from` to `to` and waits for it. */
async function relay(from: TestClient, to: TestClient, text: string): Promise<void> {
  const heard = once(to, 'message');
  from.emit('message', text);
  expect(await heard).toEqual([text]);
}

describe('a relay across processes that Redis does not take', () => {
  it('is reported to its sender as relay-failed when Redis does not answer in time', async () => {
    const { alice, bob } = await splitPair('stalled');
    await relay(alice, bob, 'before');
    await admin.sendCommand(['CLIENT', 'PAUSE', '3000', 'ALL']);
    const failed = once<[SignalingError]>(alice, 'signaling:error');
    alice.emit('message', 'during');
    const [error] = await failed;
    expect(error).toMatchObject({ event: 'message', code: 'relay-failed' });
    expect(error.message).toMatch(/did not answer in time.*send it again/);
    await admin.sendCommand(['CLIENT', 'UNPAUSE']);
    // The late one may still arrive once Redis answers; what counts is the next one does.
    const heard: unknown[] = [];
    bob.on('message', (text) => heard.push(text));
    alice.emit('message', 'after');
    await expect.poll(() => heard.includes('after'), { timeout: 10_000 }).toBe(true);
  }, 20_000);

  it('is refused at once, as relay-failed, past the publishes already waiting', async () => {
    const { alice, bob } = await splitPair('crowded');
    await relay(bob, alice, 'before');
    await admin.sendCommand(['CLIENT', 'PAUSE', '3000', 'ALL']);
    const errors: SignalingError[] = [];
    alice.on('signaling:error', (error) => errors.push(error));
    // Two wait for Redis (the cap); the third finds them and is refused without waiting.
    for (const text of ['one', 'two', 'three']) alice.emit('message', text);
    await expect
      .poll(() => errors.some((error) => /too many relays waiting/.test(error.message)), {
        timeout: 2000,
      })
      .toBe(true);
    expect(errors.every((error) => error.code === 'relay-failed')).toBe(true);
  }, 20_000);
});
