import { spawn } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redact, redactUrl, secretsOf } from '../core/redact.ts';
import { once, type TestClient, waitFor } from './helpers.ts';
import { type ChildServer, productionServerEntry, spawnServer } from './process-helpers.ts';
import { connectTo, freePort, type RedisChild, startRedis, stop } from './redis-helpers.ts';

// The Redis password stays in the process: the production server, as a process, with a
// password in REDIS_URL and Redis unreachable, is read everywhere it speaks.

const PASSWORD = 'hunter2-Redis-Passw0rd';

let entry: string;
const clients: TestClient[] = [];
const servers: ChildServer[] = [];
beforeAll(() => {
  entry = productionServerEntry();
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  for (const server of servers.splice(0)) await stop(server.process);
});

describe('the Redis password', () => {
  it('never appears in the log of a server whose Redis is unreachable, which still says what failed', async () => {
    const dead = await freePort();
    const child = spawn(process.execPath, [entry], {
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: '0',
        REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${dead}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    try {
      // node-redis retries with backoff: several failures, each logged.
      await waitFor(
        () => (output.match(/ECONNREFUSED/g) ?? []).length >= 3,
        'three failed connections logged',
        15_000,
      );
    } finally {
      await stop(child);
    }
    expect(output).toContain(`Redis at redis://***@127.0.0.1:${dead}`);
    expect(output).toContain(`connect ECONNREFUSED 127.0.0.1:${dead}`);
    expect(output).not.toContain(PASSWORD);
    expect(output).not.toContain(encodeURIComponent(PASSWORD));
  }, 30_000);

  it('never appears when REDIS_URL cannot even be parsed, and the server exits saying so', async () => {
    const child = spawn(process.execPath, [entry], {
      env: { ...process.env, PORT: '0', REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:port` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const [code] = await once<[number | null]>(child, 'exit');
    expect(code).toBe(2);
    expect(output).toContain('cannot use REDIS_URL; check it');
    expect(output).not.toContain(PASSWORD);
  }, 30_000);
});

describe('a server whose password-protected Redis goes away', () => {
  let redis: RedisChild;
  beforeAll(async () => {
    redis = await startRedis(['--requirepass', PASSWORD]);
  });
  afterAll(async () => {
    await stop(redis.child);
  });

  it('answers /healthz and joins with "Redis unreachable" alone, and logs the detail without the password', async () => {
    const server = await spawnServer(entry, {
      REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${redis.port}`,
    });
    servers.push(server);
    await stop(redis.child);
    const health = async () => {
      const answer = await fetch(`${server.url}/healthz`);
      return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
    };
    await waitFor(async () => (await health()).status === 503, '/healthz to say 503');
    const { body } = await health();
    expect(body).toMatchObject({ status: 'unavailable', reason: 'Redis unreachable' });
    const carol = await connectTo(server.url, clients);
    const refused = once<[{ code: string; message: string }]>(carol, 'signaling:error');
    carol.emit('create or join', 'vault');
    const [error] = await refused;
    expect(error.code).toBe('unavailable');
    expect(error.message).toContain('Redis unreachable');
    expect(error.message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|Socket closed/);
    await waitFor(() => /ECONNREFUSED/.test(server.output()), 'the detail in the log');
    expect(server.output()).toContain(`redis://***@127.0.0.1:${redis.port}`);
    expect(server.output()).not.toContain(PASSWORD);
    redis = await startRedis(['--requirepass', PASSWORD], redis.port);
  }, 30_000);
});

describe('redact', () => {
  it('hides the password of every URL in a text, and the password wherever else it appears', () => {
    const url = 'redis://user:p%40ss%2Fword@10.0.0.1:6379,rediss://:t0ken@b:6380';
    const secrets = secretsOf(url);
    expect(redactUrl('redis://user:p%40ss%2Fword@10.0.0.1:6379')).toBe('redis://***@10.0.0.1:6379');
    expect(redact(`AUTH p@ss/word failed for ${url}; input: 't0ken'`, secrets)).toBe(
      "AUTH *** failed for redis://***@10.0.0.1:6379,rediss://***@b:6380; input: '***'",
    );
    expect(redact('redis://127.0.0.1:6379 is fine')).toBe('redis://127.0.0.1:6379 is fine');
  });
});
