/**
 * The roll-up end to end on the real dev server (Schedules and visibility listing need it), with a
 * real worker in this process serving its own namespace, mail to a real SMTP server on loopback:
 * `plan apply` twice leaves one Schedule; triggering it compiles a draft that reaches comms; a second
 * update says exactly what changed; approval publishes, rejection does not; refused decisions (by
 * someone else, on a revision that is not the current one) never enter history; a decision on an
 * update already published says so.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ScheduleOverlapPolicy, type Client, type Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { smtpTransport } from '../../src/activities/mail';
import { listReportingStates } from '../../src/activities/rollup';
import { applyPlan, sendCommand } from '../../src/client/tracker';
import {
  compileUpdate,
  decideOnUpdate,
  listUpdates,
  SCHEDULE_CATCHUP_WINDOW,
  updateState,
} from '../../src/client/rollup';
import { addDays, dateOf } from '../../src/domain/dates';
import { updateScheduleId, updateWorkflowId } from '../../src/domain/names';
import { validatePlan, type Plan } from '../../src/domain/plan';
import { ProblemError } from '../../src/domain/problems';
import { periodOf, type UpdateState } from '../../src/domain/rollup';
import { REPORT_TRACK } from '../../src/domain/report-track';
import { createWorker } from '../../src/worker';
import { ROLLUP_NAMESPACE } from '../global-setup';
import { memoryLedger, startLoopbackSmtp, type LoopbackSmtp } from '../support/mail';
import { connectDevServer, TEST_KEYS } from '../support/temporal';
import { until } from '../support/poll';

const program = `rollup-${Date.now().toString(36)}`;
const zone = 'Asia/Tokyo';
const today = dateOf(Date.now(), zone);

function planOf(extra = false, comms = ['kato', 'brown']): Plan {
  const r = validatePlan({
    program: {
      id: program,
      title: { ja: 'ロールアップ試験', en: 'Roll-up test' },
      directive: { ref: 'T-6', issuer: 'MIC', issuedOn: '2024-04-16' },
      timezone: zone,
      calendar: 'weekdays',
      managers: ['suzuki'],
      comms,
      updates: { every: 'month', day: 1 },
      reports: [
        { id: 'q1', title: { ja: '四半期報告', en: 'Quarterly report' }, due: addDays(today, 10), owner: 'suzuki' },
      ],
    },
    people: {
      suzuki: { name: '鈴木 一郎', email: 'suzuki@example.jp' },
      sato: { name: '佐藤 花子', email: 'sato@example.jp' },
      kato: { name: '加藤 四郎', email: 'kato@example.jp' },
      brown: { name: 'Alex Brown', email: 'brown@example.jp', lang: 'en' },
    },
    policies: {
      standard: { notifyAt: '09:00', escalation: [{ afterBusinessDays: 2, notify: ['owner', 'manager'] }] },
    },
    measures: [
      {
        id: 'auth',
        title: { ja: '認証基盤の分離', en: 'Separate the authentication infrastructure' },
        directiveItems: ['(1)'],
        owner: 'sato',
        policy: 'standard',
        publicSummary: { ja: '認証基盤を分離します。', en: 'We separate the authentication infrastructure.' },
        internalNotes: 'SECRET-NOTE vendor quote 12M',
        milestones: [
          { id: 'head', title: { ja: '本体', en: 'Head company' }, due: addDays(today, 60) },
          { id: 'subs', title: { ja: '子会社', en: 'Subsidiaries' }, due: addDays(today, 90) },
        ],
      },
      {
        id: 'soc',
        title: { ja: 'SOC の国内移管', en: 'Move SOC Tier 1 to a domestic vendor' },
        directiveItems: ['(2)'],
        owner: 'sato',
        policy: 'standard',
        milestones: [{ id: 'tier1', title: { ja: '一次対応', en: 'Tier 1' }, due: addDays(today, 120) }],
      },
      ...(extra
        ? [
            {
              id: 'pcs',
              title: { ja: '委託先への PC 貸与', en: 'Lend PCs to every contractor' },
              directiveItems: ['(3)'],
              owner: 'sato',
              policy: 'standard',
              milestones: [{ id: 'all', title: { ja: '全員', en: 'Everyone' }, due: addDays(today, 150) }],
            },
          ]
        : []),
    ],
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.plan;
}

describe(`the roll-up on the ${inject('temporalServerKind')}`, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-rollup-'));
  let smtp: LoopbackSmtp;
  let native: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  let connection: Connection;
  let client: Client;
  const period = periodOf(Date.now(), zone, 'month');
  const nextPeriod = periodOf(Date.parse(`${addDays(today, 40)}T00:00:00+09:00`), zone, 'month');

  const stateOf = (p: string) => updateState(client, program, p);
  const inState = async (p: string, s: UpdateState['state'], revision = 1): Promise<UpdateState> => {
    const u = await until(
      `${p} ${s} r${revision}`,
      () => stateOf(p),
      (x) => x?.state === s && (x.revision?.n ?? 0) >= revision,
    );
    if (!u) throw new Error(`no update ${p}`);
    return u;
  };

  beforeAll(async () => {
    smtp = await startLoopbackSmtp();
    native = await NativeConnection.connect({ address: inject('temporalAddress') });
    worker = await createWorker({
      connection: native,
      namespace: ROLLUP_NAMESPACE,
      varDir: dir,
      keys: TEST_KEYS,
      mail: { transport: smtpTransport(smtp.url), ledger: memoryLedger(), from: 'tracker@example.jp' },
    });
    running = worker.run();
    ({ connection, client } = await connectDevServer(ROLLUP_NAMESPACE));
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await native?.close();
    await connection?.close();
    await smtp?.close();
  });

  it('plan apply twice leaves one Schedule, in the program time zone, overlap skip, an explicit catch-up window', async () => {
    const first = await applyPlan(client, planOf(), 'suzuki');
    expect(first.rollup).toMatchObject({ program: 'started', schedule: 'created' });
    const second = await applyPlan(client, planOf(), 'suzuki');
    expect(second.rollup).toMatchObject({ program: 'unchanged', schedule: 'updated' });
    const ids: string[] = [];
    for await (const s of client.schedule.list()) if (s.scheduleId.includes(program)) ids.push(s.scheduleId);
    expect(ids).toEqual([updateScheduleId(program)]);
    const d = await client.schedule.getHandle(updateScheduleId(program)).describe();
    expect(d.spec.timezone).toBe(zone);
    expect(d.spec.calendars?.[0]).toMatchObject({ dayOfMonth: [{ start: 1, end: 1, step: 1 }], hour: [{ start: 9 }] });
    expect(d.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(d.policies.catchupWindow).toBe(7 * 24 * 3600 * 1000);
    expect(SCHEDULE_CATCHUP_WINDOW).toBe('7 days');
  });

  it('a triggered run compiles a draft that reaches comms by SMTP, with the Markdown and HTML attached', async () => {
    await client.schedule.getHandle(updateScheduleId(program)).trigger();
    const u = await inState(period, 'draft');
    expect(u.revision).toMatchObject({ n: 1, measures: 2, changes: 0, since: null });
    const drafts = await until(
      'draft mails',
      () =>
        Promise.resolve(smtp.received.filter((m) => m.headers.get('x-remediation-update') === `${program}/${period}`)),
      (ms) => ms.length >= 3,
    );
    const toComms = drafts.filter((m) => m.headers.get('x-remediation-confidential') !== 'yes');
    // One message per language: kato reads Japanese, brown English.
    expect(toComms.map((m) => m.headers.get('content-language')).sort()).toEqual(['en', 'ja']);
    const ja = toComms.find((m) => m.headers.get('content-language') === 'ja');
    expect(ja?.subject).toContain(`進捗状況のお知らせ ${period}`);
    expect(ja?.html).toContain('認証基盤の分離');
    // The commands in the mail name the revision mailed.
    expect(ja?.text).toContain(`remediate update approve ${program}/${period} --revision 1 --as`);
    expect(ja?.text).toContain(`remediate update reject ${program}/${period} --revision 1 --as`);
    expect(ja?.attachments.map((a) => a.filename).sort()).toEqual(
      ['en.html', 'en.md', 'ja.html', 'ja.md'].map((n) => `${program}-${period}-${n}`),
    );
    for (const m of toComms) {
      for (const a of m.attachments) expect(a.content.toString('utf8')).not.toContain('SECRET-NOTE');
      expect(m.html || '').not.toContain('SECRET-NOTE');
    }
    // The managers get the confidential regulator report, with its CSV and JSON.
    const regulator = drafts.find((m) => m.headers.get('x-remediation-confidential') === 'yes');
    expect(regulator?.attachments.map((a) => a.filename)).toEqual(
      expect.arrayContaining([`${program}-${period}-regulator.csv`, `${program}-${period}-regulator.json`]),
    );
    const ledger = await until(
      'ledger',
      () => listUpdates(client, program),
      (l) => l[0]?.state === 'draft',
    );
    expect(ledger).toMatchObject([{ period, state: 'draft', revision: 1 }]);
    // Nothing is public before approval.
    expect(existsSync(path.join(dir, 'public', program, period))).toBe(false);
  });

  it('refuses a decision by someone else, and a rejection without reason; neither enters history', async () => {
    const handle = client.workflow.getHandle(updateWorkflowId(program, period));
    const updatesIn = async () =>
      ((await handle.fetchHistory()).events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)
        .length;
    const before = await updatesIn();
    await expect(decideOnUpdate(client, `${program}/${period}`, 'approve', 'sato')).rejects.toThrow(
      /sato is neither comms nor a manager/,
    );
    await expect(decideOnUpdate(client, `${program}/${period}`, 'reject', 'kato')).rejects.toThrow(
      /a rejection needs a reason/,
    );
    await expect(decideOnUpdate(client, `${program}/2025-13`, 'approve', 'kato')).rejects.toBeInstanceOf(ProblemError);
    // A revision that is not the current one (1), or no revision number at all.
    await expect(decideOnUpdate(client, `${program}/${period}`, 'approve', 'kato', { revision: 2 })).rejects.toThrow(
      /revision 2 of .* was decided on, but the current revision is 1: read r1 first/,
    );
    await expect(decideOnUpdate(client, `${program}/${period}`, 'approve', 'kato', { revision: 0 })).rejects.toThrow(
      /--revision: a revision number from 1 to/,
    );
    expect(await updatesIn()).toBe(before);
  });

  it('approval publishes the approved revision', async () => {
    const r = await decideOnUpdate(client, `${program}/${period}`, 'approve', 'kato');
    expect(r).toMatchObject({ state: 'approved', revision: 1 });
    await inState(period, 'published');
    const page = readFileSync(path.join(dir, 'public', program, period, 'en.html'), 'utf8');
    expect(page).toContain('Separate the authentication infrastructure');
    expect(page).not.toContain('SECRET-NOTE');
    // The timeline chart is embedded as SVG, with its text alternative.
    expect(page).toMatch(/<figure[\s\S]*<svg[^>]*role="img"[\s\S]*<details>/);
    const ledger = await until(
      'ledger',
      () => listUpdates(client, program),
      (l) => l[0]?.state === 'published',
    );
    expect(ledger[0]).toMatchObject({ period, state: 'published', decidedBy: 'kato' });
  });

  it('the next update says exactly what changed: a completion, an acceleration, an extension, a new measure', async () => {
    await sendCommand(client, program, 'auth', 'complete', { milestone: 'head', evidence: 'INC-1', actor: 'sato' });
    await sendCommand(client, program, 'auth', 'replan', {
      milestone: 'subs',
      date: addDays(today, 80),
      reason: 'vendor ready early',
      actor: 'sato',
    });
    await sendCommand(client, program, 'auth', 'approve-replan', { milestone: 'subs', actor: 'suzuki' });
    await sendCommand(client, program, 'soc', 'replan', {
      milestone: 'tier1',
      date: addDays(today, 140),
      reason: 'vendor contract',
      actor: 'sato',
    });
    await sendCommand(client, program, 'soc', 'approve-replan', { milestone: 'tier1', actor: 'suzuki' });
    // The quarterly report to the regulator is submitted, on time.
    await sendCommand(client, program, REPORT_TRACK, 'complete', {
      milestone: 'q1',
      evidence: 'MIC-2026-7',
      actor: 'suzuki',
    });
    const applied = await applyPlan(client, planOf(true), 'suzuki');
    expect(applied.started).toEqual(['pcs']);
    expect(applied.rollup.program).toBe('updated');

    // The memo snapshots follow the changes; visibility may lag a moment behind them.
    await until(
      'the listing to show the changes',
      () => listReportingStates(client, program),
      (l) =>
        l.states.length === 3 &&
        l.queried === 0 &&
        l.states.some((s) => s.milestones.some((m) => m.id === 'head' && m.completed)) &&
        l.states.some((s) => s.milestones.some((m) => m.id === 'tier1' && m.due === addDays(today, 140))),
    );
    const r = await compileUpdate(client, program, 'kato', nextPeriod);
    expect(r.started).toBe(true);
    const u = await inState(nextPeriod, 'draft');
    expect(u.revision?.since).toBe(period);
    const md = readFileSync(path.join(u.revision?.dir ?? '', 'en.md'), 'utf8');
    const changes = md
      .slice(md.indexOf('## What changed'))
      .split('\n')
      .filter((l) => l.startsWith('- '));
    expect(changes).toEqual([
      `- Completed: Separate the authentication infrastructure — Head company (${today})`,
      `- Date pulled forward: Separate the authentication infrastructure — Subsidiaries: ${addDays(today, 90)} → ${addDays(today, 80)}`,
      `- Date moved back: Move SOC Tier 1 to a domestic vendor — Tier 1: ${addDays(today, 120)} → ${addDays(today, 140)}`,
      '- New measure: Lend PCs to every contractor',
    ]);
    expect(u.revision?.changes).toBe(4);
    // The confidential report says the deadline was met.
    const regulator = JSON.parse(readFileSync(path.join(u.revision?.dir ?? '', 'regulator.json'), 'utf8')) as {
      deadlines: Array<{ id: string; outcome: string; submittedOn: string | null }>;
    };
    expect(regulator.deadlines).toEqual([expect.objectContaining({ id: 'q1', outcome: 'met', submittedOn: today })]);
  });

  it('a rejected draft is not published; compiled again, the new revision is approved and published', async () => {
    await decideOnUpdate(client, `${program}/${nextPeriod}`, 'reject', 'brown', {
      reason: 'typo in the summary',
      revision: 1,
    });
    await inState(nextPeriod, 'rejected');
    const ledger = await until(
      'ledger',
      () => listUpdates(client, program),
      (l) => l[1]?.state === 'rejected',
    );
    expect(ledger[1]).toMatchObject({
      period: nextPeriod,
      state: 'rejected',
      decidedBy: 'brown',
      reason: 'typo in the summary',
    });
    await expect(decideOnUpdate(client, `${program}/${nextPeriod}`, 'approve', 'kato')).rejects.toThrow(
      /compile it again/,
    );
    expect(existsSync(path.join(dir, 'public', program, nextPeriod))).toBe(false);

    const again = await compileUpdate(client, program, 'kato', nextPeriod);
    expect(again.started).toBe(false);
    await inState(nextPeriod, 'draft', 2);
    // Whoever read revision 1 (its mail, an open page) cannot approve revision 2 unread: refused,
    // nothing enters history; on the revision they read, the decision is taken.
    const handle = client.workflow.getHandle(updateWorkflowId(program, nextPeriod));
    const history = async () => (await handle.fetchHistory()).events ?? [];
    // The draft's mail may still be going out: compare histories once the workflow waits for a decision.
    await until(
      'the update to wait, its draft mailed',
      async () => (await handle.describe()).raw,
      (d) => !d.pendingActivities?.length && !d.pendingWorkflowTask,
    );
    const before = await history();
    const stale = await decideOnUpdate(client, `${program}/${nextPeriod}`, 'approve', 'suzuki', { revision: 1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(stale).toBeInstanceOf(ProblemError);
    expect((stale as ProblemError).problems).toEqual([
      {
        path: '--revision',
        en: `revision 1 of ${program}/${nextPeriod} was decided on, but the current revision is 2: read r2 first`,
        ja: `${program}/${nextPeriod} の第 1 版への判断ですが、現在の版は第 2 版です。先に第 2 版を読んでください`,
      },
    ]);
    expect(await history()).toEqual(before);
    expect((await stateOf(nextPeriod))?.state).toBe('draft');
    expect(
      await decideOnUpdate(client, `${program}/${nextPeriod}`, 'approve', 'suzuki', { revision: 2 }),
    ).toMatchObject({ state: 'approved', revision: 2 });
    const done = await inState(nextPeriod, 'published', 2);
    expect(done.decisions.map((d) => [d.decision, d.by, d.revision])).toEqual([
      ['recompile', 'kato', 0],
      ['reject', 'brown', 1],
      ['recompile', 'kato', 1],
      ['approve', 'suzuki', 2],
    ]);
    expect(readFileSync(path.join(dir, 'public', program, nextPeriod, 'ja.html'), 'utf8')).toContain(
      '委託先への PC 貸与',
    );
    await expect(compileUpdate(client, program, 'kato', nextPeriod)).rejects.toThrow(/already published/);
    // Its workflow has completed: a decision now says it is published, not that there is no such update.
    for (const decision of ['approve', 'reject'] as const)
      await expect(
        decideOnUpdate(client, `${program}/${nextPeriod}`, decision, 'kato', { reason: 'late', revision: 2 }),
      ).rejects.toThrow(
        `update: the update ${program}/${nextPeriod} is already published (revision 2): nothing is left to decide / 更新 ${program}/${nextPeriod} は既に公開されています（第 2 版）。判断することは残っていません`,
      );
    await expect(decideOnUpdate(client, `${program}/2020-01`, 'approve', 'kato')).rejects.toThrow(
      `there is no update ${program}/2020-01`,
    );
    // Keep this run's history of an update that was rejected, recompiled, approved and published.
    const histories = path.join(__dirname, '..', '..', 'var', 'histories');
    mkdirSync(histories, { recursive: true });
    const h = await client.workflow.getHandle(updateWorkflowId(program, nextPeriod)).fetchHistory();
    writeFileSync(path.join(histories, 'progress-update.binpb'), temporal.api.history.v1.History.encode(h).finish());
    // The site: an index per language listing both updates, newest first, and an Atom feed.
    const site = path.join(dir, 'public', program);
    const index = readFileSync(path.join(site, 'index.html'), 'utf8');
    expect(index.indexOf(`${nextPeriod}/ja.html`)).toBeGreaterThan(-1);
    expect(index.indexOf(`${nextPeriod}/ja.html`)).toBeLessThan(index.indexOf(`${period}/ja.html`));
    expect(readFileSync(path.join(site, 'index.en.html'), 'utf8')).toContain(`${period}/en.html`);
    expect(readFileSync(path.join(site, 'feed.xml'), 'utf8').match(/<entry>/g)).toHaveLength(4);
  });

  it('a plan that hands comms over takes the say of the old comms on a waiting draft at once', async () => {
    const third = periodOf(Date.parse(`${addDays(today, 75)}T00:00:00+09:00`), zone, 'month');
    await compileUpdate(client, program, 'suzuki', third);
    await inState(third, 'draft');
    await until(
      'the program to know the draft',
      () => listUpdates(client, program),
      (l) => l.some((u) => u.period === third && u.state === 'draft'),
    );
    // kato leaves comms; brown stays.
    const handover = await applyPlan(client, planOf(true, ['brown']), 'suzuki');
    expect(handover.rollup.program).toBe('updated');
    const ref = `${program}/${third}`;
    await until(
      'the draft to hear who decides',
      () => stateOf(third),
      (u) => JSON.stringify(u?.deciders) === JSON.stringify({ managers: ['suzuki'], comms: ['brown'] }),
    );
    const before = (await client.workflow.getHandle(updateWorkflowId(program, third)).fetchHistory()).events?.length;
    await expect(decideOnUpdate(client, ref, 'approve', 'kato')).rejects.toThrow(/kato is neither comms nor a manager/);
    const after = (await client.workflow.getHandle(updateWorkflowId(program, third)).fetchHistory()).events?.length;
    expect(after, 'a refused decision never enters history').toBe(before);
    await decideOnUpdate(client, ref, 'approve', 'brown');
    await inState(third, 'published');
  });
});
