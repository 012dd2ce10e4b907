import { afterEach, describe, expect, it } from 'vitest';
import type { MemoryRooms, SignalingOptions } from '../index.ts';
import { connectPolling, eventPacket, parseEvent, RawPolling } from './conformance-client.ts';
import { metricValue, once, startServer, type TestServer, waitFor } from './helpers.ts';

// The gates every way into a seat passes, tried with raw Engine.IO packets over polling as an
// attacker would send them: one socket per connection, a re-CONNECT that costs a handshake,
// one rate-limited answer per window, and a bounded outbound buffer.

let server: TestServer;
let opened = 0;
const raws: RawPolling[] = [];

async function start(options: SignalingOptions<MemoryRooms> = {}): Promise<void> {
  server = await startServer({ clientLog: false, exposeAddresses: false, ...options });
  opened = 0;
  server.handle.io.on('connection', () => opened++);
}

/** A raw polling session that has joined the main namespace. */
async function polling(): Promise<RawPolling> {
  const { client } = await connectPolling(server.url);
  raws.push(client);
  return client;
}

/** Whether the server still knows the polling session (a GET of a closed one is refused). */
async function stillOpen(session: RawPolling): Promise<boolean> {
  const response = await session.get(200);
  // Status 0: the long-poll is still waiting after 200 ms, so the session lives.
  return response.status === 0 || response.status === 200;
}

const engineConnections = () => server.handle.io.engine.clientsCount;

afterEach(async () => {
  for (const raw of raws.splice(0)) await raw.close();
  await server.close();
});

describe('one Socket.IO socket per engine.io connection', () => {
  it('closes a connection that sends CONNECT 500 times in one POST, opening no socket', async () => {
    await start();
    const { session } = await RawPolling.open(server.url);
    raws.push(session);
    await session.post(...Array<string>(500).fill('40'));
    await waitFor(() => engineConnections() === 0, 'the connection to be closed');
    expect(opened).toBe(0);
    expect(server.handle.io.of('/').sockets.size).toBe(0);
    expect(
      await metricValue(server.handle, 'signaling_rejections_total', { reason: 'second-connect' }),
    ).toBe(1);
  });

  it('closes a connection that ends its socket with 41, then sends fifty CONNECTs at once', async () => {
    await start();
    const session = await polling();
    expect(opened).toBe(1);
    // Apart: Socket.IO acts on a `41` a tick later, and a CONNECT it meets before closes the
    // connection itself.
    await session.post('41');
    await waitFor(() => server.handle.io.of('/').sockets.size === 0, 'the socket to end');
    await session.post(...Array<string>(50).fill('40'));
    await waitFor(() => engineConnections() === 0, 'the connection to be closed');
    expect(opened).toBe(1);
    expect(server.handle.io.of('/').sockets.size).toBe(0);
  });

  it('charges each 41-then-40 cycle a handshake, and closes the connection when none is left', async () => {
    await start({ access: { handshakes: { burst: 3, perSecond: 0.001 } } });
    const session = await polling();
    const cycle = async () => {
      await session.post('41');
      await waitFor(() => server.handle.io.of('/').sockets.size === 0, 'the socket to end');
      await session.post('40');
    };
    for (let round = 0; round < 2; round++) {
      await cycle();
      await session.nextMatching(
        (packet) => String(packet).startsWith('40{'),
        'the CONNECT answer',
      );
    }
    expect(opened).toBe(3);
    await cycle();
    await waitFor(() => engineConnections() === 0, 'the connection to be closed');
    expect(opened).toBe(3);
    expect(
      await metricValue(server.handle, 'signaling_rejections_total', {
        reason: 'too-many-handshakes',
      }),
    ).toBe(1);
  });

  it('still lets a codelab client disconnect and connect again on a new connection', async () => {
    await start();
    const alice = await server.connect();
    alice.disconnect();
    alice.connect();
    await once(alice, 'connect');
    expect(server.handle.io.of('/').sockets.size).toBe(1);
  });
});

describe('answers to a client that never reads', () => {
  it('queues one rate-limited answer per window for a polling flood of 50,000 bye, not one per request', async () => {
    await start();
    const session = await polling();
    for (let round = 0; round < 5; round++) {
      await session.post(...Array<string>(10_000).fill(eventPacket('bye')));
    }
    const queued = await session.poll();
    const refusals = queued.map(parseEvent).filter((event) => event?.[0] === 'signaling:error');
    const codes = refusals.map((event) => (event?.[1] as { code: string }).code);
    // The join bucket's burst (10) is answered not-in-room; the rest of the flood is refused
    // rate-limited, told once (or twice, if the posts spanned a window).
    expect(codes.filter((code) => code === 'not-in-room').length).toBeGreaterThanOrEqual(10);
    expect(codes.filter((code) => code === 'not-in-room').length).toBeLessThan(20);
    expect(codes.filter((code) => code === 'rate-limited').length).toBeGreaterThanOrEqual(1);
    expect(codes.filter((code) => code === 'rate-limited').length).toBeLessThanOrEqual(10);
    expect(
      await metricValue(server.handle, 'signaling_rejections_total', { reason: 'rate-limited' }),
    ).toBeGreaterThan(49_900);
    expect(await stillOpen(session)).toBe(true);
  });

  it('closes a connection whose unsent answers pass the outbound bound', async () => {
    // Every `bye` answered (a burst as large as the flood): about 120 characters each.
    await start({
      maxBufferedBytes: 100_000,
      rateLimits: { join: { burst: 20_000, perSecond: 1 } },
    });
    const session = await polling();
    await session.post(...Array<string>(10_000).fill(eventPacket('bye')));
    await waitFor(() => engineConnections() === 0, 'the connection to be closed');
    expect(await stillOpen(session)).toBe(false);
    expect(
      await metricValue(server.handle, 'signaling_rejections_total', { reason: 'outbound-buffer' }),
    ).toBe(1);
  });
});
