import { afterEach, describe, expect, it } from 'vitest';
import { checkIceOptions, iceServersFor, turnCredential } from '../core/ice.ts';
import type { IceServer } from '../protocol/index.ts';
import { once, record, startServer, type TestServer } from './helpers.ts';

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

  it('refuses a lifetime under a minute', () => {
    expect(() => checkIceOptions({ turnTtl: 5 })).toThrow(/>= 60/);
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
    const [servers] = events[0]?.slice(1) as [IceServer[]];
    const username = servers[0]?.username ?? '';
    expect(username).toMatch(new RegExp(`^\\d+:${alice.id}$`));
    const expiry = Number(username.split(':')[0]);
    expect(expiry - Date.now() / 1000).toBeGreaterThan(590);
    expect(expiry - Date.now() / 1000).toBeLessThanOrEqual(600);
    expect(servers[0]?.credential).toBe(
      turnCredential(KNOWN.secret, alice.id ?? '', expiry).credential,
    );
    expect(JSON.stringify(events)).not.toContain(KNOWN.secret);

    const bob = await server.connect();
    const bobEvents = record(bob, { all: true });
    const joined = once(bob, 'joined');
    bob.emit('create or join', 'foo');
    await joined;
    expect(bobEvents.map(([name]) => name).slice(0, 2)).toEqual(['ice:servers', 'joined']);
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
