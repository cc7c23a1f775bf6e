/**
 * The compile's second thread (src/activities/compile-thread.ts): a real worker thread, loading the
 * TypeScript through tsx as `remediate worker` does, renders the regulator report's data files byte
 * for byte as the same function does in this thread, from states sent in several batches in any
 * order; two jobs at once get their own files; a failure in a job reaches its caller with its message
 * and the thread serves the next; a dead thread fails its jobs and the next job starts another. The
 * roll-up engine tests (test/engine/rollup.test.ts) run the whole compile through it on a real server.
 */
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { syntheticPlans } from '../bench/burst';
import { startDataFilesJob, stopCompileThread } from '../src/activities/compile-thread';
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
  afterAll(() => stopCompileThread());

  it('renders the data files as this thread does, from batches in any order, with their sha256', async () => {
    const { plan, states: all } = states(250);
    const job = startDataFilesJob();
    // Pages arrive in the listing's order (not the measures'); the report sorts them.
    const shuffled = [...all].reverse();
    for (let i = 0; i < shuffled.length; i += 60) job.add(shuffled.slice(i, i + 60));
    job.add([]);
    const files = await job.render(now, plan.program.directive, null);

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

  it('keeps two jobs at once apart, and forgets a dropped one', async () => {
    const a = states(4);
    const b = states(7);
    const ja = startDataFilesJob();
    const jb = startDataFilesJob();
    const dropped = startDataFilesJob();
    dropped.add(a.states);
    ja.add(a.states.slice(0, 2));
    jb.add(b.states);
    ja.add(a.states.slice(2));
    dropped.drop();
    const [fa, fb] = await Promise.all([
      ja.render(now, a.plan.program.directive, null),
      jb.render(now, b.plan.program.directive, null),
    ]);
    const csv = (files: typeof fa) => Buffer.from(files.find((f) => f.name === 'regulator.csv')!.bytes).toString();
    expect(csv(fa)).toBe(regulatorDataFiles(a.states, now, a.plan.program)['regulator.csv']);
    expect(csv(fb)).toBe(regulatorDataFiles(b.states, now, b.plan.program)['regulator.csv']);
    await expect(dropped.render(now, a.plan.program.directive, null)).rejects.toThrow('this compile job has ended');
  });

  it('passes on what failed in a job, with its message, and serves the next job', async () => {
    const plan = basePlan();
    // No state sent: a regulator report needs at least one measure.
    await expect(startDataFilesJob().render(now, plan.program.directive, null)).rejects.toThrow(
      'a regulator report needs at least one measure',
    );
    const next = startDataFilesJob();
    next.add(states(2).states);
    await expect(next.render(now, plan.program.directive, null)).resolves.toHaveLength(3);
  });

  it('fails the jobs of a thread that died; the next job starts another', async () => {
    const { plan, states: some } = states(3);
    const job = startDataFilesJob();
    job.add(some);
    await stopCompileThread();
    await expect(job.render(now, plan.program.directive, null)).rejects.toThrow('the compile thread ended');
    const next = startDataFilesJob();
    next.add(some);
    await expect(next.render(now, plan.program.directive, null)).resolves.toHaveLength(3);
  });
});
