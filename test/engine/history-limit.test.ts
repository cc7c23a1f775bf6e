/**
 * A measure's run stays short whatever its age: the workflow continues as new once its history reaches
 * LIMITS.historyEventsPerRun, long before the server would suggest it (tens of thousands of events).
 * On the time-skipping server, one measure whose three milestones escalate every day for five months
 * (about 450 notifications, each an activity and a few workflow tasks): every run of its chain is read
 * back and counted, and across the runs every notification the planner prescribes went out once.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/client/tracker';
import { addDays, dateOf, instantOf } from '../../src/domain/dates';
import { LIMITS } from '../../src/domain/limits';
import { measureWorkflowId } from '../../src/domain/names';
import { notificationsBetween } from '../../src/domain/planner';
import { validatePlan, type Plan } from '../../src/domain/plan';
import { statesFromPlan } from '../../src/domain/simulate';
import { workflowsPath } from '../../src/worker';
import { stateQuery, TASK_QUEUE } from '../../src/workflows/measure';
import { flakyRelay } from '../support/faults-mail';
import { createTimeSkippingEnv, registerSearchAttributes, testDataConverter } from '../support/temporal';

const { History } = temporal.api.history.v1;
const ZONE = 'Asia/Tokyo';
const MILESTONES = ['design', 'build', 'verify'];
const DAYS = 150;

function dailyEscalation(today: string, due: string): Plan {
  const r = validatePlan({
    program: {
      id: 'history-limit',
      title: { ja: '履歴の上限', en: 'History limit' },
      directive: { ref: 'X-1', issuer: 'MIC', issuedOn: today },
      timezone: ZONE,
      calendar: 'daily',
      managers: ['suzuki'],
    },
    people: {
      suzuki: { name: '鈴木 一郎', email: 'suzuki@example.jp' },
      sato: { name: '佐藤 花子', email: 'sato@example.jp', manager: 'tanaka' },
      tanaka: { name: '田中 次郎', email: 'tanaka@example.jp' },
    },
    policies: {
      daily: {
        notifyAt: '09:00',
        remindBefore: [1],
        remindOnDue: true,
        escalation: [{ afterBusinessDays: 1, notify: ['owner', 'manager'] }],
        repeatEveryBusinessDays: 1,
      },
    },
    measures: [
      {
        id: 'auth',
        title: { ja: '認証基盤の分離', en: 'Separate auth' },
        owner: 'sato',
        policy: 'daily',
        milestones: MILESTONES.map((id) => ({ id, title: { ja: id, en: id }, due })),
      },
    ],
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.plan;
}

describe('a long-lived measure on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  const relay = flakyRelay(() => true);

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    await registerSearchAttributes(env);
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowsPath,
      dataConverter: testDataConverter,
      activities: relay.activities,
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
  });

  it(`continues as new at ${LIMITS.historyEventsPerRun} events, and no notification is lost or repeated across its runs`, async () => {
    const startedAt = await env.currentTimeMs();
    const today = dateOf(startedAt, ZONE);
    const plan = dailyEscalation(today, addDays(today, 2));
    const workflowId = measureWorkflowId(plan.program.id, 'auth');
    await applyPlan(env.client, plan, 'suzuki');
    const until = instantOf(addDays(today, DAYS), '12:00', ZONE);
    await env.sleep(until - (await env.currentTimeMs()));
    const state = await env.client.workflow.getHandle(workflowId).query(stateQuery);

    // Every run of the chain, newest first, followed back through continuedExecutionRunId.
    const runs: number[] = [];
    let oldest: temporal.api.history.v1.IHistory | undefined;
    let runId: string | undefined = (await env.client.workflow.getHandle(workflowId).describe()).runId;
    while (runId) {
      const history: temporal.api.history.v1.IHistory = await env.client.workflow
        .getHandle(workflowId, runId)
        .fetchHistory();
      const events: temporal.api.history.v1.IHistoryEvent[] = history.events ?? [];
      runs.push(events.length);
      oldest = history;
      runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
    }
    const closed = runs.slice(1);
    expect(closed.length, `runs (events each, newest first): ${runs.join(', ')}`).toBeGreaterThanOrEqual(2);
    // A run ends a little after the limit: the notifications of the slot that crossed it are recorded first.
    for (const n of runs) expect(n).toBeLessThan(LIMITS.historyEventsPerRun + 200);
    for (const n of closed) expect(n).toBeGreaterThanOrEqual(LIMITS.historyEventsPerRun);

    // Across the runs: exactly what the planner prescribes for the period, each once.
    const [model] = statesFromPlan(plan, state.startedAt, 'suzuki');
    if (!model) throw new Error('no state');
    const expected = notificationsBetween(model, state.startedAt, until).map((n) => n.key);
    const sent = relay.attempts.map((a) => a.key);
    expect(expected.length).toBeGreaterThan(3 * (DAYS - 5));
    expect([...sent].sort()).toEqual([...expected].sort());
    expect(state.notifications.total).toBe(expected.length);

    // Keep the first run (it ended in continue-as-new at the limit): the replay test replays it.
    const dir = path.join(__dirname, '..', '..', 'var', 'histories');
    mkdirSync(dir, { recursive: true });
    if (oldest) writeFileSync(path.join(dir, 'measure-history-limit.binpb'), History.encode(oldest).finish());
  });
});
