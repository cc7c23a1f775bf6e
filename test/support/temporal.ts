/** Temporal servers for tests: the time-skipping test server, and the run's shared dev server (see test/global-setup.ts). */
import { execFile } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { inject } from 'vitest';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../../src/workflows/search-attributes';

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

/** `temporal workflow list --query <query> -o json` on the run's dev server (namespace `default`). */
export function temporalList(query: string): Promise<Array<{ execution: { workflowId: string } }>> {
  return new Promise((resolve, reject) => {
    execFile(
      inject('temporalCliPath'),
      ['workflow', 'list', '--address', inject('temporalAddress'), '--query', query, '-o', 'json'],
      (err, stdout) => {
        if (err) reject(new Error(`temporal workflow list failed: ${err.message}`));
        else resolve(stdout.trim() ? (JSON.parse(stdout) as Array<{ execution: { workflowId: string } }>) : []);
      },
    );
  });
}

/** Registers the custom search attributes on a time-skipping server, which knows none until told. */
export async function registerSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  await env.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(
      SEARCH_ATTRIBUTE_REGISTRATIONS.map((r) => [
        r.name,
        r.cliType === 'Keyword'
          ? temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
          : temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
      ]),
    ),
  });
}
