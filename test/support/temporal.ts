/** Temporal servers for tests: the time-skipping test server, and the run's shared dev server (see test/global-setup.ts). */
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { inject } from 'vitest';

/**
 * A fresh time-skipping environment on its own Java test server (ours, from .tools/, instead of
 * the SDK's download). Tear it down with `env.teardown()`. Time skipping is global to the
 * environment: use one per test file and do not run its tests concurrently.
 */
export function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: inject('testServerPath') } },
  });
}

/**
 * A client of the dev server shared by the whole run (namespace `default`, the custom search
 * attributes registered). Close it with `connection.close()`. Tests share this server: use unique
 * workflow ids and program ids per test.
 */
export async function connectDevServer(
  namespace = 'default',
): Promise<{ connection: Connection; client: Client; address: string }> {
  const address = inject('temporalAddress');
  const connection = await Connection.connect({ address });
  return { connection, client: new Client({ connection, namespace }), address };
}
