/**
 * The engine against the simulator: the real measure workflow, on Temporal's time-skipping test
 * server, over a multi-month plan with completions, a re-plan with approval and a cancellation, sends
 * exactly the notifications that `remediate simulate` predicts for the same plan and actions.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotificationActivities, smtpTransport } from '../../src/activities/mail';
import { applyPlan, sendCommand } from '../../src/client/tracker';
import { addDays, dateOf, formatInstant, parseInstant } from '../../src/domain/dates';
import type { NotificationPayload } from '../../src/domain/model';
import { validatePlan, type Plan } from '../../src/domain/plan';
import { simulate, startOfDay, type SimAction } from '../../src/domain/simulate';
import { measureWorkflowId, programWorkflowId } from '../../src/domain/names';
import { REPORT_TRACK } from '../../src/domain/report-track';
import { programStateQuery } from '../../src/workflows/program';
import { workflowsPath } from '../../src/worker';
import { stateQuery, TASK_QUEUE } from '../../src/workflows/measure';
import { temporal } from '@temporalio/proto';
import { memoryLedger, startLoopbackSmtp, type LoopbackSmtp } from '../support/mail';
import { createTimeSkippingEnv, registerSearchAttributes, testDataConverter } from '../support/temporal';

const ZONE = 'Asia/Tokyo';

/** A plan whose dates start a few days after `today`, so it runs in the test server's own time. */
function planFrom(today: string): Plan {
  const d = (n: number) => addDays(today, n);
  const r = validatePlan({
    program: {
      id: 'engine',
      title: { ja: 'エンジン', en: 'Engine' },
      directive: { ref: 'X-1', issuer: 'MIC', issuedOn: today },
      timezone: ZONE,
      calendar: 'jp',
      language: 'ja',
      managers: ['suzuki'],
      comms: ['kato'],
      // A report deadline: the program workflow's report track runs the same engine.
      reports: [{ id: 'mic-q1', title: { ja: '四半期報告', en: 'Quarterly report' }, due: d(25), owner: 'sato' }],
    },
    people: {
      suzuki: { name: '鈴木 一郎', email: 'suzuki@example.jp' },
      sato: { name: '佐藤 花子', email: 'sato@example.jp', manager: 'tanaka', lang: 'en' },
      tanaka: { name: '田中 次郎', email: 'tanaka@example.jp' },
      yamada: { name: '山田 三郎', email: 'yamada@example.jp' },
      kato: { name: '加藤 四郎', email: 'kato@example.jp' },
    },
    policies: {
      standard: {
        notifyAt: '09:00',
        remindBefore: [30, 7, 1],
        remindOnDue: true,
        escalation: [
          { afterBusinessDays: 1, notify: ['owner', 'manager'] },
          { afterBusinessDays: 3, notify: ['owner', 'manager', 'sponsor', 'managers'] },
        ],
        repeatEveryBusinessDays: 5,
      },
    },
    measures: [
      {
        id: 'auth',
        title: { ja: '認証基盤の分離', en: 'Separate auth' },
        owner: 'sato',
        sponsor: 'yamada',
        policy: 'standard',
        milestones: [
          { id: 'head', title: { ja: '本体', en: 'Head company' }, due: d(20) },
          // Same date as head: both milestones' notifications share instants in one workflow.
          {
            id: 'employee',
            title: { ja: '従業員システム', en: 'Employee systems' },
            due: d(20),
            dependsOn: ['soc/tier1'],
          },
          { id: 'domestic', title: { ja: '国内子会社', en: 'Domestic' }, due: d(45), dependsOn: ['auth/head'] },
        ],
      },
      {
        id: 'soc',
        title: { ja: 'SOC 移管', en: 'Move SOC' },
        owner: 'tanaka',
        sponsor: 'yamada',
        policy: 'standard',
        milestones: [{ id: 'tier1', title: { ja: 'Tier1', en: 'Tier 1' }, due: d(15), owner: 'sato' }],
      },
    ],
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.plan;
}

describe('measure workflow on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let smtp: LoopbackSmtp;
  const calls: Array<{ p: NotificationPayload; scheduledAt: number }> = [];

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    await registerSearchAttributes(env);
    smtp = await startLoopbackSmtp();
    const real = createNotificationActivities({
      transport: smtpTransport(smtp.url),
      ledger: memoryLedger(),
      from: 'tracker@example.jp',
    });
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowsPath,
      dataConverter: testDataConverter,
      activities: {
        sendNotification: async (p: NotificationPayload) => {
          calls.push({ p, scheduledAt: Context.current().info.currentAttemptScheduledTimestampMs });
          return real.sendNotification(p);
        },
      },
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await smtp?.close();
  });

  it('sends exactly what simulate predicts, at the predicted times, to the predicted people', async () => {
    const now = await env.currentTimeMs();
    const today = dateOf(now, ZONE);
    const plan = planFrom(today);
    const d = (n: number, time: string) => `${addDays(today, n)}T${time}`;
    const actions: SimAction[] = [
      // soc/tier1 (due d+15) is completed late, after escalations began.
      { at: d(22, '10:30'), do: 'complete', target: 'soc/tier1', as: 'sato', evidence: 'SOC-42 handover minutes' },
      // auth/head (due d+20): the owner asks for more time, a manager approves the next day.
      {
        at: d(12, '11:00'),
        do: 'replan',
        target: 'auth/head',
        as: 'sato',
        date: addDays(today, 35),
        reason: 'vendor delay',
      },
      { at: d(13, '14:00'), do: 'approve-replan', target: 'auth/head', as: 'suzuki' },
      { at: d(37, '16:00'), do: 'complete', target: 'auth/head', as: 'sato', evidence: 'CHG-7 cut-over report' },
      { at: d(38, '10:00'), do: 'complete', target: 'auth/employee', as: 'suzuki', evidence: 'EMP-3 migration log' },
      // The quarterly report is submitted two days late, after its first escalation.
      { at: d(27, '15:00'), do: 'complete', target: '@reports/mic-q1', as: 'sato', evidence: 'MIC filing 2024-123' },
      // The rest of auth is cancelled while its escalations repeat.
      { at: d(70, '12:00'), do: 'cancel', target: 'auth', as: 'suzuki', reason: 'merged into a new measure' },
    ];
    const until = addDays(today, 90);
    const predicted = simulate(plan, { from: startOfDay(today, ZONE), until: startOfDay(until, ZONE), actions })
      .filter((e) => e.kind === 'reminder' || e.kind === 'escalation')
      .map((e) => ({ at: e.at, kind: e.kind, measure: e.measure, milestone: e.milestone, level: e.level, to: e.to }));
    expect(predicted.length).toBeGreaterThan(10);
    // Nothing may fall on the first day: the workflow starts mid-day, the simulation at 00:00.
    expect(predicted.every((e) => !e.at.startsWith(today))).toBe(true);

    const client = env.client;
    await applyPlan(client, plan, 'suzuki');
    const commands = [...actions].sort((a, b) => (parseInstant(a.at, ZONE) ?? 0) - (parseInstant(b.at, ZONE) ?? 0));
    for (const a of commands) {
      const at = parseInstant(a.at, ZONE) ?? 0;
      await env.sleep(at - (await env.currentTimeMs()));
      const [measure = '', milestone = ''] = a.target.split('/');
      if (a.do === 'complete')
        await sendCommand(client, plan.program.id, measure, 'complete', {
          actor: a.as,
          milestone,
          evidence: a.evidence ?? '',
        });
      if (a.do === 'replan')
        await sendCommand(client, plan.program.id, measure, 'replan', {
          actor: a.as,
          milestone,
          date: a.date ?? '',
          reason: a.reason ?? '',
        });
      if (a.do === 'approve-replan')
        await sendCommand(client, plan.program.id, measure, 'approve-replan', { actor: a.as, milestone });
      if (a.do === 'cancel')
        await sendCommand(client, plan.program.id, measure, 'cancel', { actor: a.as, reason: a.reason ?? '' });
    }
    await env.sleep(startOfDay(until, ZONE) - (await env.currentTimeMs()));

    const actual = [];
    const program = await client.workflow.getHandle(programWorkflowId(plan.program.id)).query(programStateQuery);
    const tracks = [...plan.measures.map((m) => m.id), REPORT_TRACK];
    for (const id of tracks) {
      const state =
        id === REPORT_TRACK
          ? program.reports
          : await client.workflow.getHandle(measureWorkflowId(plan.program.id, id)).query(stateQuery);
      if (!state) throw new Error(`no state for ${id}`);
      const m = { id };
      expect(state.notifications.total).toBe(state.notifications.recent.length);
      for (const s of state.notifications.recent) {
        expect(s.failed).toBeUndefined();
        actual.push({
          at: formatInstant(s.at, ZONE),
          kind: s.kind,
          measure: m.id,
          milestone: s.milestone,
          level: s.level,
          to: s.to.map((id) => state.people[id]?.email),
        });
      }
    }
    actual.sort((a, b) =>
      a.at < b.at
        ? -1
        : a.at > b.at
          ? 1
          : `${a.measure}/${a.milestone}/${a.level}` < `${b.measure}/${b.milestone}/${b.level}`
            ? -1
            : 1,
    );
    expect(actual).toEqual(predicted);
    // Two milestones due the same day were both notified at the shared instants.
    expect(
      predicted.filter((e) => e.measure === 'auth' && e.milestone === 'employee' && e.kind === 'reminder').length,
    ).toBeGreaterThan(0);
    // The report deadline was reminded and escalated like a milestone, and its late submission recorded.
    expect(predicted.filter((e) => e.measure === REPORT_TRACK).map((e) => e.kind)).toEqual(
      expect.arrayContaining(['reminder', 'escalation']),
    );
    expect(program.reports?.milestones[0]?.completed).toMatchObject({ on: addDays(today, 27), by: 'sato' });

    // The completion in soc reached auth, which depends on it, by signal.
    const auth = await client.workflow.getHandle(measureWorkflowId(plan.program.id, 'auth')).query(stateQuery);
    expect(auth.external['soc/tier1']).toEqual({ due: addDays(today, 15), done: true });

    // The activity really ran at the planned instants of the server's clock (within its first minute).
    expect(calls).toHaveLength(predicted.length);
    for (const c of calls) {
      expect(c.scheduledAt).toBeGreaterThanOrEqual(c.p.notification.at);
      expect(c.scheduledAt - c.p.notification.at).toBeLessThan(60_000);
    }
    // Every notification arrived over real SMTP: one message per language of its recipients.
    const expectedMail = calls
      .flatMap((c) => [...new Set(c.p.recipients.map((r) => r.lang))].map((lang) => `${c.p.notification.key}#${lang}`))
      .sort();
    const header = (m: ParsedMail, name: string) => m.headers.get(name) as string | undefined;
    const arrived = smtp.received
      .map((m) => `${header(m, 'x-remediation-key')}#${header(m, 'content-language')}`)
      .sort();
    expect(arrived).toEqual(expectedMail);
    for (const m of smtp.received) {
      expect(m.text).toContain('remediate milestone');
      expect(m.html).toContain('remediate milestone');
    }
    const english = smtp.received.find((m) => m.headers.get('content-language') === 'en');
    const japanese = smtp.received.find((m) => m.headers.get('content-language') === 'ja');
    expect(english?.subject).toMatch(/^\[(Reminder|Escalation)/);
    expect(japanese?.subject).toMatch(/^【(リマインド|エスカレーション)/);

    // Keep this run's history: the replay test checks that later code still replays it.
    const dir = path.join(__dirname, '..', '..', 'var', 'histories');
    mkdirSync(dir, { recursive: true });
    const history = await client.workflow.getHandle(measureWorkflowId(plan.program.id, 'auth')).fetchHistory();
    writeFileSync(path.join(dir, 'measure-auth.binpb'), temporal.api.history.v1.History.encode(history).finish());
    const programHistory = await client.workflow.getHandle(programWorkflowId(plan.program.id)).fetchHistory();
    writeFileSync(path.join(dir, 'program.binpb'), temporal.api.history.v1.History.encode(programHistory).finish());
  });
});
