import { defineConfig } from 'vitest/config';

/**
 * The cluster tier: the live end-to-end tests of the main tier, unchanged, against a Temporal cluster
 * on PostgreSQL (four services as separate processes) that test/cluster-setup.ts starts and stops,
 * plus the cluster's own fault tests (`test/cluster/`, each on a cluster of its own). scripts/test.sh
 * runs it after the main run and adds its counts to the summary.
 */
export default defineConfig({
  test: {
    include: [
      // One test body, the server as a parameter: apply, amend, complete, re-plan and approve, refusals,
      // status, history, the roll-up compile and decision; `remediate setup`; a reminder slot over SMTP;
      // the roll-up's Schedule and its run.
      'test/cli/cli.test.ts',
      'test/engine/rollup.test.ts',
      'test/cli/setup.test.ts',
      'test/cli/worker-mail.test.ts',
      'test/cluster/**/*.test.ts',
    ],
    globalSetup: ['test/cluster-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
