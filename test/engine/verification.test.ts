/**
 * Segregation of duties in the real measure workflow, on the time-skipping server: a completion under
 * `verification: required` waits for a second person while the escalation ladder goes on; the
 * completer's own confirmation is refused by the Update validator (history unchanged); another
 * person's confirmation closes the milestone and stops the notifications.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotificationActivities, smtpTransport } from '../../src/activities/mail';
import { applyPlan, sendCommand } from '../../src/client/tracker';
import { addDays, dateOf, instantOf } from '../../src/domain/dates';
import { measureWorkflowId } from '../../src/domain/names';
import { validatePlan, type Plan } from '../../src/domain/plan';
import { workflowsPath } from '../../src/worker';
import { stateQuery, TASK_QUEUE } from '../../src/workflows/measure';
import { memoryLedger, startLoopbackSmtp, type LoopbackSmtp } from '../support/mail';
import { createTimeSkippingEnv, registerSearchAttributes, testDataConverter } from '../support/temporal';

const ZONE = 'Asia/Tokyo';

function planFrom(today: string): Plan {
  const r = validatePlan({
    program: {
      id: 'sod',
      title: { ja: '職務分離', en: 'Segregation of duties' },
      directive: { ref: 'X-1', issuer: 'MIC', issuedOn: today },
      timezone: ZONE,
      calendar: 'weekdays',
      managers: ['suzuki'],
    },
    people: {
      suzuki: { name: '鈴木 一郎', email: 'suzuki@example.jp' },
      sato: { name: '佐藤 花子', email: 'sato@example.jp' },
      yamada: { name: '山田 三郎', email: 'yamada@example.jp' },
    },
    policies: {
      standard: {
        notifyAt: '09:00',
        remindBefore: [1],
        escalation: [{ afterBusinessDays: 1, notify: ['owner', 'sponsor'] }],
        repeatEveryBusinessDays: 2,
      },
    },
    measures: [
      {
        id: 'auth',
        title: { ja: '認証基盤の分離', en: 'Separate auth' },
        owner: 'sato',
        sponsor: 'yamada',
        policy: 'standard',
        verification: 'required',
        milestones: [{ id: 'head', title: { ja: '本体', en: 'Head' }, due: addDays(today, 7) }],
      },
    ],
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.plan;
}

describe('verification: required in the measure workflow', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let smtp: LoopbackSmtp;

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    await registerSearchAttributes(env);
    smtp = await startLoopbackSmtp();
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowsPath,
      dataConverter: testDataConverter,
      activities: createNotificationActivities({
        transport: smtpTransport(smtp.url),
        ledger: memoryLedger(),
        from: 'tracker@example.jp',
      }),
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await smtp?.close();
  });

  it('waits for a second person, escalating meanwhile, and closes on their confirmation', async () => {
    const client = env.client;
    const today = dateOf(await env.currentTimeMs(), ZONE);
    const plan = planFrom(today);
    await applyPlan(client, plan, 'suzuki');
    const handle = client.workflow.getHandle(measureWorkflowId('sod', 'auth'));
    const due = addDays(today, 7);

    await env.sleep(instantOf(addDays(today, 3), '10:00', ZONE) - (await env.currentTimeMs()));
    const submitted = await sendCommand(client, 'sod', 'auth', 'complete', {
      milestone: 'head',
      evidence: 'CHG-1',
      actor: 'sato',
    });
    expect(submitted.milestone).toMatchObject({ status: 'awaiting-verification', completedOn: null });

    // The completer may not confirm their own work: refused by the validator, nothing in history.
    const updatesIn = async () =>
      ((await handle.fetchHistory()).events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)
        .length;
    const before = await updatesIn();
    await expect(sendCommand(client, 'sod', 'auth', 'verify', { milestone: 'head', actor: 'sato' })).rejects.toThrow(
      /sato completed auth\/head and may not verify it/,
    );
    expect(await updatesIn()).toBe(before);

    // Unconfirmed, the milestone is still open: the reminder and the escalation go out.
    await env.sleep(instantOf(addDays(due, 4), '12:00', ZONE) - (await env.currentTimeMs()));
    const waiting = await handle.query(stateQuery);
    expect(waiting.milestones[0]?.awaitingVerification).toMatchObject({ by: 'sato', evidence: 'CHG-1' });
    const kinds = waiting.notifications.recent.map((n) => n.kind);
    expect(kinds).toContain('reminder');
    expect(kinds).toContain('escalation');
    const sentBefore = waiting.notifications.total;

    const verified = await sendCommand(client, 'sod', 'auth', 'verify', { milestone: 'head', actor: 'yamada' });
    expect(verified.milestone).toMatchObject({ status: 'done', completedOn: addDays(today, 3) });
    await env.sleep(10 * 86_400_000);
    const done = await handle.query(stateQuery);
    expect(done.milestones[0]?.completed).toMatchObject({ by: 'sato', verifiedBy: 'yamada' });
    expect(done.notifications.total).toBe(sentBefore);
    expect(done.actions.map((a) => a.kind)).toEqual(['created', 'completion-submitted', 'verified']);
  });
});
