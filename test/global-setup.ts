/**
 * Vitest global setup: provisions the Temporal CLI and the time-skipping test server (built or
 * fetched into .tools/ the first time), starts ONE in-memory dev server for the whole run, and
 * provides to tests (`inject(...)`): its address, and the paths of both tools.
 */
import type { TestProject } from 'vitest/node';
import { startDevServer } from '../src/local/dev-server';
import { repoRoot, temporalCliPath, testServerPath } from '../src/local/tools';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `127.0.0.1:<port>` of the dev server shared by the whole run (namespace `default`, custom search attributes registered). */
    temporalAddress: string;
    /** Executable of Temporal's Java time-skipping test server, for TestWorkflowEnvironment.createTimeSkipping. */
    testServerPath: string;
    /** The Temporal CLI binary. */
    temporalCliPath: string;
    /** What `temporalAddress` is, for test names: the same test bodies run on the dev server and on a cluster. */
    temporalServerKind: 'dev server' | 'cluster';
  }
}

/** The namespace of tests that run the `remediate worker` process. */
export const WORKER_E2E_NAMESPACE = 'worker-e2e';
/** The namespace of the roll-up tests: their worker writes drafts and the site to its own folder, so no other worker may serve it. */
export const ROLLUP_NAMESPACE = 'rollup-e2e';
/** The namespace of the roll-up scale test (2,000 measures), whose worker writes to its own folder too. */
export const ROLLUP_SCALE_NAMESPACE = 'rollup-scale';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cliPath = temporalCliPath(repoRoot);
  const serverPath = testServerPath(repoRoot);
  // A low threshold makes the server suggest continue-as-new after a few dozen events, so the tests
  // cross run boundaries (the production default is thousands of events).
  // The `worker-e2e` namespace is for tests that run `remediate worker` as its own process, apart from
  // the in-process workers that serve `default`.
  const server = await startDevServer({
    cliPath,
    headless: true,
    namespace: WORKER_E2E_NAMESPACE,
    extraNamespaces: [ROLLUP_NAMESPACE, ROLLUP_SCALE_NAMESPACE],
    dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 60 },
  });
  project.provide('temporalAddress', server.address);
  project.provide('testServerPath', serverPath);
  project.provide('temporalCliPath', cliPath);
  project.provide('temporalServerKind', 'dev server');
  return () => server.stop();
}
