/**
 * Vitest global setup of the cluster tier (vitest.cluster.config.mts): the same provided values as
 * test/global-setup.ts, but `temporalAddress` is a Temporal cluster on PostgreSQL (four services, see
 * src/local/cluster.ts), prepared the way an operator does it (`prepareTemporal`, i.e. `remediate
 * setup`) for every namespace the tests use. The same test bodies run against it.
 */
import type { TestProject } from 'vitest/node';
import { Connection } from '@temporalio/client';
import { prepareTemporal } from '../src/client/setup';
import { serverSchemaDir, startCluster } from '../src/local/cluster';
import { repoRoot, temporalCliPath, temporalServerDir, testServerPath } from '../src/local/tools';
import { ROLLUP_NAMESPACE, ROLLUP_SCALE_NAMESPACE, WORKER_E2E_NAMESPACE } from './global-setup';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cliPath = temporalCliPath(repoRoot);
  const serverPath = testServerPath(repoRoot);
  const cluster = await startCluster({
    serverDir: temporalServerDir(repoRoot),
    schemaDir: await serverSchemaDir(),
    // As on the dev server of the main tier: runs cross continue-as-new boundaries after a few dozen events.
    dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 60 },
  });
  try {
    const connection = await Connection.connect({ address: cluster.address });
    try {
      for (const ns of ['default', WORKER_E2E_NAMESPACE, ROLLUP_NAMESPACE, ROLLUP_SCALE_NAMESPACE])
        await prepareTemporal(connection, ns, { retentionDays: 1 });
    } finally {
      await connection.close();
    }
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  project.provide('temporalAddress', cluster.address);
  project.provide('testServerPath', serverPath);
  project.provide('temporalCliPath', cliPath);
  project.provide('temporalServerKind', 'cluster');
  return () => cluster.stop();
}
