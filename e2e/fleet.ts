import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Fleet, type FleetChild, startFleet } from '../server/fleet/fleet.ts';
import { test } from './fixtures.ts';

/** The production build the `production` project's web server makes (`npm run build`). */
const ENTRY = fileURLToPath(new URL('../dist/server/cli/main.js', import.meta.url));

/**
 * Tests with a fleet of their own: redis-server, two production processes on it and nginx in
 * front with server/fleet/nginx.conf (the configuration docs/operations.md#nginx describes),
 * all stopped after the test.
 */
export const fleetTest = test.extend<{ fleet: Fleet; fleetEnv: Record<string, string> }>({
  /** More environment for the fleet's processes (`fleetTest.use({ fleetEnv: {...} })`). */
  fleetEnv: [{}, { option: true }],
  fleet: async ({ fleetEnv }, use) => {
    if (!existsSync(ENTRY)) throw new Error(`[e2e] ${ENTRY} is missing: run \`npm run build\``);
    const fleet = await startFleet({
      entry: ENTRY,
      processes: 2,
      env: {
        SIGNALING_CLIENT_LOG: '1',
        // A short heartbeat, so a killed process's clients notice within the test's patience.
        PING_INTERVAL_SECONDS: '2',
        PING_TIMEOUT_SECONDS: '2',
        ...fleetEnv,
      },
    });
    try {
      await use(fleet);
    } finally {
      await fleet.stop();
    }
  },
});

/** How many Socket.IO connections `backend` holds, from its own `/metrics`. */
export async function connectionsOn(backend: FleetChild): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${backend.port}/metrics`);
  const match = /^signaling_connections (\d+)/m.exec(await response.text());
  return Number(match?.[1] ?? 0);
}

/** Kills (SIGKILL, no drain) the process of the fleet that holds `count` connections or more. */
export async function killBusiest(fleet: Fleet, count: number): Promise<FleetChild> {
  for (const backend of fleet.backends) {
    if ((await connectionsOn(backend)) >= count) {
      backend.process.kill('SIGKILL');
      await backend.exited;
      return backend;
    }
  }
  throw new Error(`[e2e] no process of the fleet holds ${count} connections`);
}
