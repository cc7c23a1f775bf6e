import { defineConfig } from 'vitest/config';

/**
 * The load tier (`test/load/`): the 09:00 burst measures latency, so it runs after the main suite,
 * alone on the machine (one file at a time, nothing else in parallel), on a dev server of its own.
 * scripts/test.sh runs it after the main run and adds its counts to the summary.
 */
export default defineConfig({
  test: {
    include: ['test/load/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 180_000,
    maxWorkers: 1,
    fileParallelism: false,
    reporters: ['default'],
  },
});
