/** Temporal servers for tests: the time-skipping test server, and the run's shared dev server (see test/global-setup.ts). */
import { execFile } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { inject } from 'vitest';
import { encryptedDataConverter } from '../../src/client/codec';
import { loadSettings, type EncryptionKeys } from '../../src/settings';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../../src/workflows/search-attributes';

/**
 * The test run's encryption keys, as a `remediate` process gets them: spread into the environment of
 * every spawned `bin/remediate`. Two keys, so every test also runs with a key it does not encrypt with.
 */
export const TEST_KEYS_ENV = {
  REMEDIATE_KEYS:
    'test-2026:LQuZEpyYzm1J7m8J/9yocAlx/wvyLBklEft1lyxY1ps=,test-2025:SGsGMaF+gMiMorJ8odSWSMIxfUawBsq+c/zkmJGq6iM=',
} as const;

/** The same keys, for in-process clients and workers (`createWorker({ keys: TEST_KEYS })`). */
export const TEST_KEYS: EncryptionKeys = (() => {
  const keys = loadSettings(TEST_KEYS_ENV).keys;
  if (!keys) throw new Error('TEST_KEYS_ENV has no keys');
  return keys;
})();

/** The data converter of the test run (codec and failure converter), for Worker.create and new Client. */
export const testDataConverter = encryptedDataConverter(TEST_KEYS);

/**
 * A fresh time-skipping environment on its own Java test server (ours, from .tools/, instead of
 * the SDK's download), its client encrypting with the test keys: give its workers `testDataConverter`. Tear it down with `env.teardown()`. Time skipping is global to the
 * environment: use one per test file and do not run its tests concurrently.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  // The SDK gives the Java server 5 s to answer; a loaded machine (parallel test files) can need
  // more for the JVM to start, so a start that timed out is tried again, up to three times.
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: inject('testServerPath') } },
        client: { dataConverter: testDataConverter },
      });
    } catch (err) {
      if (attempt >= 3 || !String(err).includes('did not start within')) throw err;
    }
  }
}

/**
 * A client of the dev server shared by the whole run (namespace `default`, the custom search
 * attributes registered), encrypting with the test keys. Close it with `connection.close()`. Tests share this server: use unique
 * workflow ids and program ids per test.
 */
export async function connectDevServer(
  namespace = 'default',
): Promise<{ connection: Connection; client: Client; address: string }> {
  const address = inject('temporalAddress');
  const connection = await Connection.connect({ address });
  return { connection, client: new Client({ connection, namespace, dataConverter: testDataConverter }), address };
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
