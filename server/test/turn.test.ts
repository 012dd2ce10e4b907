import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COTURN_HARDENING, type Started, startCoturn } from '../../e2e/servers.ts';
import { IceIssuer, roomTag, turnCredential } from '../core/ice.ts';
import { waitFor } from './helpers.ts';
import { TurnClient } from './turn-client.ts';

// The credentials the server hands out, asked of the real coturn the e2e suite runs
// (e2e/servers.ts), with a TURN client speaking the protocol as a browser does.

const SECRET = randomBytes(16).toString('hex');
const TURN = { turnUrls: ['turn:127.0.0.1:3478?transport=udp'], turnSecret: SECRET, turnTtl: 60 };

type Coturn = Started & { output(): string };

/** The TURN credential of an issued list (the test's issuer always hands one out). */
function credentialOf(issuer: IceIssuer, room: string, member: string, now = Date.now()) {
  const [server] = issuer.issue('127.0.0.1', room, member, now).servers;
  if (server?.username === undefined || server.credential === undefined) {
    throw new Error('[test] no TURN credential was issued');
  }
  return { username: server.username, credential: server.credential };
}

describe('coturn as the suite runs it', () => {
  let coturn: Coturn;
  let server: { host: string; port: number };
  beforeAll(async () => {
    coturn = await startCoturn(SECRET);
    server = { host: '127.0.0.1', port: coturn.port };
  });
  afterAll(async () => {
    await coturn.stop();
  });

  it('accepts the credential handed to a member, and logs its room tag and member id', async () => {
    const issuer = new IceIssuer(TURN);
    const credential = credentialOf(issuer, 'standup', 'AbC-dEf_123456789012');
    expect(credential.username).toMatch(/^\d{10}:[0-9a-f]{12}:AbC-dEf_123456789012$/);
    expect(credential.username.split(':')[1]).toBe(roomTag(SECRET, 'standup'));
    const client = new TurnClient(server, credential);
    try {
      expect((await client.allocate()).ok).toBe(true);
    } finally {
      client.close();
    }
    await waitFor(
      () => coturn.output().includes(credential.username),
      "coturn's log to name the credential",
    );
  });

  it('refuses a credential past its expiry, and one signed with another secret', async () => {
    const issuer = new IceIssuer(TURN);
    const expired = credentialOf(issuer, 'standup', 'late', Date.now() - 61_000);
    const forged = turnCredential('not-the-secret', 'thief', Date.now() / 1000 + 60);
    for (const credential of [expired, forged]) {
      const client = new TurnClient(server, credential);
      try {
        expect(await client.allocate()).toMatchObject({ ok: false, code: 401 });
      } finally {
        client.close();
      }
    }
  });

  it('keeps an allocation whose credential expired, but makes no new one with it', async () => {
    // What the client's renewal is for: coturn checks the expiry when an allocation is made
    // (a call, an ICE restart, a new peer), not when one is refreshed.
    const expiresAt = Math.floor(Date.now() / 1000) + 2;
    const credential = turnCredential(SECRET, 'long-call', expiresAt);
    const call = new TurnClient(server, credential);
    try {
      expect((await call.allocate()).ok).toBe(true);
      await waitFor(() => Date.now() > (expiresAt + 1) * 1000, 'the credential to expire', 5000);
      expect((await call.refresh()).ok).toBe(true);
      expect((await call.createPermission('203.0.113.7')).ok).toBe(true);
      const restart = new TurnClient(server, credential);
      try {
        expect(await restart.allocate()).toMatchObject({ ok: false, code: 401 });
      } finally {
        restart.close();
      }
    } finally {
      call.close();
    }
  });

  it('relays to loopback, as the browsers of the suite need (so the next test can tell)', async () => {
    const client = new TurnClient(server, credentialOf(new IceIssuer(TURN), 'lab', 'alice'));
    try {
      expect((await client.allocate()).ok).toBe(true);
      expect((await client.createPermission('127.0.0.1')).ok).toBe(true);
    } finally {
      client.close();
    }
  });
});

describe('coturn with the hardening flags', () => {
  let coturn: Coturn;
  let client: TurnClient;
  beforeAll(async () => {
    coturn = await startCoturn(SECRET, { hardened: true });
    const credential = credentialOf(new IceIssuer(TURN), 'lab', 'mallory');
    client = new TurnClient({ host: '127.0.0.1', port: coturn.port }, credential);
    expect((await client.allocate()).ok).toBe(true);
  });
  afterAll(async () => {
    client.close();
    await coturn.stop();
  });

  it.each([
    ['loopback', '127.0.0.1'],
    ['loopback, elsewhere in 127/8', '127.1.2.3'],
    ['a private network', '10.0.0.1'],
    ['a private network', '172.16.5.4'],
    ['a private network', '192.168.1.1'],
    ['carrier-grade NAT space', '100.64.0.1'],
    ['link-local (cloud metadata)', '169.254.169.254'],
    ['multicast', '224.0.0.251'],
  ])('refuses a relay to %s (%s)', async (_, address) => {
    expect(await client.createPermission(address)).toMatchObject({ ok: false, code: 403 });
  });

  it('still relays to a public address', async () => {
    expect((await client.createPermission('203.0.113.7')).ok).toBe(true);
  });

  it('are the flags docs/operations.md tells operators to run coturn with', () => {
    const readme = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
    for (const flag of COTURN_HARDENING) expect(readme).toContain(flag.replace(/^--/, ''));
  });
});
