import { defineConfig } from 'vitest/config';

// Its own config, so Vitest does not load the signaling plugin of vite.config.ts.
export default defineConfig({
  test: {
    include: ['server/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 10_000,
    // One production build for every test that starts the server as a process.
    globalSetup: ['server/test/global-setup.ts'],
  },
});
