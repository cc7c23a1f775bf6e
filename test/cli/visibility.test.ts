/**
 * What others see follows the state while mail is being retried: on the shared dev server, in real
 * time, the first notification's activity fails (the relay is down) and Temporal retries it; during
 * that retry a re-plan request and the completion of the measure show at once in the memo snapshot
 * and in `temporal workflow list --query` (search attributes). The first version published only
 * between sends, so they stayed invisible until the mail gave up, a day later.
 */
import { Client, Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { applyPlan, sendCommand } from '../../src/client/tracker';
import { addDays } from '../../src/domain/dates';
import { measureWorkflowId, TASK_QUEUE } from '../../src/domain/names';
import { validatePlan, type Plan } from '../../src/domain/plan';
import type { MeasureView } from '../../src/domain/view';
import { workflowsPath } from '../../src/worker';
import { STATUS } from '../../src/workflows/search-attributes';
import { flakyRelay } from '../support/faults-mail';
import { slotSoon } from '../support/slots';
import { temporalList, testDataConverter } from '../support/temporal';

/** Zones far enough apart that in at least one of them the next two minutes do not cross midnight. */

function planOf(program: string, slot: ReturnType<typeof slotSoon>): Plan {
  const r = validatePlan({
    program: {
      id: program,
      title: { ja: '可視性', en: 'Visibility' },
      directive: { ref: 'T-1', issuer: 'MIC', issuedOn: slot.today },
      timezone: slot.zone,
      calendar: 'daily',
      managers: ['suzuki'],
    },
    people: {
      suzuki: { name: '鈴木 一郎', email: 'suzuki@example.jp' },
      sato: { name: '佐藤 花子', email: 'sato@example.jp', lang: 'en' },
    },
    policies: { standard: { notifyAt: slot.notifyAt, remindOnDue: true } },
    measures: [
      {
        id: 'auth',
        title: { ja: '認証基盤の分離', en: 'Separate auth' },
        owner: 'sato',
        policy: 'standard',
        milestones: [
          // The reminder of its due date, at the slot, is the first notification.
          { id: 'head', title: { ja: '本体', en: 'Head' }, due: slot.today },
          { id: 'later', title: { ja: '後続', en: 'Later' }, due: addDays(slot.today, 30) },
        ],
      },
    ],
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.plan;
}

/** Polls `fn` every 250 ms until `ok` holds or `ms` have passed; returns the last value. */
async function within<T>(ms: number, fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const end = Date.now() + ms;
  let v = await fn();
  while (!ok(v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 250));
    v = await fn();
  }
  return v;
}

const program = `vis-${Date.now().toString(36)}`;
// Our own task queue: the worker of this file fails every send, and other files run workers on the
// shared `remediation` queue of `default` at the same time. On one queue, their workers could run this
// workflow's activity (and succeed) and ours would fail theirs. `applyPlan` starts on TASK_QUEUE; a
// client interceptor moves this program's starts to our queue.
const taskQueue = `${TASK_QUEUE}-${program}`;
const ownQueue: WorkflowClientInterceptor = {
  startWithDetails: (input, next) => next({ ...input, options: { ...input.options, taskQueue } }),
};

describe('visibility while mail is being retried, on the dev server', () => {
  const relay = flakyRelay(() => false);
  let native: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  let connection: Connection;
  let client: Client;

  beforeAll(async () => {
    native = await NativeConnection.connect({ address: inject('temporalAddress') });
    worker = await Worker.create({
      connection: native,
      namespace: 'default',
      taskQueue,
      workflowsPath,
      dataConverter: testDataConverter,
      activities: relay.activities,
    });
    running = worker.run();
    connection = await Connection.connect({ address: inject('temporalAddress') });
    client = new Client({
      connection,
      namespace: 'default',
      dataConverter: testDataConverter,
      interceptors: { workflow: [ownQueue] },
    });
  });
  afterAll(async () => {
    await client?.workflow
      .getHandle(measureWorkflowId(program, 'auth'))
      .terminate('test over')
      .catch(() => undefined);
    worker?.shutdown();
    await running;
    await native?.close();
    await connection?.close();
  });

  it('shows a re-plan request and the completion in memo and search attributes while the mail is retried', async () => {
    const slot = slotSoon(20_000);
    const plan = planOf(program, slot);
    await applyPlan(client, plan, 'suzuki');
    const handle = client.workflow.getHandle(measureWorkflowId(program, 'auth'));

    // The reminder of the slot is tried and fails; the workflow now waits in Temporal's retry.
    await within(
      slot.at + 30_000 - Date.now(),
      () => Promise.resolve(relay.attempts.length),
      (n) => n > 0,
    );
    expect(relay.attempts[0]).toMatchObject({ key: `auth/head/reminder/0/${slot.today}`, attempt: 1, ok: false });
    expect(relay.attempts[0]?.scheduledAt).toBeGreaterThanOrEqual(slot.at);
    const view = async () => {
      const d = await handle.describe();
      return {
        snapshot: d.memo?.snapshot as MeasureView | undefined,
        status: d.typedSearchAttributes.get(STATUS),
        pending: d.raw.pendingActivities ?? [],
      };
    };
    expect((await view()).pending).toHaveLength(1);

    // A re-plan request by the owner (who needs a manager's approval) shows in the memo snapshot.
    await sendCommand(client, program, 'auth', 'replan', {
      actor: 'sato',
      milestone: 'later',
      date: addDays(slot.today, 45),
      reason: 'vendor delay',
    });
    const requested = await within(
      10_000,
      view,
      (v) => v.snapshot?.milestones.find((m) => m.id === 'later')?.pendingReplan != null,
    );
    expect(requested.snapshot?.milestones.find((m) => m.id === 'later')?.pendingReplan).toEqual({
      to: addDays(slot.today, 45),
      requestedBy: 'sato',
      reason: 'vendor delay',
    });
    expect(requested.pending).toHaveLength(1);

    // Both milestones completed: the measure is done, in the memo, the search attributes and `workflow list`.
    for (const milestone of ['head', 'later'])
      await sendCommand(client, program, 'auth', 'complete', {
        actor: 'sato',
        milestone,
        evidence: `CHG-${milestone}`,
      });
    const query = `RemediationProgram='${program}' AND RemediationStatus='done'`;
    const listed = await within(
      10_000,
      () => temporalList(query),
      (l) => l.length > 0,
    );
    expect(listed.map((w) => w.execution.workflowId)).toEqual([measureWorkflowId(program, 'auth')]);
    const done = await view();
    expect(done.snapshot?.status).toBe('done');
    expect(done.status).toBe('done');
    expect(done.snapshot?.milestones.map((m) => [m.id, m.completedOn, m.pendingReplan])).toEqual([
      ['head', slot.today, null],
      ['later', slot.today, null],
    ]);

    // All of this while the first mail is still being retried: it never succeeded and is still pending.
    expect(done.pending).toHaveLength(1);
    expect(done.pending[0]?.activityType?.name).toBe('sendNotification');
    expect(relay.attempts.length).toBeGreaterThan(0);
    expect(relay.attempts.every((a) => a.key === `auth/head/reminder/0/${slot.today}` && !a.ok)).toBe(true);
  });
});
