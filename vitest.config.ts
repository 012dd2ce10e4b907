import { configDefaults, defineConfig } from 'vitest/config';

// Its own config, so Vitest does not load the signaling plugin of vite.config.ts.
export default defineConfig({
  test: {
    include: ['server/**/*.test.ts', 'src/**/*.test.ts'],
    // The container test builds images and runs once, on its own config (`npm run
    // test:container`), not once per Node release line as this suite does.
    exclude: [...configDefaults.exclude, 'server/test/container.test.ts'],
    testTimeout: 10_000,
    // As Playwright's config: on CI's shared machine one retry, so a process test starved by a
    // busy neighbour is told apart from a broken one (a retried pass is reported as flaky).
    retry: process.env.CI ? 1 : 0,
    // One production build for every test that starts the server as a process.
    globalSetup: ['server/test/global-setup.ts'],
  },
});
