import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The lockfile must resolve the transport's packages at or above their latest security fixes,
// wherever they sit in the tree. `npm audit --omit=dev` says the same with network access; this
// check runs offline, in every test run.
const FLOORS: Record<string, { version: string; why: string }> = {
  ws: { version: '8.17.1', why: 'CVE-2024-37890: DoS through many HTTP headers' },
  'engine.io': { version: '6.4.2', why: 'CVE-2023-31125: crash on a crafted request' },
  'socket.io-parser': { version: '4.2.3', why: 'CVE-2023-32695: crash on a crafted packet' },
  'socket.io': {
    version: '4.6.2',
    why: 'CVE-2024-38355: crash on an event named like a reserved one',
  },
  cookie: { version: '0.7.0', why: 'CVE-2024-47764: cookie attribute injection' },
};

const lock = JSON.parse(
  readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8'),
) as {
  packages: Record<string, { version?: string }>;
};

function atLeast(version: string, floor: string): boolean {
  const a = version.split('.').map(Number);
  const b = floor.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

describe('the lockfile', () => {
  for (const [name, floor] of Object.entries(FLOORS)) {
    it(`resolves every copy of ${name} at or above ${floor.version} (${floor.why})`, () => {
      const copies = Object.entries(lock.packages).filter(([path]) =>
        path.endsWith(`node_modules/${name}`),
      );
      expect(copies.length).toBeGreaterThan(0);
      for (const [path, entry] of copies) {
        expect(atLeast(entry.version ?? '0.0.0', floor.version), `${path}@${entry.version}`).toBe(
          true,
        );
      }
    });
  }
});
