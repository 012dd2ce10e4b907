import type { Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { checkIceOptions, iceServersFor, roomTag, turnCredential } from '../core/ice.ts';
import type { IceServer } from '../protocol/index.ts';
import { once, record, startServer, type TestClient, type TestServer } from './helpers.ts';

// Derived independently of this code with OpenSSL:
//   printf '%s' '1700000000:alice' | openssl dgst -sha1 -hmac 'north-wind' -binary | base64
const KNOWN = {
  secret: 'north-wind',
  username: '1700000000:alice',
  credential: 'Oko4dt8u/EbTRjRUJWQDFm/zTCc=',
};

describe('TURN REST credentials', () => {
  it('match an HMAC-SHA1 computed by OpenSSL for the same secret and username', () => {
    expect(turnCredential(KNOWN.secret, 'alice', 1_700_000_000)).toEqual({
      username: KNOWN.username,
      credential: KNOWN.credential,
    });
  });

  it('put whole seconds of expiry before the id', () => {
    expect(turnCredential('s', 'id', 1_700_000_000.9).username).toBe('1700000000:id');
  });

  it('change with the secret, so a client cannot mint its own', () => {
    expect(turnCredential('other', 'alice', 1_700_000_000).credential).not.toBe(KNOWN.credential);
  });
});

describe('iceServersFor', () => {
  it('is empty without configuration', () => {
    expect(iceServersFor({}, 'alice')).toEqual([]);
  });

  it('hands out STUN URLs and TURN URLs with a credential expiring ttl seconds from now', () => {
    const servers = iceServersFor(
      {
        stunUrls: ['stun:stun.example.org:3478'],
        turnUrls: ['turn:turn.example.org:3478?transport=udp'],
        turnSecret: KNOWN.secret,
        turnTtl: 1000,
      },
      'alice',
      1_699_999_000_000,
    );
    expect(servers).toEqual([
      { urls: ['stun:stun.example.org:3478'] },
      {
        urls: ['turn:turn.example.org:3478?transport=udp'],
        username: KNOWN.username,
        credential: KNOWN.credential,
      },
    ]);
    expect(JSON.stringify(servers)).not.toContain(KNOWN.secret);
  });
});

describe('checkIceOptions', () => {
  it('refuses TURN URLs without a secret', () => {
    expect(() => checkIceOptions({ turnUrls: ['turn:t.example.org'] })).toThrow(/TURN_SECRET/);
  });

  it('refuses URLs of the wrong scheme', () => {
    expect(() => checkIceOptions({ stunUrls: ['http://x'] })).toThrow(/stun:/);
    expect(() => checkIceOptions({ turnUrls: ['stun:x'], turnSecret: 's' })).toThrow(/turn:/);
  });

  it('refuses a lifetime under 10 seconds', () => {
    expect(() => checkIceOptions({ turnTtl: 5 })).toThrow(/>= 10/);
  });
});

describe('ice:servers at join', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('comes with every seat, before created or joined, with a credential of that client', async () => {
    server = await startServer({
      ice: { turnUrls: ['turn:127.0.0.1:3478'], turnSecret: KNOWN.secret, turnTtl: 600 },
    });
    const alice = await server.connect();
    const events = record(alice, { all: true });
    const created = once(alice, 'created');
    alice.emit('create or join', 'foo');
    await created;
    expect(events.map(([name]) => name)).toEqual(['ice:servers', 'created', 'room:update']);
    const [servers, ttl] = events[0]?.slice(1) as [IceServer[], number];
    expect(ttl).toBe(600);
    const username = servers[0]?.username ?? '';
    // expiry:roomTag:member, so coturn's log ties the allocation to its room and member.
    const tag = roomTag(KNOWN.secret, 'foo');
    expect(username).toMatch(new RegExp(`^\\d+:${tag}:${alice.id}$`));
    const expiry = Number(username.split(':')[0]);
    expect(expiry - Date.now() / 1000).toBeGreaterThan(590);
    expect(expiry - Date.now() / 1000).toBeLessThanOrEqual(600);
    expect(servers[0]?.credential).toBe(
      turnCredential(KNOWN.secret, `${tag}:${alice.id}`, expiry).credential,
    );
    expect(JSON.stringify(events)).not.toContain(KNOWN.secret);
    expect(JSON.stringify(events)).not.toContain('"foo:');

    const bob = await server.connect();
    const bobEvents = record(bob, { all: true });
    const joined = once(bob, 'joined');
    bob.emit('create or join', 'foo');
    await joined;
    expect(bobEvents.map(([name]) => name).slice(0, 2)).toEqual(['ice:servers', 'joined']);
    const [bobServers] = bobEvents[0]?.slice(1) as [IceServer[]];
    expect(bobServers[0]?.username).toMatch(new RegExp(`^\\d+:${tag}:${bob.id}$`));
  });

  it('is not sent to a tab told the room is full', async () => {
    server = await startServer();
    for (const _ of [1, 2]) {
      const member = await server.connect();
      const ready = once(member, 'ice:servers');
      member.emit('create or join', 'foo');
      await ready;
    }
    const carol = await server.connect();
    const events = record(carol, { all: true });
    const full = once(carol, 'full');
    carol.emit('create or join', 'foo');
    await full;
    expect(events.map(([name]) => name)).toEqual(['full']);
  });
});

describe('ice:servers on request', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const ice = { turnUrls: ['turn:127.0.0.1:3478'], turnSecret: KNOWN.secret, turnTtl: 600 };

  /** `ice:servers` with an ack; the protocol's typed events declare no ack callbacks. */
  function askServers(client: TestClient): Promise<unknown> {
    return (client as unknown as Socket).timeout(2000).emitWithAck('ice:servers');
  }

  it('hands a seated member a fresh credential of its own, before the ack', async () => {
    server = await startServer({ ice });
    const { alice } = await server.pair('standup');
    const handed = once<[IceServer[], number]>(alice, 'ice:servers');
    expect(await askServers(alice)).toEqual({ data: null });
    const [servers, ttl] = await handed;
    expect(ttl).toBe(600);
    const username = servers[0]?.username ?? '';
    expect(username).toMatch(new RegExp(`:${roomTag(KNOWN.secret, 'standup')}:${alice.id}$`));
    expect(Number(username.split(':')[0]) - Date.now() / 1000).toBeGreaterThan(590);
  });

  it('refuses a socket without a seat', async () => {
    server = await startServer({ ice });
    const carol = await server.connect();
    const refused = once(carol, 'signaling:error');
    expect(await askServers(carol)).toEqual({ error: 'not-in-room' });
    expect((await refused)[0]).toMatchObject({ event: 'ice:servers', code: 'not-in-room' });
  });

  it('hands one address only so many credentials: past them, STUN only and rate-limited, seat kept', async () => {
    server = await startServer({
      ice: {
        ...ice,
        stunUrls: ['stun:127.0.0.1:3478'],
        turnPerAddress: { burst: 2, perSecond: 0 },
      },
    });
    const alice = await server.connect();
    const first = once<[IceServer[]]>(alice, 'ice:servers');
    alice.emit('create or join', 'farm');
    expect((await first)[0]).toHaveLength(2);
    expect(await askServers(alice)).toEqual({ data: null });
    const third = once<[IceServer[], number?]>(alice, 'ice:servers');
    const refused = once(alice, 'signaling:error');
    expect(await askServers(alice)).toEqual({ error: 'rate-limited' });
    expect(await third).toEqual([[{ urls: ['stun:127.0.0.1:3478'] }]]);
    expect((await refused)[0]).toMatchObject({ event: 'ice:servers', code: 'rate-limited' });

    // Another tab from the same address is seated, without a TURN credential, and told why.
    const bob = await server.connect();
    const bobServers = once<[IceServer[]]>(bob, 'ice:servers');
    const bobRefused = once(bob, 'signaling:error');
    const joined = once(bob, 'joined');
    bob.emit('create or join', 'farm');
    expect((await bobServers)[0]).toEqual([{ urls: ['stun:127.0.0.1:3478'] }]);
    expect((await bobRefused)[0]).toMatchObject({ event: 'ice:servers', code: 'rate-limited' });
    await joined;
    expect(server.handle.tracked().turnAddresses).toBe(1);
  });
});
