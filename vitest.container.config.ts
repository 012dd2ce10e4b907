import { defineConfig } from 'vitest/config';

/**
 * `npm run test:container`: the container image and the compose stack, built and run for real
 * with podman (server/test/container.test.ts). Apart from vitest.config.ts because it runs
 * once, on the host's Node, and needs none of the suite's production build.
 */
export default defineConfig({
  test: {
    include: ['server/test/container.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
