import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { SizedDecoder } from '../core/sized-parser.ts';
import type { SignalingOptions } from '../index.ts';
import type { MemoryRooms } from '../stores/memory.ts';
import {
  metricValue,
  once,
  type RawSocketIo,
  rawSocketIo,
  startServer,
  type TestServer,
  waitFor,
} from './helpers.ts';
import {
  type RedisChild,
  type SignalingNode,
  startRedis,
  startSignalingNode,
  stop,
  stopSignalingNode,
} from './redis-helpers.ts';

// The relay's fast path (server/core/relay.ts): a `message` or `signal` leaves as the frame it
// arrived in, with every check of the handlers kept. What only the fast path does is visible on
// the wire: a payload written in JSON that is valid but not the way JSON.stringify writes it
// (`1.50`, `\u00e9`, a space) reaches the other member as written, where decoding and encoding
// again would have rewritten it. So these tests fail if the fast path stops being taken.

let server: TestServer;
const raws: RawSocketIo[] = [];

afterEach(async () => {
  for (const raw of raws.splice(0)) raw.ws.terminate();
  await server?.close();
});

async function start(options: SignalingOptions<MemoryRooms> = {}): Promise<void> {
  server = await startServer({ clientLog: false, ...options });
}

/** A raw Socket.IO client (every byte the test's own), and its socket id. */
async function raw(): Promise<RawSocketIo & { id: string; after: () => string[] }> {
  const client = await rawSocketIo(server.url);
  raws.push(client);
  const connect = client.frames.find((frame) => frame.startsWith('40{')) ?? '';
  const { sid } = JSON.parse(connect.slice(2)) as { sid: string };
  const seen = client.frames.length;
  return { ...client, id: sid, after: () => client.frames.slice(seen) };
}

type Raw = Awaited<ReturnType<typeof raw>>;

/** Seats `client` in `room`; resolves once it was told `created` or `joined`. */
async function seat(client: Raw, room: string): Promise<void> {
  const count = client.frames.length;
  client.ws.send(`42${JSON.stringify(['create or join', room])}`);
  await waitFor(
    () =>
      client.frames
        .slice(count)
        .some((frame) => frame.startsWith('42["created"') || frame.startsWith('42["joined"')),
    'a seat',
  );
}

/** Two raw members of `room`, both past `ready`. */
async function rawPair(room: string): Promise<[Raw, Raw]> {
  const alice = await raw();
  await seat(alice, room);
  const bob = await raw();
  await seat(bob, room);
  await waitFor(() => alice.frames.includes('42["ready"]'), 'ready');
  return [alice, bob];
}

/** The `signaling:error` frames `client` received since it connected, as `[event, code]`. */
function refusals(client: Raw): string[][] {
  return client
    .after()
    .filter((frame) => frame.startsWith('42["signaling:error"'))
    .map((frame) => {
      const [, error] = JSON.parse(frame.slice(2)) as [string, { event: string; code: string }];
      return [error.event, error.code];
    });
}

/** Sends `frames`, then a marker `message`, and resolves once `to` received the marker. */
async function sendThenMark(from: Raw, to: Raw, frames: string[]): Promise<string[]> {
  for (const frame of frames) from.ws.send(frame);
  const marker = '42["message","marker"]';
  from.ws.send(marker);
  await waitFor(() => to.frames.includes(marker), 'the marker');
  return to.after().filter((frame) => frame !== marker && frame.startsWith('42["message"'));
}

const candidate =
  '42["message",{"type":"candidate","label":0,"id":"0","candidate":"candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag sXP5 network-cost 999"}]';

describe('the relay passes a message on as the frame it arrived in', () => {
  it('gives the other member the very bytes its peer sent, written any valid way', async () => {
    await start();
    const [alice, bob] = await rawPair('bytes');
    const frames = [
      candidate,
      '42["message","got user media"]',
      // Valid JSON that JSON.stringify writes otherwise: the slow path would rewrite it.
      '42["message",{"sdp":"v=0\\r\\n\\u00e9 \\"q\\" ü","n":1.50,"e":1E3,"z":-0} ]',
      '42["message",[null,true,false,[],{}]]',
    ];
    expect(await sendThenMark(alice, bob, frames)).toEqual(frames);
    expect(alice.after().filter((frame) => frame.startsWith('42["message"'))).toEqual([]);
  });

  it('passes frames on as they are with recovery on, while no member is away', async () => {
    // With a member away the adapter keeps what it missed: recovery.test.ts replays it.
    await start({ recoveryWindowMs: 10_000 });
    const [alice, bob] = await rawPair('recovering');
    const frames = ['42["message",{"n":1.50}]'];
    expect(await sendThenMark(alice, bob, frames)).toEqual(frames);
  });

  it('gives a raw member what socket.io-client sent, byte for byte, and codelab clients their value', async () => {
    await start();
    const alice = await server.connect();
    const created = once(alice, 'created');
    alice.emit('create or join', 'mixed');
    await created;
    const bob = await raw();
    await seat(bob, 'mixed');
    const payload = { type: 'offer', sdp: 'v=0\r\no=- 4611 2 IN IP4 127.0.0.1\r\n', é: [1, 2.5] };
    alice.emit('message', payload);
    const expected = `42${JSON.stringify(['message', payload])}`;
    await waitFor(() => bob.frames.includes(expected), 'the exact frame');
    const heard = once(alice, 'message');
    bob.ws.send(expected);
    expect(await heard).toEqual([payload]);
  });

  it('keeps the checks: a seat, JSON, depth, size; what it cannot pass on goes the slow way', async () => {
    await start({ maxPayloadBytes: 200 });
    const [alice, bob] = await rawPair('checks');
    const outsider = await raw();
    outsider.ws.send('42["message",{"a":1}]');
    const deepest = `42["message",${'['.repeat(16)}${']'.repeat(16)}]`;
    const fits = `42["message","${'x'.repeat(198)}"]`;
    const passed = await sendThenMark(alice, bob, [
      `42["message",${'['.repeat(17)}${']'.repeat(17)}]`,
      deepest,
      `42["message","${'x'.repeat(199)}"]`,
      fits,
      // Arguments past the payload are dropped, as they always were: decoded, then relayed.
      '42["message",1,2]',
    ]);
    expect(passed).toEqual([deepest, fits, '42["message",1]']);
    expect(refusals(alice)).toEqual([
      ['message', 'invalid-payload'],
      ['message', 'invalid-payload'],
    ]);
    await waitFor(() => refusals(outsider).length > 0, 'the outsider refused');
    expect(refusals(outsider)).toEqual([['message', 'not-in-room']]);
    expect(outsider.after().some((frame) => frame.startsWith('42["message"'))).toBe(false);
  });

  it('answers an ack when asked, and relays the message too', async () => {
    await start();
    const [alice, bob] = await rawPair('acked');
    alice.ws.send('427["message",{"a":1.0}]');
    await waitFor(() => alice.frames.includes('437[{"data":null}]'), 'the ack');
    await waitFor(() => bob.frames.includes('42["message",{"a":1}]'), 'the relay');
  });

  it("keeps a sender's order when an acked message goes first (an offer, then its candidates)", async () => {
    await start();
    const [alice, bob] = await rawPair('order');
    // Socket.IO dispatches the acked one a tick later; the plain ones behind it must wait.
    const frames = ['421["message",1]', '42["message",2]', '42["message",3]', '422["message",4]'];
    for (const frame of frames) alice.ws.send(frame);
    alice.ws.send('42["message",5]');
    await waitFor(() => bob.frames.includes('42["message",5]'), 'the last');
    expect(bob.after().filter((frame) => frame.startsWith('42["message"'))).toEqual(
      [1, 2, 3, 4, 5].map((n) => `42["message",${n}]`),
    );
  });

  it('closes the connection that sends a malformed packet, and relays none of it', async () => {
    await start();
    const [alice, bob] = await rawPair('malformed');
    const closed = new Promise((resolve) => alice.ws.once('close', resolve));
    alice.ws.send('42["message",{"a":]');
    await closed;
    await waitFor(() => bob.frames.includes('42["bye","malformed"]'), 'bye');
    expect(bob.after().some((frame) => frame.startsWith('42["message"'))).toBe(false);
  });

  it('takes from the message and byte buckets, refusing past them', async () => {
    await start({
      maxPayloadBytes: 100,
      rateLimits: {
        message: { burst: 4, perSecond: 0 },
        messageBytes: { burst: 150, perSecond: 0 },
      },
    });
    const [alice, bob] = await rawPair('limits');
    const big = `42["message","${'y'.repeat(98)}"]`;
    // 100 bytes; 100 more, past the 150-byte burst: refused; two small ones empty the message
    // bucket (one token went to the refused one); then one too many. Each is handled in turn,
    // and `bye` after them reaches bob after whatever of them was relayed.
    for (const frame of [big, big, '42["message",1]', '42["message",2]', '42["message",3]']) {
      alice.ws.send(frame);
    }
    alice.ws.send('42["bye"]');
    await waitFor(() => bob.frames.includes('42["bye","limits"]'), 'bye');
    const relayed = bob.after().filter((frame) => frame.startsWith('42["message"'));
    expect(relayed).toEqual([big, '42["message",1]', '42["message",2]']);
    // A socket is told `rate-limited` once a second; the message bucket's refusal is dropped.
    expect(refusals(alice)).toEqual([['message', 'rate-limited']]);
  });
});

describe('the relay passes a signal on with its sender added', () => {
  it('gives the target alone its data as written, `from` set by the server', async () => {
    await start({ roomCapacity: 3 });
    const [alice, bob] = await rawPair('group');
    const carol = await raw();
    await seat(carol, 'group');
    const data = '{"type":"offer","sdp":"v=0\\r\\n\\u00e9","x":1.0}';
    alice.ws.send(`42["signal",{"to":"${bob.id}","data":${data}}]`);
    const expected = `42["signal",{"from":"${alice.id}","data":${data}}]`;
    await waitFor(() => bob.frames.includes(expected), 'the signal');
    alice.ws.send(`42["signal",{"to":"${carol.id}","data":"x"}]`);
    await waitFor(() => carol.frames.some((frame) => frame.startsWith('42["signal"')), 'carol');
    expect(carol.after().filter((frame) => frame.startsWith('42["signal"'))).toEqual([
      `42["signal",{"from":"${alice.id}","data":"x"}]`,
    ]);
  });

  it('refuses a signal to itself or outside its room, delivering nothing', async () => {
    await start({ roomCapacity: 3 });
    const [alice] = await rawPair('targets');
    const outsider = await raw();
    alice.ws.send(`42["signal",{"to":"${alice.id}","data":1}]`);
    alice.ws.send(`42["signal",{"to":"${outsider.id}","data":1}]`);
    await waitFor(() => refusals(alice).length === 2, 'two refusals');
    expect(refusals(alice)).toEqual([
      ['signal', 'invalid-target'],
      ['signal', 'invalid-target'],
    ]);
    expect(outsider.after().some((frame) => frame.startsWith('42["signal"'))).toBe(false);
  });
});

describe('the relay writes straight to the WebSocket', () => {
  /** The engine.io message packets made for `client`'s connection from now on (no heartbeat). */
  function packetsMadeFor(client: Raw): string[] {
    const made: string[] = [];
    const socket = server.handle.io.of('/').sockets.get(client.id);
    socket?.conn.on('packetCreate', (packet: { type: string; data?: unknown }) => {
      if (packet.type === 'message') made.push(String(packet.data));
    });
    return made;
  }

  it('writes a relayed message and signal as WebSocket frames, with no engine.io packet', async () => {
    await start();
    const [alice, bob] = await rawPair('direct');
    const made = packetsMadeFor(bob);
    const signal = `42["signal",{"to":"${bob.id}","data":{"n":1.50}}]`;
    const frames = await sendThenMark(alice, bob, [candidate, signal]);
    expect(frames).toEqual([candidate]);
    expect(bob.after()).toContain(`42["signal",{"from":"${alice.id}","data":{"n":1.50}}]`);
    // engine.io's own packet path would have made one packet per frame (frame-writer.ts).
    expect(made).toEqual([]);
  });

  it('still closes a member that stops reading, once what waits for it passes the bound', async () => {
    await start({
      maxBufferedBytes: 200_000,
      rateLimits: {
        message: { burst: 1_000_000, perSecond: 1_000_000 },
        messageBytes: { burst: 1e12, perSecond: 1e12 },
      },
    });
    const [alice, bob] = await rawPair('stalled');
    const bobConnection = server.handle.io.of('/').sockets.get(bob.id)?.conn;
    // Bob's client stops reading: the kernel's buffers fill, then the server's.
    (bob.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const offer = `42["message",{"sdp":"${'x'.repeat(8_000)}"}]`;
    const closed = new Promise((resolve) => bobConnection?.once('close', resolve));
    let sent = 0;
    // Bounded: 40,000 offers (320 MB) is far past any loopback buffer.
    while (bobConnection?.readyState === 'open' && sent < 40_000) {
      for (let index = 1; index < 100; index++) alice.ws.send(offer);
      await new Promise((resolve) => alice.ws.send(offer, resolve));
      sent += 100;
    }
    await closed;
    expect(
      await metricValue(server.handle, 'signaling_rejections_total', { reason: 'outbound-buffer' }),
    ).toBe(1);
  });
});

describe('what the fast relay relies on inside Socket.IO', () => {
  // relay.ts finds each connection's decoder as the private `decoder` of Socket.IO's `Client`.
  // Were it moved, every relay would quietly take the slow path: the byte tests above would
  // fail, and so does this one, which names the cause.
  // server/http/upgrade-response.ts reaches inside engine.io likewise (connection-memory.test.ts
  // checks what it relies on): both are pinned, and both must be what is installed.
  it.each(['socket.io', 'engine.io'])(
    'runs on the %s version package.json pins exactly',
    (name) => {
      const declared = JSON.parse(
        readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
      ) as { dependencies: Record<string, string> };
      const installed = JSON.parse(
        readFileSync(new URL(`../../node_modules/${name}/package.json`, import.meta.url), 'utf8'),
      ) as { version: string };
      expect(declared.dependencies[name]).toMatch(/^\d+\.\d+\.\d+$/);
      expect(installed.version).toBe(declared.dependencies[name]);
    },
  );

  it("finds the sized parser's decoder on each socket's client", async () => {
    await start();
    const client = await server.connect();
    const socket = server.handle.io.of('/').sockets.get(client.id ?? '');
    const { decoder } = socket?.client as unknown as { decoder?: unknown };
    expect(decoder).toBeInstanceOf(SizedDecoder);
  });
});

describe('the relay across processes on Redis', () => {
  let redis: RedisChild | undefined;
  const nodes: SignalingNode[] = [];

  afterEach(async () => {
    for (const client of raws.splice(0)) client.ws.terminate();
    for (const node of nodes.splice(0)) await stopSignalingNode(node);
    if (redis) await stop(redis.child);
    redis = undefined;
  });

  it('passes a message on as it arrived, in a room split across two processes and in one', async () => {
    redis = await startRedis();
    const quiet = { logger: { warn: () => {}, error: () => {} } };
    for (let index = 0; index < 2; index++) {
      nodes.push(await startSignalingNode(redis.url, quiet, { clientLog: false, ...quiet }));
    }
    const [a, b] = nodes as [SignalingNode, SignalingNode];
    const on = async (node: SignalingNode) => {
      const client = await rawSocketIo(node.url);
      raws.push(client);
      return client;
    };
    const joined = async (client: RawSocketIo, room: string, answer: string) => {
      client.ws.send(`42${JSON.stringify(['create or join', room])}`);
      await waitFor(
        () => client.frames.some((frame) => frame.startsWith(`42["${answer}"`)),
        answer,
      );
    };
    const split = [await on(a), await on(b)] as const;
    await joined(split[0], 'split', 'created');
    await joined(split[1], 'split', 'joined');
    await waitFor(() => split[0].frames.includes('42["ready"]'), 'ready across');
    expect(a.redis.rooms.isLocal('split')).toBe(false);
    const here = [await on(a), await on(a)] as const;
    await joined(here[0], 'here', 'created');
    await joined(here[1], 'here', 'joined');
    await waitFor(() => here[0].frames.includes('42["ready"]'), 'ready here');
    for (const [from, to] of [split, [split[1], split[0]], here]) {
      // Written otherwise than JSON.stringify would: decoding and encoding would rewrite it.
      const frame = `42["message",{"n":1.50,"s":"\\u00e9"} ]`;
      from?.ws.send(frame);
      await waitFor(() => to?.frames.includes(frame) ?? false, 'the frame as sent');
    }
  });
});
