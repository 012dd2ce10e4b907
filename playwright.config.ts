import { defineConfig } from '@playwright/test';
import { findChromium } from './e2e/browser.mjs';
import { fakeCameraFile } from './e2e/fake-camera.ts';

const DEV_PORT = Number(process.env.E2E_DEV_PORT ?? 5273);
const PROD_PORT = Number(process.env.E2E_PROD_PORT ?? 4273);
const CI = Boolean(process.env.CI);
const browser = findChromium();

/**
 * Tests tagged `@client-only` exercise the browser side of the call (WebRTC, cameras, the
 * timeline): the server's part in them is relaying messages, the same core on both servers, so
 * they run once, on the production build. Everything the two servers do differently (seats,
 * reloads, closes, the codelab page, the first call) runs on both.
 */
const CLIENT_ONLY = /@client-only/;

/**
 * End-to-end tests in a real Chromium, against `npm run dev` (Vite with the signaling plugin)
 * and against the production build on a plain Node server. How a spec waits: the top of
 * e2e/fixtures.ts.
 */
export default defineConfig({
  testDir: 'e2e',
  forbidOnly: CI,
  retries: CI ? 1 : 0,
  // Two cores: one browser suite at a time, at most two workers.
  workers: 2,
  fullyParallel: true,
  reporter: CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  // Sized for two shared cores next to other CPU-heavy work, where one call test can take two
  // minutes; alone they take seconds. Waits end when the condition holds, so these cost a
  // passing run nothing.
  timeout: 180_000,
  expect: { timeout: 20_000 },
  use: {
    // DOM snapshots and network, without the screencast: filming pages that play video costs
    // the loaded machine more than the rest of the trace.
    trace: { mode: 'retain-on-failure', screenshots: false },
    launchOptions: {
      executablePath: browser?.executablePath,
      args: [
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-video-capture=${fakeCameraFile()}`,
      ],
    },
  },
  projects: [
    {
      name: 'dev',
      // The fault tests start production servers of their own (a short heartbeat, a kill); so
      // do the TURN, network-change and operator-page tests. The Firefox specs test the
      // browsers, not the server: the production one carries them.
      testIgnore:
        /(dev-server|faults|turn|package|firefox|network-change|fleet|admin|nat-lab|call-outcome|call-check)\.spec\.ts/,
      grepInvert: CLIENT_ONLY,
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
      testIgnore: /(dev-server|turn|package|fleet|nat-lab)\.spec\.ts/,
      use: { baseURL: `http://127.0.0.1:${PROD_PORT}` },
    },
    {
      // Starts its own coturn and production server (from the build the production web
      // server makes), so it runs once, not per project.
      name: 'turn',
      testMatch: /turn\.spec\.ts/,
    },
    {
      // Builds network namespaces with NAT routers, and starts coturn, the production build
      // (the production web server's) and browsers inside them: once, as root; it skips
      // elsewhere and says why.
      name: 'nat-lab',
      testMatch: /nat-lab\.spec\.ts/,
      // Its tests share one lab, built per worker: in order, in one worker.
      fullyParallel: false,
    },
    {
      // Packs the build, installs it in a fresh Vite app and starts that app's servers: once.
      name: 'package',
      testMatch: /package\.spec\.ts/,
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
      timeout: 120_000,
    },
    {
      command: 'npm run build && npm start',
      url: `http://127.0.0.1:${PROD_PORT}/`,
      env: {
        PORT: String(PROD_PORT),
        HOST: '127.0.0.1',
        SIGNALING_CLIENT_LOG: '1',
        // Socket.IO's default heartbeat: a short one cut off tabs whose busy renderer answered
        // a ping late. The fault specs start servers of their own with a short one.
      },
      reuseExistingServer: !CI,
      // The build is the app's and the library's (tsc): minutes on a busy machine.
      timeout: 300_000,
    },
  ],
});
