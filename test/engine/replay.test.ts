/**
 * Recorded histories keep replaying: every file in test/histories/ is a real workflow history (binary
 * protobuf) recorded by a test into var/histories/: measure and program workflows by the engine test on
 * the time-skipping server, progress updates by the roll-up test on the dev server. A change to the workflow that is not
 * guarded by `patched()` makes its replay fail here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowsPath } from '../../src/worker';
import { testDataConverter } from '../support/temporal';

const dir = path.join(__dirname, '..', 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.binpb'));

describe('recorded workflow histories (measures, programs, progress updates)', () => {
  it('has recorded histories to replay', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s replays without nondeterminism', async (file) => {
    const history = temporal.api.history.v1.History.decode(readFileSync(path.join(dir, file)));
    expect(history.events?.length).toBeGreaterThan(20);
    // Histories recorded since issue 7 are encrypted with the test keys; older ones are in clear.
    await Worker.runReplayHistory({ workflowsPath, dataConverter: testDataConverter }, history, file);
  });
});
