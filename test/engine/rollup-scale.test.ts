/**
 * The roll-up at scale on the real dev server (issue 6 §6): a program with 2,000 measures compiles
 * from the paged visibility listing of their memo snapshots, with a real worker in this process
 * serving its own namespace. Every measure is in the public update, no internal note leaks into it,
 * and the regulator CSV has one row per milestone.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { outboxTransport } from '../../src/activities/mail';
import { listReportingStates } from '../../src/activities/rollup';
import { applyProgram, compileUpdate, updateState } from '../../src/client/rollup';
import { addDays, dateOf } from '../../src/domain/dates';
import { MEMO, measureWorkflowId, runningMeasuresQuery, WORKFLOW_TYPE } from '../../src/domain/names';
import type { Plan, PlanMeasure } from '../../src/domain/plan';
import { measureInits } from '../../src/domain/program';
import { initialState } from '../../src/domain/reducer';
import { periodOf, reportingState } from '../../src/domain/rollup';
import { PUBLIC_FILES } from '../../src/domain/reports/update';
import { createWorker } from '../../src/worker';
import { PROGRAM } from '../../src/workflows/search-attributes';
import { ROLLUP_SCALE_NAMESPACE } from '../global-setup';
import { memoryLedger } from '../support/mail';
import { connectDevServer, TEST_KEYS } from '../support/temporal';
import { until as untilShared } from '../support/poll';

const MEASURES = 2000;
const program = `scale-${Date.now().toString(36)}`;
const zone = 'Asia/Tokyo';
const today = dateOf(Date.now(), zone);
const OWNERS = ['sato', 'tanaka', 'brown'] as const;

/** Measure `i` of the synthetic plan: 1-3 milestones, some done, some overdue, bilingual texts. */
function measureOf(i: number): PlanMeasure {
  const n = String(i).padStart(4, '0');
  const milestones: PlanMeasure['milestones'] = [];
  for (let k = 0; k <= i % 3; k++) {
    const due = addDays(today, (i % 7 === 0 ? -10 : 30) + 15 * k + (i % 90));
    milestones.push({
      id: `step${k + 1}`,
      title: { ja: `段階 ${k + 1}`, en: `Step ${k + 1} of measure ${n}` },
      due,
      dependsOn: [],
      ...(i % 5 === 0 && k === 0 ? { completed: { on: addDays(today, -3), by: 'sato', evidence: `CHG ${n}` } } : {}),
    });
  }
  return {
    id: `m${n}`,
    title: { ja: `施策 ${n} の是正`, en: `Remediate control area ${n}` },
    directiveItems: [`(${(i % 12) + 1})`],
    owner: OWNERS[i % OWNERS.length] ?? 'sato',
    policy: 'standard',
    publicSummary: { ja: `施策 ${n} の概要です。`, en: `Summary of measure ${n}.` },
    internalNotes: `SECRET-SCALE vendor quote for ${n}`,
    verification: 'none',
    milestones,
  };
}

/**
 * The plan, built as the typed object validation would produce: `validatePlan` caps a plan at 200
 * measures (a plan file is written by people), while a program may grow past that across files.
 */
const plan: Plan = {
  program: {
    id: program,
    title: { ja: '大規模ロールアップ試験', en: 'Roll-up at scale' },
    directive: { ref: 'T-6-SCALE', issuer: 'MIC', issuedOn: '2024-04-16' },
    timezone: zone,
    calendar: 'weekdays',
    closedDates: [],
    language: 'ja',
    managers: ['suzuki'],
    comms: ['kato'],
    reports: [],
    updates: { every: 'month', day: 1 },
  },
  people: {
    suzuki: { name: '鈴木 一郎', email: 'suzuki@example.jp' },
    sato: { name: '佐藤 花子', email: 'sato@example.jp' },
    tanaka: { name: '田中 三郎', email: 'tanaka@example.jp' },
    kato: { name: '加藤 四郎', email: 'kato@example.jp' },
    brown: { name: 'Alex Brown', email: 'brown@example.jp', lang: 'en' },
  },
  policies: {
    standard: {
      notifyAt: '09:00',
      remindBefore: [],
      remindOnDue: true,
      escalation: [{ afterBusinessDays: 2, notify: ['owner', 'manager'] }],
    },
  },
  measures: Array.from({ length: MEASURES }, (_, i) => measureOf(i)),
};
const milestoneCount = plan.measures.reduce((n, m) => n + m.milestones.length, 0);

/** Runs `fn` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** The shared poll with a longer default: 2,000 measures take a while. */
const until = <T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> =>
  untilShared(what, fn, ok, ms, 250);

describe('the roll-up of 2,000 measures on the dev server', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-rollup-scale-'));
  let native: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  let connection: Connection;
  let client: Client;
  let startMs = 0;
  // Not the current period, so the program's Schedule can never start this update itself.
  const period = periodOf(Date.parse(`${addDays(today, 40)}T00:00:00+09:00`), zone, 'month');

  beforeAll(async () => {
    ({ connection, client } = await connectDevServer(ROLLUP_SCALE_NAMESPACE));
    // The measures are started on a task queue no worker polls: they stay Running with their memo as
    // set at start, which is exactly what the listing reads (the memo a measure workflow keeps up to
    // date holds its `reportingState`), without running 2,000 workflows in this process.
    const idleQueue = `scale-idle-${Math.random().toString(36).slice(2)}`;
    const startedAt = Date.now();
    await eachLimited(measureInits(plan), 50, (init) =>
      client.workflow.start(WORKFLOW_TYPE.measure, {
        taskQueue: idleQueue,
        workflowId: measureWorkflowId(program, init.measure.id),
        args: [{ init, actor: 'suzuki' }],
        memo: { [MEMO.report]: reportingState(initialState({ ...init, startedAt, actor: 'suzuki' })) },
        typedSearchAttributes: [{ key: PROGRAM, value: program }],
      }),
    );
    await until(
      'the visibility count of the measures',
      async () => (await client.workflow.count(runningMeasuresQuery(program))).count,
      (n) => n === MEASURES,
    );
    startMs = Date.now() - startedAt;

    native = await NativeConnection.connect({ address: inject('temporalAddress') });
    worker = await createWorker({
      connection: native,
      namespace: ROLLUP_SCALE_NAMESPACE,
      varDir: dir,
      keys: TEST_KEYS,
      mail: {
        transport: outboxTransport(path.join(dir, 'outbox')),
        ledger: memoryLedger(),
        from: 'tracker@example.jp',
      },
    });
    running = worker.run();
  }, 240_000);

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await native?.close();
    await connection?.close();
    // The drafts and the mails of 2,000 measures are tens of MB.
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists every measure from ten pages of memo snapshots, querying none', async () => {
    const listing = await listReportingStates(client, program, 200);
    expect(listing.states).toHaveLength(MEASURES);
    expect(listing.queried).toBe(0);
    expect(listing.pages).toBe(10);
    expect(new Set(listing.states.map((s) => s.measure.id)).size).toBe(MEASURES);
  }, 120_000);

  it('compiles a draft of all 2,000 measures: every title public, no internal note, a CSV row per milestone', async () => {
    await applyProgram(client, plan, 'suzuki');
    const t0 = Date.now();
    const r = await compileUpdate(client, program, 'kato', period);
    expect(r.started).toBe(true);
    const u = await until(
      'the draft',
      () => updateState(client, program, period),
      (x) => x?.state === 'draft',
      200_000,
    );
    const compileMs = Date.now() - t0;
    const rev = u?.revision;
    if (!rev) throw new Error('the draft has no revision');
    expect(rev.measures).toBe(MEASURES);

    const read = (name: string) => readFileSync(path.join(rev.dir, name), 'utf8');
    const en = read('en.md');
    const headings = new Set(en.split('\n').filter((l) => l.startsWith('### ')));
    const missing = plan.measures.map((m) => m.title.en).filter((t) => !headings.has(`### ${t}`));
    expect(missing).toEqual([]);
    for (const name of PUBLIC_FILES) expect(read(name), name).not.toContain('SECRET-SCALE');
    const rows = parseCsv(read('regulator.csv'));
    expect(rows).toHaveLength(1 + milestoneCount);

    const sizes = Object.keys(rev.files)
      .sort()
      .map((name) => `${name} ${Math.round(statSync(path.join(rev.dir, name)).size / 1024)} KB`);
    console.log(
      `rollup-scale: ${MEASURES} measures, ${milestoneCount} milestones: started and listed in ${startMs} ms, compiled in ${compileMs} ms; ${sizes.join(', ')}`,
    );
  }, 240_000);
});
