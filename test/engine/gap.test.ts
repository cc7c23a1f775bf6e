/**
 * The measure workflow while the mail relay is down, on Temporal's time-skipping server (which skips
 * the retry backoff too, so the real retry policy, about 50 attempts per notification, runs in
 * seconds). Two milestones share their due date, so every slot has two notifications. The relay is
 * down from the start until five days after the due date, then works again.
 *
 * Expected: each send is retried for a day and recorded as failed; the notifier never falls behind
 * (the sends of one instant run in parallel, and a retried send gives up a little under a day after
 * its first attempt, before the next day's slot); when the relay is back the next slot goes out on
 * its own day, and nothing missed is sent late or in a burst. The first version sent one after the
 * other: the second milestone's send began only when the first had given up a day later, so its
 * cursor fell a day further behind at every slot, it sent "due in 1 day" reminders days late, and
 * when the relay came back it sent every notification between cursor and now at once.
 *
 * Why not a real gap (the engine down for days), the catch-up case of `dueNotifications`: mail
 * failures alone cannot open one (see above), and this server stops its clock while a workflow task
 * waits for a worker, so a stopped worker cannot model days of outage. The catch-up rule itself is
 * checked in test/domain/engine.test.ts; here the state is checked against that same rule, run at the
 * instants the workflow woke.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/client/tracker';
import { addDays, dateOf, instantOf } from '../../src/domain/dates';
import { dueNotifications, markDealtWith, recordNotification } from '../../src/domain/engine';
import type { SentRecord } from '../../src/domain/model';
import { measureWorkflowId } from '../../src/domain/names';
import { validatePlan, type Plan } from '../../src/domain/plan';
import { statesFromPlan } from '../../src/domain/simulate';
import { workflowsPath } from '../../src/worker';
import { stateQuery, TASK_QUEUE } from '../../src/workflows/measure';
import { flakyRelay, RELAY_DOWN } from '../support/faults-mail';
import { createTimeSkippingEnv, registerSearchAttributes, testDataConverter } from '../support/temporal';

const ZONE = 'Asia/Tokyo';
const HOUR = 3_600_000;
const MILESTONES = ['employee', 'head'];

/** Two milestones due `due`; the `daily` calendar makes every day a business day, so dates are plain arithmetic. */
function planDue(today: string, due: string): Plan {
  const r = validatePlan({
    program: {
      id: 'gap',
      title: { ja: 'ギャップ', en: 'Gap' },
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
      standard: {
        notifyAt: '09:00',
        remindBefore: [7, 1],
        remindOnDue: true,
        escalation: [
          { afterBusinessDays: 1, notify: ['owner', 'manager'] },
          { afterBusinessDays: 3, notify: ['owner', 'manager', 'managers'] },
        ],
        repeatEveryBusinessDays: 2,
      },
    },
    measures: [
      {
        id: 'auth',
        title: { ja: '認証基盤の分離', en: 'Separate auth' },
        owner: 'sato',
        policy: 'standard',
        milestones: MILESTONES.map((id) => ({ id, title: { ja: id, en: id }, due })),
      },
    ],
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.plan;
}

/** The date in a notification key `measure/milestone/kind/level/date`. */
const keyDate = (key: string) => key.split('/').at(-1) ?? '';
const byKey = (a: SentRecord, b: SentRecord) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

describe('measure workflow while the mail relay is down, on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let relayBackAt = Infinity;
  const relay = flakyRelay(({ scheduledAt }) => scheduledAt >= relayBackAt);

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

  it('retries each send for a day, never falls behind, and sends nothing late or in a burst when the relay is back', async () => {
    const today = dateOf(await env.currentTimeMs(), ZONE);
    const due = addDays(today, 10);
    const day = (n: number) => addDays(due, n);
    const at = (n: number, time: string) => instantOf(day(n), time, ZONE);
    // The schedule of each milestone (daily calendar, 09:00): reminders due-7, due-1 and due; level 1
    // due+1; level 2 due+3, repeated due+5, due+7, due+9. The relay is back at due+5 12:00.
    relayBackAt = at(5, '12:00');
    const plan = planDue(today, due);
    const handle = env.client.workflow.getHandle(measureWorkflowId(plan.program.id, 'auth'));
    await applyPlan(env.client, plan, 'suzuki');
    await env.sleep(at(10, '00:00') - (await env.currentTimeMs()));
    const state = await handle.query(stateQuery);

    // The first notification: tried at its slot, retried for almost a day, then recorded as failed.
    const first = relay.attempts.filter((a) => a.key === `auth/head/reminder/0/${day(-7)}`);
    expect((first[0]?.scheduledAt ?? 0) - at(-7, '09:00')).toBeLessThan(60_000);
    expect(first.length).toBeGreaterThan(40);
    expect(first.some((a) => a.ok)).toBe(false);
    const retriedFor = (first.at(-1)?.scheduledAt ?? 0) - (first[0]?.scheduledAt ?? 0);
    expect(retriedFor).toBeGreaterThan(22 * HOUR);
    expect(retriedFor).toBeLessThanOrEqual(24 * HOUR);

    // Every slot's pair of notifications, each on its own day: failed while the relay was down, sent after.
    const slots: Array<[string, number, number, string]> = [
      ['reminder', 0, -7, RELAY_DOWN],
      ['reminder', 0, -1, RELAY_DOWN],
      ['reminder', 0, 0, RELAY_DOWN],
      ['escalation', 1, 1, RELAY_DOWN],
      ['escalation', 2, 3, RELAY_DOWN],
      ['escalation', 2, 5, 'sent'], // tried from 09:00, delivered at the first retry after 12:00
      ['escalation', 2, 7, 'sent'],
      ['escalation', 2, 9, 'sent'],
    ];
    const expected = slots.flatMap(([kind, level, n, outcome]) =>
      MILESTONES.map((m) => [`auth/${m}/${kind}/${level}/${day(n)}`, at(n, '09:00'), outcome]),
    );
    const records = [...state.notifications.recent].sort((a, b) => a.at - b.at || byKey(a, b));
    expect(records.map((r) => [r.key, r.at, r.failed ?? 'sent'])).toEqual(expected);
    expect(state.notifications).toMatchObject({ total: 16, failed: 10 });

    // No burst: every notification was first tried on its own day (nothing stale went out late), every
    // delivery is dated the day the activity ran, and no milestone got two deliveries on one day.
    for (const a of relay.attempts.filter((x) => x.attempt === 1))
      expect(keyDate(a.key), `${a.key} first tried on its own day`).toBe(dateOf(a.scheduledAt, ZONE));
    const delivered = relay.attempts.filter((a) => a.ok);
    expect(delivered.map((a) => a.key).sort()).toEqual(
      expected
        .filter((e) => e[2] === 'sent')
        .map((e) => e[0])
        .sort(),
    );
    for (const a of delivered) expect(keyDate(a.key), a.key).toBe(dateOf(a.scheduledAt, ZONE));
    for (const m of MILESTONES) {
      const days = delivered.filter((a) => a.key.startsWith(`auth/${m}/`)).map((a) => dateOf(a.scheduledAt, ZONE));
      expect(new Set(days).size, `${m}: one delivery a day`).toBe(days.length);
    }
    expect(delivered.some((a) => a.key.includes('/reminder/'))).toBe(false);

    // Exactly what the engine's rule prescribes: `dueNotifications` on the same plan, at the instants the
    // workflow woke to send (each notification's first attempt), with the outcome the relay gave.
    const [model] = statesFromPlan(plan, state.startedAt, 'suzuki');
    if (!model) throw new Error('no state');
    const wakes = [...new Set(relay.attempts.filter((a) => a.attempt === 1).map((a) => a.scheduledAt))].sort();
    for (const w of wakes) {
      for (const n of dueNotifications(model, w))
        recordNotification(model, n, relay.attempts.some((a) => a.key === n.key && a.ok) ? undefined : RELAY_DOWN);
      markDealtWith(model, w);
    }
    expect([...state.notifications.recent].sort(byKey)).toEqual([...model.notifications.recent].sort(byKey));
  });
});
