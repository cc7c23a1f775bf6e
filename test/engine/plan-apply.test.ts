/**
 * `plan apply` at scale reads the running program from one visibility listing (issue 7 §5): each
 * measure's memo carries the digest of its definition as last applied, so re-applying an unchanged
 * file asks no workflow anything; a changed measure is queried and amended, and its new digest makes
 * the next re-apply quiet again. Counted with a client interceptor on the real dev server, with a
 * real worker in this process.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, type Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { outboxTransport } from '../../src/activities/mail';
import { applyPlan, measureState, planDigest } from '../../src/client/tracker';
import { addDays, dateOf } from '../../src/domain/dates';
import { MEMO, measureWorkflowId, type PlanMemo } from '../../src/domain/names';
import { validatePlan, type Plan } from '../../src/domain/plan';
import { measureInits } from '../../src/domain/program';
import { createWorker } from '../../src/worker';
import { memoryLedger } from '../support/mail';
import { connectDevServer, TEST_KEYS, testDataConverter } from '../support/temporal';

const program = `apply-${Date.now().toString(36)}`;
const zone = 'Asia/Tokyo';
const today = dateOf(Date.now(), zone);
const MEASURES = 60;

function planOf(change?: { measure: number; summary: string }): Plan {
  const r = validatePlan({
    program: {
      id: program,
      title: { ja: '適用試験', en: 'Apply test' },
      directive: { ref: 'T-7', issuer: 'MIC', issuedOn: '2024-04-16' },
      timezone: zone,
      calendar: 'weekdays',
      managers: ['suzuki'],
      comms: ['kato'],
    },
    people: {
      suzuki: { name: '鈴木 一郎', email: 'suzuki@example.jp' },
      sato: { name: '佐藤 花子', email: 'sato@example.jp' },
      kato: { name: '加藤 四郎', email: 'kato@example.jp' },
    },
    policies: { standard: { notifyAt: '09:00', escalation: [{ afterBusinessDays: 2, notify: ['owner'] }] } },
    measures: Array.from({ length: MEASURES }, (_, i) => ({
      id: `m${i}`,
      title: { ja: `施策 ${i}`, en: `Measure ${i}` },
      owner: 'sato',
      policy: 'standard',
      publicSummary: {
        ja: change?.measure === i ? change.summary : `概要 ${i}`,
        en: change?.measure === i ? change.summary : `Summary ${i}`,
      },
      milestones: [
        {
          id: 'a',
          title: { ja: '段階', en: 'Step' },
          due: addDays(today, 30 + i),
          // A chain: each measure after the first depends on the one before.
          dependsOn: i > 0 ? [`m${i - 1}/a`] : [],
        },
      ],
    })),
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.plan;
}

describe('plan apply from the listing', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-apply-'));
  let native: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  let connection: Connection;
  let client: Client;
  const queried: string[] = [];

  beforeAll(async () => {
    native = await NativeConnection.connect({ address: inject('temporalAddress') });
    worker = await createWorker({
      connection: native,
      namespace: 'default',
      keys: TEST_KEYS,
      mail: { transport: outboxTransport(path.join(dir, 'outbox')), ledger: memoryLedger(), from: 't@example.jp' },
    });
    running = worker.run();
    ({ connection } = await connectDevServer());
    const counting: WorkflowClientInterceptor = {
      async query(input, next) {
        // The program workflow is asked once per apply (its version); measures are what scale.
        if (input.workflowExecution.workflowId.startsWith('measure/')) queried.push(input.workflowExecution.workflowId);
        return next(input);
      },
    };
    client = new Client({
      connection,
      namespace: 'default',
      dataConverter: testDataConverter,
      interceptors: { workflow: [counting] },
    });
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await native?.close();
    await connection?.close();
  });

  /** Re-applies until the listing shows every measure (visibility lags a start by a moment). */
  async function reapplyListed(plan: Plan) {
    for (let i = 0; ; i++) {
      queried.length = 0;
      const r = await applyPlan(client, plan, 'suzuki');
      if (queried.length === 0 || i >= 20) return r;
      await new Promise((res) => setTimeout(res, 250));
    }
  }

  it('starts every measure in parallel, each with the digest of its definition in its memo', async () => {
    const plan = planOf();
    queried.length = 0;
    const first = await applyPlan(client, plan, 'suzuki');
    expect(first.started).toEqual(plan.measures.map((m) => m.id));
    // A program never applied has no measures to ask.
    expect(queried).toEqual([]);
    const init = measureInits(plan)[7];
    if (!init) throw new Error('no init');
    const d = await client.workflow.getHandle(measureWorkflowId(program, 'm7')).describe();
    expect(d.memo?.[MEMO.plan]).toEqual({ digest: planDigest(init), managers: ['suzuki'] } satisfies PlanMemo);
  });

  it('re-applies the unchanged file from the listing alone, querying no measure', async () => {
    const again = await reapplyListed(planOf());
    expect(queried).toEqual([]);
    expect(again.started).toEqual([]);
    expect(again.amended).toEqual([]);
    expect(again.unchanged).toHaveLength(MEASURES);
  });

  it('queries only the changed measure, amends it, and is quiet again on the next re-apply', async () => {
    const changed = planOf({ measure: 11, summary: 'changed' });
    queried.length = 0;
    const r = await applyPlan(client, changed, 'suzuki');
    expect(r.amended).toEqual(['m11']);
    expect(r.unchanged).toHaveLength(MEASURES - 1);
    expect([...new Set(queried)]).toEqual([measureWorkflowId(program, 'm11')]);
    expect((await measureState(client, program, 'm11')).measure.publicSummary?.en).toBe('changed');
    // The amendment wrote the new digest: the listing shows it a moment later.
    const quiet = await reapplyListed(changed);
    expect(queried).toEqual([]);
    expect(quiet.unchanged).toHaveLength(MEASURES);
  });

  it('still refuses a silent date change of a measure whose digest differs, changing nothing', async () => {
    const moved = planOf();
    const ms = moved.measures[20]?.milestones[0];
    if (!ms) throw new Error('no milestone');
    ms.due = addDays(ms.due, 7);
    await expect(applyPlan(client, moved, 'suzuki')).rejects.toThrow(/due date of m20\/a changed/);
    await expect(applyPlan(client, planOf(), 'mallory')).rejects.toThrow(/mallory may not apply the plan/);
    expect((await measureState(client, program, 'm20')).milestones[0]?.due).not.toBe(ms.due);
  });
});
