/**
 * The compile's second thread (src/activities/compile-thread.ts): a real worker thread, loading the
 * TypeScript through tsx as `remediate worker` does, renders the regulator report's data files byte
 * for byte as the same function does in this thread, from states sent in several batches in any
 * order; a failure in the thread reaches the caller with its message; a thread closed before it
 * renders ends cleanly. The roll-up engine tests (test/engine/rollup.test.ts) run the whole compile
 * through it on a real server.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { syntheticPlans } from '../bench/burst';
import { startDataFilesThread } from '../src/activities/compile-thread';
import { reportingState } from '../src/domain/rollup';
import { statesFromPlan } from '../src/domain/simulate';
import { REGULATOR_DATA_FILES, regulatorDataFiles, updateDocuments } from '../src/domain/reports/update';
import { basePlan, tokyo } from './domain/fixtures';

const now = tokyo('2026-03-02T10:00');

function states(measures: number) {
  const plan = syntheticPlans({
    program: 'thread',
    measures,
    zone: 'Asia/Tokyo',
    calendar: 'jp',
    notifyAt: '09:00',
    shape: 'quiet',
    today: '2026-02-02',
  })[0];
  if (!plan) throw new Error('no synthetic plan');
  return { plan, states: statesFromPlan(plan, tokyo('2026-02-02T09:00')).map((s) => reportingState(s)) };
}

describe('the compile thread', () => {
  it('renders the data files as this thread does, from batches in any order, with their sha256', async () => {
    const { plan, states: all } = states(250);
    const thread = startDataFilesThread();
    // Pages arrive in the listing's order (not the measures'); the report sorts them.
    const shuffled = [...all].reverse();
    for (let i = 0; i < shuffled.length; i += 60) thread.add(shuffled.slice(i, i + 60));
    thread.add([]);
    const files = await thread.render(now, plan.program.directive, null);
    await thread.close();

    const here = regulatorDataFiles(all, now, plan.program);
    expect(files.map((f) => f.name)).toEqual([...REGULATOR_DATA_FILES]);
    for (const f of files) {
      const text = Buffer.from(f.bytes).toString('utf8');
      expect(text).toBe(here[f.name as keyof typeof here]);
      expect(f.sha256).toBe(createHash('sha256').update(f.bytes).digest('hex'));
    }
    // What the compile writes is what `updateDocuments` alone would write.
    const whole = updateDocuments(all, now, plan.program, '2026-03', null);
    const pages = updateDocuments(all, now, plan.program, '2026-03', null, null, { dataFiles: false });
    expect(Object.keys(pages.files).some((n) => (REGULATOR_DATA_FILES as readonly string[]).includes(n))).toBe(false);
    expect({ ...pages.files, ...here }).toEqual(whole.files);
    expect((JSON.parse(here['regulator.json']) as { measures: unknown[] }).measures).toHaveLength(250);
  });

  it('passes on what failed in the thread, with its message', async () => {
    const plan = basePlan();
    const thread = startDataFilesThread();
    // No state sent: a regulator report needs at least one measure.
    await expect(thread.render(now, plan.program.directive, null)).rejects.toThrow(
      'a regulator report needs at least one measure',
    );
    await thread.close();
  });

  it('ends a thread closed before it renders (a compile whose listing failed)', async () => {
    const thread = startDataFilesThread();
    thread.add(states(3).states);
    await expect(thread.close()).resolves.toBeUndefined();
    await expect(thread.render(now, basePlan().program.directive, null)).rejects.toThrow();
  });
});
