import { defineConfig } from '@playwright/test';
import { findChromium } from './e2e/browser.mjs';

const DEV_PORT = Number(process.env.E2E_DEV_PORT ?? 5273);
const PROD_PORT = Number(process.env.E2E_PROD_PORT ?? 4273);
const CI = Boolean(process.env.CI);
const browser = findChromium();

/**
 * End-to-end tests in a real Chromium, against `npm run dev` (Vite with the signaling plugin)
 * and against the production build on a plain Node server: the same specs run on both.
 */
export default defineConfig({
  testDir: 'e2e',
  forbidOnly: CI,
  retries: CI ? 1 : 0,
  // Two cores: one browser suite at a time, at most two workers.
  workers: 2,
  fullyParallel: true,
  reporter: CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  use: {
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: browser?.executablePath,
      args: [
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
      ],
    },
  },
  projects: [
    {
      name: 'dev',
      // The fault tests need the production server's short heartbeat; the TURN test starts
      // its own servers.
      testIgnore: /(dev-server|faults|turn|fleet)\.spec\.ts/,
      use: { baseURL: `http://localhost:${DEV_PORT}` },
    },
    {
      // Restarts Vite, so it runs once the other dev tests are done.
      name: 'dev-restart',
      testMatch: /dev-server\.spec\.ts/,
      dependencies: ['dev'],
      use: { baseURL: `http://localhost:${DEV_PORT}` },
    },
    {
      name: 'production',
      testIgnore: /(dev-server|turn|fleet)\.spec\.ts/,
      use: { baseURL: `http://127.0.0.1:${PROD_PORT}` },
    },
    {
      // Starts its own coturn and production server (from the build the production web
      // server makes), so it runs once, not per project.
      name: 'turn',
      testMatch: /turn\.spec\.ts/,
    },
    {
      // Starts its own redis-server, two production processes (the production web server's
      // build) and nginx in front, with server/fleet/nginx.conf.
      name: 'fleet',
      testMatch: /fleet\.spec\.ts/,
      // Two browsers, two processes, Redis and nginx on a loaded machine: calls take longer.
      expect: { timeout: 30_000 },
    },
  ],
  webServer: [
    {
      command: `npx vite --port ${DEV_PORT} --strictPort`,
      url: `http://localhost:${DEV_PORT}/`,
      reuseExistingServer: !CI,
      timeout: 60_000,
    },
    {
      command: 'npm run build && npm start',
      url: `http://127.0.0.1:${PROD_PORT}/`,
      env: {
        PORT: String(PROD_PORT),
        HOST: '127.0.0.1',
        SIGNALING_CLIENT_LOG: '1',
        // A short heartbeat, so a dropped network is noticed within the fault tests' patience.
        PING_INTERVAL_SECONDS: '2',
        PING_TIMEOUT_SECONDS: '2',
      },
      reuseExistingServer: !CI,
      timeout: 120_000,
    },
  ],
});
