import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, preview } from 'vite';
import { afterEach, describe, expect, it } from 'vitest';
import { APP_CONTENT_SECURITY_POLICY, DEV_CONTENT_SECURITY_POLICY } from '../http/app-policy.ts';
import { startServer } from './helpers.ts';
import { productionServerEntry, spawnServer } from './process-helpers.ts';

// The headers of the pages a browser loads: the app's (on each way of serving it) and the
// operator's. That a browser keeps to the app's policy, and the app works under it, is
// e2e/content-security-policy.spec.ts.

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The repository's own Vite config, as `npm run dev` and `npm run preview` load it. */
const VITE_CONFIG = fileURLToPath(new URL('../../vite.config.ts', import.meta.url));

/** Status and headers of a GET to `url`, with `headers` (node:http: fetch may not set Host). */
function get(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
    request(url, { headers }, (response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0, headers: response.headers });
    })
      .on('error', reject)
      .end();
  });
}

/** A directory with a one-file app in it, removed after the test. */
async function appDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'signaling-headers-'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>rooms</title>');
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe("the app's Content-Security-Policy", () => {
  it('is sent with the page and with a room path by the production command', async () => {
    const server = await spawnServer(productionServerEntry());
    cleanups.push(async () => {
      server.process.kill('SIGKILL');
      await server.exited;
    });
    for (const path of ['/', '/standup', '/index.html']) {
      const { status, headers } = await get(`${server.url}${path}`, { Accept: 'text/html' });
      expect(status, path).toBe(200);
      expect(headers['content-security-policy'], path).toBe(APP_CONTENT_SECURITY_POLICY);
    }
  });

  it('is sent by `vite preview` with the same value', async () => {
    const server = await preview({
      configFile: VITE_CONFIG,
      logLevel: 'silent',
      build: { outDir: await appDir() },
      preview: { host: '127.0.0.1', port: 0 },
    });
    cleanups.push(() => server.close());
    const url = server.resolvedUrls?.local[0] ?? '';
    for (const path of ['', 'standup']) {
      const { headers } = await get(`${url}${path}`, { Accept: 'text/html' });
      expect(headers['content-security-policy'], path).toBe(APP_CONTENT_SECURITY_POLICY);
    }
  });

  it('is sent by `vite` in development, with inline styles its error overlay needs', async () => {
    const server = await createServer({
      configFile: VITE_CONFIG,
      root: await appDir(),
      logLevel: 'silent',
      server: { host: '127.0.0.1', port: 0, hmr: false },
    });
    await server.listen();
    cleanups.push(() => server.close());
    const { headers } = await get(server.resolvedUrls?.local[0] ?? '', { Accept: 'text/html' });
    expect(headers['content-security-policy']).toBe(DEV_CONTENT_SECURITY_POLICY);
  });

  it('allows scripts from the origin only, and no inline style in production', () => {
    const directives = new Map(
      APP_CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]),
    );
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(DEV_CONTENT_SECURITY_POLICY).toContain("script-src 'self';");
  });
});

describe("the operator's page", () => {
  it('is served with a strict policy, no caching, no sniffing and no referrer', async () => {
    const server = await startServer({ clientLog: false, adminSecret: 'operator-secret-16' });
    cleanups.push(() => server.close());
    for (const path of ['/_signaling/admin', '/_signaling/admin.js', '/_signaling/admin.json']) {
      const { headers } = await get(`${server.url}${path}`);
      expect(headers['content-security-policy'], path).toBe(
        "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      );
      expect(headers['cache-control'], path).toBe('no-store');
      expect(headers['x-content-type-options'], path).toBe('nosniff');
      expect(headers['referrer-policy'], path).toBe('no-referrer');
    }
  });
});

describe('the plain http routes', () => {
  it('answer /metrics and the operator page only to allowed hosts (DNS rebinding)', async () => {
    const server = await startServer({ clientLog: false, adminSecret: 'operator-secret-16' });
    cleanups.push(() => server.close());
    const paths = [
      '/metrics',
      '/_signaling/admin',
      '/_signaling/admin.js',
      '/_signaling/admin.json',
    ];
    for (const path of paths) {
      expect((await get(`${server.url}${path}`)).status, path).not.toBe(403);
      const foreign = await get(`${server.url}${path}`, { Host: 'evil.example' });
      expect(foreign.status, path).toBe(403);
    }
  });
});
