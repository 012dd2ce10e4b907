import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { AdminSnapshot } from '../http/admin.ts';
import { attachSignaling } from '../index.ts';
import { startServer, type TestServer } from './helpers.ts';

// The operator's JSON, behind its secret. The page itself is tested in a browser
// (e2e/admin.spec.ts).

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const SECRET = 'operator-secret-of-24-bytes';

function figures(query = '', secret: string | null = SECRET): Promise<Response> {
  return fetch(`${server?.url}/_signaling/admin.json${query}`, {
    headers: secret === null ? {} : { Authorization: `Bearer ${secret}` },
  });
}

describe("the operator's figures", () => {
  it('are not served at all without a configured secret', async () => {
    server = await startServer({ clientLog: false });
    expect((await figures()).status).toBe(404);
    expect((await fetch(`${server.url}/_signaling/admin`)).status).toBe(404);
  });

  it('refuse a request without the secret or with a wrong one', async () => {
    server = await startServer({ clientLog: false, adminSecret: SECRET });
    expect((await figures('', null)).status).toBe(401);
    const wrong = await figures('', 'operator-secret-of-24-byteS');
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({
      error: '[signaling] the admin secret is missing or wrong',
    });
  });

  it('limit wrong secrets per address', async () => {
    server = await startServer({ clientLog: false, adminSecret: SECRET });
    const statuses = [];
    for (let index = 0; index < 12; index++) statuses.push((await figures('', 'nope')).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.at(-1)).toBe(429);
  });

  it('let the operator in with the right secret while a flood of wrong ones from the same address is refused', async () => {
    // Behind a proxy without TRUST_PROXY, the flood and the operator share the proxy's address.
    server = await startServer({ clientLog: false, adminSecret: SECRET });
    const flood = await Promise.all(
      Array.from({ length: 50 }, () => figures('', 'a-wrong-guess-of-some-length')),
    );
    // 10 wrong secrets pass the bucket and the rest are refused (less a token or two that a
    // slow machine refills meanwhile, at 1 a second).
    expect(flood.filter((answer) => answer.status === 429).length).toBeGreaterThanOrEqual(30);
    const operator = await figures();
    expect(operator.status).toBe(200);
    expect(((await operator.json()) as AdminSnapshot).connections.sockets).toBe(0);
    expect((await figures('', 'a-wrong-guess-of-some-length')).status).toBe(429);
  });

  it('refuse to start with a secret shorter than 16 bytes, saying how to make one', () => {
    const http = createServer();
    expect(() => attachSignaling(http, { adminSecret: 'fifteen-bytes!!' })).toThrow(
      /adminSecret is 15 bytes; it needs at least 16 \(make one with `openssl rand -hex 16`\)/,
    );
    // Bytes, not characters: nine two-byte characters pass.
    const handle = attachSignaling(http, { adminSecret: 'ééééééééé' });
    return handle.close();
  });

  it('show counts and states, never member ids, and room names only when asked', async () => {
    server = await startServer({ clientLog: false, adminSecret: SECRET });
    const { alice, bob } = await server.pair('standup');
    const lone = await server.connect();
    lone.emit('create or join', 'vault', { pin: '4711' });
    await new Promise((resolve) => lone.once('created', resolve));
    const counts = (await (await figures()).json()) as AdminSnapshot;
    expect(counts.connections.sockets).toBe(3);
    expect(counts.rooms).toEqual({ total: 2, locked: 1, byMembers: { 1: 1, 2: 1 } });
    expect(counts.totals.joins).toBe(3);
    const text = JSON.stringify(counts);
    for (const id of [alice.id, bob.id, lone.id]) expect(text).not.toContain(id);
    expect(text).not.toContain('standup');
    const named = (await (await figures('?names=1')).json()) as AdminSnapshot;
    expect(named.rooms.names).toEqual([
      { room: 'standup', members: 2, locked: false },
      { room: 'vault', members: 1, locked: true },
    ]);
  });
});
