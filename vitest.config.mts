import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The load tier runs alone afterwards (vitest.load.config.mts, scripts/test.sh).
    exclude: ['test/load/**', 'test/cluster/**', 'node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Workflow bundles and Temporal servers are heavy: two cores, so keep parallelism low.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
