/**
 * A run ends by its own length: on the time-skipping test server, which never suggests
 * continue-as-new, a measure that takes hundreds of accepted commands continues as new once its
 * history reaches HISTORY_EVENTS_PER_RUN events, keeps everything it had, and stays under 2,000 events.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan, sendCommand } from '../../src/client/tracker';
import { addDays, dateOf } from '../../src/domain/dates';
import { measureWorkflowId } from '../../src/domain/names';
import { validatePlan, type Plan } from '../../src/domain/plan';
import { workflowsPath } from '../../src/worker';
import { stateQuery, TASK_QUEUE } from '../../src/workflows/measure';
import { HISTORY_EVENTS_PER_RUN } from '../../src/workflows/run-length';
import { createTimeSkippingEnv, registerSearchAttributes, testDataConverter } from '../support/temporal';

const ZONE = 'Asia/Tokyo';
const EventType = temporal.api.enums.v1.EventType;

function planFrom(today: string): Plan {
  const r = validatePlan({
    program: {
      id: 'long-run',
      title: { ja: '長い実行', en: 'Long run' },
      directive: { ref: 'X-1', issuer: 'MIC', issuedOn: today },
      timezone: ZONE,
      calendar: 'jp',
      language: 'ja',
      managers: ['suzuki'],
    },
    people: {
      suzuki: { name: '鈴木 一郎', email: 'suzuki@example.jp' },
      sato: { name: '佐藤 花子', email: 'sato@example.jp' },
    },
    policies: { standard: { notifyAt: '09:00', remindBefore: [7], escalation: [] } },
    measures: [
      {
        id: 'auth',
        title: { ja: '認証基盤の分離', en: 'Separate auth' },
        owner: 'sato',
        policy: 'standard',
        milestones: [{ id: 'head', title: { ja: '本体', en: 'Head company' }, due: addDays(today, 200) }],
      },
    ],
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.plan;
}

describe('the length of a run', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    await registerSearchAttributes(env);
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowsPath,
      dataConverter: testDataConverter,
      activities: { sendNotification: () => Promise.resolve() },
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
  });

  it('continues as new at HISTORY_EVENTS_PER_RUN events without a server suggestion, losing nothing', async () => {
    const today = dateOf(await env.currentTimeMs(), ZONE);
    const plan = planFrom(today);
    await applyPlan(env.client, plan, 'suzuki');
    const handle = env.client.workflow.getHandle(measureWorkflowId('long-run', 'auth'));
    const firstRun = (await handle.describe()).runId;

    // Forecasts alternate between two dates, so every one is accepted and changes what the observer publishes.
    let sent = 0;
    let lastDate = '';
    while ((await handle.describe()).runId === firstRun) {
      expect(sent, 'the run should have continued as new by now').toBeLessThan(600);
      lastDate = addDays(today, 150 + (sent % 2));
      await sendCommand(env.client, 'long-run', 'auth', 'forecast', {
        actor: 'sato',
        milestone: 'head',
        date: lastDate,
      });
      sent++;
    }

    const history = await env.client.workflow.getHandle(handle.workflowId, firstRun).fetchHistory();
    const events = history.events ?? [];
    expect(events.length).toBeGreaterThanOrEqual(HISTORY_EVENTS_PER_RUN);
    expect(events.length).toBeLessThan(2000);
    expect(events.at(-1)?.eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);
    // The patch's marker is written when the run got long (the other patches' markers are at its start).
    const markers = events.flatMap((e, i) => (e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED ? [i] : []));
    const late = markers.filter((i) => i > 100);
    expect(late.length).toBeGreaterThan(0);
    expect(late.every((i) => i >= HISTORY_EVENTS_PER_RUN - 1)).toBe(true);

    // The long run replays on this code: the patch is decided by the recorded history's length.
    await Worker.runReplayHistory({ workflowsPath, dataConverter: testDataConverter }, history, handle.workflowId);

    // The new run has everything: the last forecast, every forecast in the action log (bounded by LIMITS.actions).
    const state = await handle.query(stateQuery);
    const milestone = state.milestones.find((m) => m.id === 'head');
    expect(milestone?.forecast).toBe(lastDate);
    expect(state.actions.filter((a) => a.kind === 'forecast').length).toBe(sent);
  });
});
