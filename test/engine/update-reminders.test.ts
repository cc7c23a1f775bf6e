/**
 * The progress update workflow's reminders on Temporal's time-skipping test server: while a draft
 * waits, comms are reminded at exactly the instants `draftReminder` names (business days of the
 * program calendar, at the policy's `notifyAt`), the managers join once the escalation level names
 * more than the owner, every reminder arrives over real SMTP as one message per language, and nothing
 * more is sent once the draft is approved, which publishes it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { AddressObject, ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotificationActivities, sha256, smtpTransport } from '../../src/activities/mail';
import { createRollupActivities } from '../../src/activities/rollup';
import { applyProgram, decideOnUpdate, updateState } from '../../src/client/rollup';
import { addDays, dateOf, weekday } from '../../src/domain/dates';
import { programWorkflowId, TASK_QUEUE, updateWorkflowId } from '../../src/domain/names';
import { validatePlan, type Plan } from '../../src/domain/plan';
import { PUBLIC_FILES } from '../../src/domain/reports/update';
import { BASELINE_FILE, draftReminder, periodOf, reportingState, type DraftReminder } from '../../src/domain/rollup';
import { statesFromPlan } from '../../src/domain/simulate';
import { workflowsPath } from '../../src/worker';
import { programStateQuery } from '../../src/workflows/program';
import { progressUpdateWorkflow } from '../../src/workflows/update';
import { memoryLedger, startLoopbackSmtp, type LoopbackSmtp } from '../support/mail';
import { createTimeSkippingEnv, registerSearchAttributes, testDataConverter } from '../support/temporal';
import { until } from '../support/poll';

const ZONE = 'Asia/Tokyo';
const PROGRAM = 'reminders';
const MINUTE = 60_000;

/** The plan: comms read Japanese (kato) and English (brown); the policy escalates to the managers at its 2nd level. */
function planFrom(today: string): Plan {
  const r = validatePlan({
    program: {
      id: PROGRAM,
      title: { ja: '催促試験', en: 'Reminder test' },
      directive: { ref: 'R-1', issuer: 'MIC', issuedOn: today },
      timezone: ZONE,
      calendar: 'weekdays',
      managers: ['suzuki'],
      comms: ['kato', 'brown'],
      updates: { every: 'month', day: 1 },
    },
    people: {
      suzuki: { name: '鈴木 一郎', email: 'suzuki@example.jp' },
      sato: { name: '佐藤 花子', email: 'sato@example.jp' },
      kato: { name: '加藤 四郎', email: 'kato@example.jp' },
      brown: { name: 'Alex Brown', email: 'brown@example.jp', lang: 'en' },
    },
    policies: {
      standard: {
        notifyAt: '09:00',
        escalation: [
          { afterBusinessDays: 2, notify: ['owner'] },
          { afterBusinessDays: 4, notify: ['owner', 'manager'] },
        ],
        repeatEveryBusinessDays: 3,
      },
    },
    measures: [
      {
        id: 'auth',
        title: { ja: '認証基盤の分離', en: 'Separate the authentication infrastructure' },
        owner: 'sato',
        policy: 'standard',
        milestones: [{ id: 'head', title: { ja: '本体', en: 'Head company' }, due: addDays(today, 120) }],
      },
    ],
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.plan;
}

/** The `n`th weekday (Mon-Fri) after `date`, counted by hand: what the `weekdays` calendar must say. */
function nthWeekdayAfter(date: string, n: number): string {
  let d = date;
  for (let left = n; left > 0;) {
    d = addDays(d, 1);
    if (weekday(d) <= 5) left--;
  }
  return d;
}

type Rollup = ReturnType<typeof createRollupActivities>;
type MailInput = Parameters<Rollup['mailDraft']>[0];

describe('progress update reminders on the time-skipping server', () => {
  const varDir = mkdtempSync(path.join(os.tmpdir(), 'remediate-reminders-'));
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let smtp: LoopbackSmtp;
  let plan: Plan;
  /** Every mailDraft call: which reminder, to whom, and when the server scheduled it. */
  const mailCalls: Array<{ reminder: number; to: string[]; scheduledAt: number }> = [];

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    await registerSearchAttributes(env);
    smtp = await startLoopbackSmtp();
    plan = planFrom(dateOf(await env.currentTimeMs(), ZONE));
    const mail = { transport: smtpTransport(smtp.url), ledger: memoryLedger(), from: 'tracker@example.jp' };
    // The real compileDraft with ONLY its listing replaced: it reads the measures from a paged
    // visibility listing, which the time-skipping test server does not have. Here the measures'
    // reporting states come from the plan (statesFromPlan + reportingState), handed over as a listing
    // page; the rest (the program's query, the documents, the compile thread, hashes, baseline.json)
    // is the activity's own. The listing itself is tested on the dev server (rollup.test.ts,
    // rollup-scale.test.ts).
    const rollup = createRollupActivities({
      ...mail,
      varDir,
      listStates: (_client, _program, _pageSize, onStates) => {
        const states = statesFromPlan(plan, Date.now()).map((s) => reportingState(s));
        onStates?.(states);
        return Promise.resolve({ states, queried: 0, pages: 1 });
      },
    });

    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowsPath,
      dataConverter: testDataConverter,
      activities: {
        ...createNotificationActivities(mail),
        compileDraft: (input: Parameters<Rollup['compileDraft']>[0]) => rollup.compileDraft(input),
        mailDraft: async (input: MailInput) => {
          mailCalls.push({
            reminder: input.reminder,
            to: input.to,
            scheduledAt: Context.current().info.currentAttemptScheduledTimestampMs,
          });
          return rollup.mailDraft(input);
        },
        publishUpdate: (input: Parameters<Rollup['publishUpdate']>[0]) => rollup.publishUpdate(input),
      },
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await smtp?.close();
    rmSync(varDir, { recursive: true, force: true });
  });

  it('reminds comms at the planned business days, escalates to the managers, stops at approval, publishes', async () => {
    const client = env.client;
    const period = periodOf(await env.currentTimeMs(), ZONE, 'month');
    const ref = `${PROGRAM}/${period}`;

    const applied = await applyProgram(client, plan, 'suzuki');
    expect(applied).toMatchObject({ program: 'started', schedule: 'unsupported' });
    const handle = await client.workflow.start(progressUpdateWorkflow, {
      workflowId: updateWorkflowId(PROGRAM, period),
      taskQueue: TASK_QUEUE,
      args: [{ program: PROGRAM, period, requestedBy: 'kato' }],
    });

    const draft = await until(
      'the draft',
      () => updateState(client, PROGRAM, period),
      (u) => u?.state === 'draft',
    );
    const ctx = draft?.context;
    const revision = draft?.revision;
    if (!ctx || !revision) throw new Error('a draft without context or revision');
    // Reminders count from when the revision became the draft, on the server's clock.
    const draftedAt = draft.draftedAt;
    if (draftedAt === undefined) throw new Error('a draft without draftedAt');
    expect(Math.abs(draftedAt - revision.compiledAt)).toBeLessThan(MINUTE);
    expect(revision).toMatchObject({ n: 1, measures: 1, since: null });
    expect(Object.keys(revision.files)).toEqual(expect.arrayContaining([...PUBLIC_FILES, BASELINE_FILE]));

    // What draftReminder plans: business days 2 and 4 (the ladder), then every 3 (7, 10), at 09:00 Tokyo.
    const planned = [1, 2, 3, 4].map((n) => draftReminder(ctx, draftedAt, n));
    const reminders = planned.filter((r): r is DraftReminder => r !== undefined);
    expect(reminders).toHaveLength(4);
    const compiledOn = dateOf(draftedAt, ZONE);
    expect(reminders.map((r) => dateOf(r.at, ZONE))).toEqual([2, 4, 7, 10].map((k) => nthWeekdayAfter(compiledOn, k)));
    for (const r of reminders) {
      expect(weekday(dateOf(r.at, ZONE))).toBeLessThanOrEqual(5);
      expect(r.at).toBe(Date.parse(`${dateOf(r.at, ZONE)}T09:00:00+09:00`));
    }
    // Level 1 names only the owner (comms); level 2 and its repeats name the manager too.
    expect(reminders.map((r) => r.to)).toEqual([
      ['kato', 'brown'],
      ['kato', 'brown', 'suzuki'],
      ['kato', 'brown', 'suzuki'],
      ['kato', 'brown', 'suzuki'],
    ]);
    const last = reminders[3];
    if (!last) throw new Error('no 4th reminder');

    await env.sleep(last.at + MINUTE - (await env.currentTimeMs()));
    expect((await updateState(client, PROGRAM, period))?.reminders).toBe(4);

    // Each message carries its ledger key in its Message-ID: that tells the draft, the regulator
    // report and each reminder apart.
    const base = `update/${PROGRAM}/${period}/r1`;
    const keyOf = new Map<string, string>();
    const expected = new Map<string, string[]>();
    const expectMail = (key: string, to: string[]) => {
      keyOf.set(`<${sha256(key).slice(0, 32)}@remediation-tracker>`, key);
      expected.set(key, to.sort());
    };
    const emails = (ids: string[], lang: 'ja' | 'en') =>
      ids
        .filter((id) => (ctx.people[id]?.lang ?? ctx.program.language) === lang)
        .map((id) => ctx.people[id]?.email ?? id);
    expectMail(`${base}/mail-0#ja`, ['kato@example.jp']);
    expectMail(`${base}/mail-0#en`, ['brown@example.jp']);
    expectMail(`${base}/regulator#ja`, ['suzuki@example.jp']);
    for (const r of reminders)
      for (const lang of ['ja', 'en'] as const) expectMail(`${base}/mail-${r.n}#${lang}`, emails(r.to, lang));
    expect(expected.get(`${base}/mail-2#ja`)).toEqual(['kato@example.jp', 'suzuki@example.jp']);

    const header = (m: ParsedMail, name: string) => m.headers.get(name) as string | undefined;
    const ours = () => smtp.received.filter((m) => header(m, 'x-remediation-update') === ref);
    const arrived = await until(
      'every mail',
      () => Promise.resolve(ours()),
      (ms) => ms.length >= expected.size,
    );
    const toOf = (m: ParsedMail) =>
      [m.to ?? []]
        .flat()
        .flatMap((a: AddressObject) => a.value.map((v) => v.address ?? ''))
        .sort();
    const got = new Map(arrived.map((m) => [keyOf.get(m.messageId ?? '') ?? `unknown ${m.messageId}`, m]));
    expect(got.size).toBe(arrived.length);
    expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, m] of got) {
      expect(toOf(m), key).toEqual(expected.get(key));
      const lang = key.slice(-2);
      expect(header(m, 'content-language'), key).toBe(lang);
      if (/\/mail-[1-9]/.test(key)) expect(m.subject, key).toContain(lang === 'ja' ? '催促' : 'Reminder');
      else expect(m.subject, key).not.toMatch(/催促|Reminder/);
      if (key.endsWith('/regulator#ja')) expect(header(m, 'x-remediation-confidential')).toBe('yes');
    }

    // The activity ran at the planned instants of the server's clock: the draft at once, each
    // reminder within its first minute.
    expect(mailCalls.map((c) => c.reminder)).toEqual([0, 1, 2, 3, 4]);
    expect(mailCalls[0]?.scheduledAt).toBeGreaterThanOrEqual(draftedAt);
    expect((mailCalls[0]?.scheduledAt ?? 0) - draftedAt).toBeLessThan(MINUTE);
    for (const r of reminders) {
      const call = mailCalls[r.n];
      expect(call?.to).toEqual(r.to);
      expect(call?.scheduledAt).toBeGreaterThanOrEqual(r.at);
      expect((call?.scheduledAt ?? Infinity) - r.at).toBeLessThan(MINUTE);
    }

    // A decision ends the reminders; the approval publishes exactly the approved revision.
    expect(await decideOnUpdate(client, ref, 'approve', 'kato')).toMatchObject({ state: 'approved', revision: 1 });
    await until(
      'published',
      () => updateState(client, PROGRAM, period),
      (u) => u?.state === 'published',
    );
    expect(await handle.result()).toMatchObject({ state: 'published', revision: 1 });
    const site = path.join(varDir, 'public', PROGRAM, period);
    for (const name of PUBLIC_FILES) {
      const file = path.join(site, name);
      expect(existsSync(file), file).toBe(true);
      expect(sha256(readFileSync(file, 'utf8'))).toBe(revision.files[name]);
    }
    expect(existsSync(path.join(varDir, 'public', PROGRAM, 'published.json'))).toBe(true);
    const ledger = await until(
      'the program ledger',
      () => client.workflow.getHandle(programWorkflowId(PROGRAM)).query(programStateQuery),
      (s) => s.updates[0]?.state === 'published',
    );
    expect(ledger.updates).toMatchObject([{ period, state: 'published', revision: 1, decidedBy: 'kato' }]);

    // Ten more business days cover reminders 5, 6 and 7 as they would have been: none comes.
    const sent = smtp.received.length;
    const tenMore = nthWeekdayAfter(dateOf(await env.currentTimeMs(), ZONE), 10);
    const after = Date.parse(`${tenMore}T09:00:00+09:00`) + MINUTE;
    expect(draftReminder(ctx, draftedAt, 7)?.at).toBeLessThan(after);
    await env.sleep(after - (await env.currentTimeMs()));
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.received.length).toBe(sent);
    expect(mailCalls).toHaveLength(5);
    expect((await updateState(client, PROGRAM, period))?.reminders).toBe(4);
  });
});
