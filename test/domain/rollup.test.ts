/**
 * The roll-up's pure rules (src/domain/rollup.ts): periods, the reporting state a measure publishes in
 * its memo, the baseline a published update keeps, the program's input, plan versions and ledger of
 * updates, one update's decisions, and the reminders about a waiting draft. Base plan: see fixtures.ts;
 * `planWith` adds what fixtures.ts does not set (comms, reports, updates, the program policy).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dueNotifications,
  markDealtWith,
  nextEngineAt,
  recordNotification,
  undeliverable,
} from '../../src/domain/engine';
import { LIMITS } from '../../src/domain/limits';
import type { MeasureState } from '../../src/domain/model';
import { validatePlan, type Plan } from '../../src/domain/plan';
import { formatProblem } from '../../src/domain/problems';
import type { Command } from '../../src/domain/reducer';
import { REPORT_TRACK } from '../../src/domain/report-track';
import { publicChanges, publicProjection } from '../../src/domain/reports/public';
import { regulatorReport } from '../../src/domain/reports/regulator';
import {
  PLAN_VERSIONS_KEPT,
  applyDecision,
  applyProblems,
  applyProgramInit,
  applyUpdateEvent,
  baselineFor,
  periodStart,
  decisionProblems,
  parseDeciders,
  draftReminder,
  initialProgramState,
  isPeriod,
  parseDecisionArgs,
  periodOf,
  programInit,
  publicBaseline,
  recipientsOf,
  reportingState,
  type BaselineRef,
  type DecisionArgs,
  type ProgramState,
  type UpdateContext,
  type UpdateRecord,
  type UpdateState,
  type UpdateStateName,
} from '../../src/domain/rollup';
import { accept, iso, rawPlan, statesAt, tokyo, ZONE, type PlanOverrides, type RawPolicy } from './fixtures';

/** What `program` of a plan file may add over fixtures.ts's program section. */
interface ProgramExtras {
  comms?: string[];
  managers?: string[];
  calendar?: string;
  closedDates?: string[];
  language?: 'ja' | 'en';
  policy?: string;
  updates?: { every: 'month' | 'week'; day: number };
  reports?: Array<{ id: string; title: { ja: string; en: string }; due: string; owner: string }>;
}

/** A validated plan: `overrides` as fixtures.ts reads them, then `program` merged over the program section. */
function planWith(program: ProgramExtras = {}, overrides: PlanOverrides = {}, edit?: (raw: RawPlan) => void): Plan {
  const raw = rawPlan(overrides) as RawPlan;
  raw.program = { ...raw.program, ...program };
  edit?.(raw);
  const r = validatePlan(raw);
  if (!r.ok) throw new Error(`invalid test plan:\n${r.problems.map(formatProblem).join('\n')}`);
  return r.plan;
}
type RawPlan = {
  program: Record<string, unknown>;
  policies: Record<string, unknown>;
  measures: Array<Record<string, unknown>>;
};

const report = (id: string, due: string, owner: string) => ({
  id,
  title: { ja: `報告 ${id}`, en: `Report ${id}` },
  due,
  owner,
});

// ---------------------------------------------------------------------------------------------

describe('isPeriod', () => {
  it('accepts the twelve months and refuses month 00, 13 and malformed months', () => {
    for (let m = 1; m <= 12; m++) expect(isPeriod(`2025-${String(m).padStart(2, '0')}`)).toBe(true);
    for (const s of ['2025-00', '2025-13', '2025-99', '2025-1', '2025-001', '25-01', '2025/01', '2025-01-01'])
      expect(isPeriod(s), s).toBe(false);
  });

  it('accepts ISO weeks 01 to 52 of every year, and W53 only in a year that has 53 ISO weeks', () => {
    expect(isPeriod('2025-W01')).toBe(true);
    expect(isPeriod('2025-W52')).toBe(true);
    // Years starting on a Thursday (or a leap year starting on a Wednesday) have 53 ISO weeks.
    for (const y of ['2015', '2020', '2026', '2032']) expect(isPeriod(`${y}-W53`), y).toBe(true);
    for (const y of ['2021', '2022', '2024', '2025']) expect(isPeriod(`${y}-W53`), y).toBe(false);
    expect(isPeriod('2020-W54')).toBe(false);
    expect(isPeriod('2025-W00')).toBe(false);
  });

  it('refuses near misses: lower-case w, a missing dash or digit, surrounding text, a trailing newline', () => {
    for (const s of [
      '',
      '2025-w01',
      '2025W01',
      '2025-W1',
      '2025-W001',
      ' 2025-01',
      '2025-01 ',
      '2025-01\n',
      'x2025-W01',
    ])
      expect(isPeriod(s), JSON.stringify(s)).toBe(false);
  });
});

describe('periodOf', () => {
  // 2024-12-31T15:30Z: still Dec 31 in UTC, already 00:30 on Jan 1 in Tokyo.
  const newYearInTokyo = Date.UTC(2024, 11, 31, 15, 30);

  it('takes the month in the program time zone, not in UTC', () => {
    expect(periodOf(newYearInTokyo, 'Asia/Tokyo', 'month')).toBe('2025-01');
    expect(periodOf(newYearInTokyo, 'UTC', 'month')).toBe('2024-12');
    // West of UTC it is the other way round: 03:00Z on Mar 1 is still Feb 28 in New York.
    expect(periodOf(Date.UTC(2025, 2, 1, 3, 0), 'America/New_York', 'month')).toBe('2025-02');
  });

  it('names an ISO week by its week-year: Mon 2024-12-30 is in 2025-W01, Sun 2021-01-03 in 2020-W53', () => {
    expect(periodOf(tokyo('2024-12-30T09:00'), ZONE, 'week')).toBe('2025-W01');
    expect(periodOf(tokyo('2024-12-29T23:59'), ZONE, 'week')).toBe('2024-W52');
    expect(periodOf(tokyo('2021-01-03T12:00'), ZONE, 'week')).toBe('2020-W53');
    expect(periodOf(tokyo('2021-01-04T00:00'), ZONE, 'week')).toBe('2021-W01');
    expect(periodOf(tokyo('2025-01-27T10:00'), ZONE, 'week')).toBe('2025-W05');
  });

  it('takes the ISO week in the program time zone: Sun 16:00Z is already Monday in Tokyo', () => {
    const t = Date.UTC(2024, 11, 29, 16, 0);
    expect(periodOf(t, 'Asia/Tokyo', 'week')).toBe('2025-W01');
    expect(periodOf(t, 'UTC', 'week')).toBe('2024-W52');
  });

  it('always gives a period that isPeriod accepts', () => {
    const zones = ['Asia/Tokyo', 'UTC', 'America/New_York', 'Pacific/Chatham', 'Asia/Kolkata'];
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2099, 11, 1) }),
        fc.constantFrom(...zones),
        fc.constantFrom('month' as const, 'week' as const),
        (ms, zone, every) => isPeriod(periodOf(ms, zone, every)),
      ),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The reporting state

/** Runs the engine of `state` over `[sentUntil, until)`, recording each notification as sent (the measure workflow's notifier). */
function runEngine(state: MeasureState, until: number): void {
  for (let at = nextEngineAt(state); at !== undefined && at < until; at = nextEngineAt(state)) {
    for (const n of dueNotifications(state, at)) recordNotification(state, n, undeliverable(n));
    markDealtWith(state, at);
  }
}

/** Runs the engine up to Tokyo time `at`, then gives the command. */
function step(state: MeasureState, actor: string, at: string, command: Command): void {
  runEngine(state, tokyo(at));
  accept(state, actor, at, command);
}

const NOW = '2025-06-10T12:00';

/**
 * A measure in which every person the reports name is named for one reason only: ito only as the
 * requester of an approved re-plan, nakamura only as the requester of a pending one, sato only as the
 * one who completed a milestone (the measure then went to watanabe). tanaka (sato's manager) got an
 * escalation but is named nowhere; kato is comms. The measure has internal notes.
 */
function livedState(): MeasureState {
  const plan = planWith(
    {},
    {
      milestones: [
        { id: 'head-company', due: '2025-03-31' },
        { id: 'overseas', due: '2025-04-30', owner: 'ito' },
        { id: 'domestic', due: '2025-09-30', owner: 'nakamura' },
      ],
    },
    (raw) => {
      const m = raw.measures[0];
      if (m) m.internalNotes = 'vendor quote: 12M JPY';
    },
  );
  const s = statesAt(plan, '2025-01-06T09:00')[0];
  if (!s) throw new Error('no state');
  step(s, 'ito', '2025-02-03T10:00', {
    type: 'replan',
    milestone: 'overseas',
    date: '2025-05-30',
    reason: 'vendor late',
  });
  step(s, 'suzuki', '2025-02-04T10:00', { type: 'approve-replan', milestone: 'overseas' });
  step(s, 'suzuki', '2025-02-05T10:00', { type: 'reassign', milestone: 'overseas', to: 'watanabe', reason: 'reorg' });
  step(s, 'nakamura', '2025-02-06T10:00', {
    type: 'replan',
    milestone: 'domestic',
    date: '2025-10-31',
    reason: 'test window',
  });
  step(s, 'suzuki', '2025-02-07T10:00', { type: 'reassign', milestone: 'domestic', to: 'watanabe', reason: 'reorg' });
  step(s, 'sato', '2025-04-03T10:00', { type: 'complete', milestone: 'head-company', evidence: 'CHG-1' });
  step(s, 'suzuki', '2025-04-04T10:00', { type: 'reassign', to: 'watanabe', reason: 'reorg' });
  runEngine(s, tokyo(NOW));
  return s;
}

describe('reportingState', () => {
  it('leaves out the internal notes and the audit trail, keeping only the trail length', () => {
    const s = livedState();
    const rs = reportingState(s);
    expect(s.measure.internalNotes).toBe('vendor quote: 12M JPY');
    expect(rs.measure).not.toHaveProperty('internalNotes');
    expect(JSON.stringify(rs)).not.toContain('12M JPY');
    expect(s.actions.length).toBeGreaterThan(5);
    expect(rs.actions).toEqual([]);
    expect(rs.actionsDropped).toBe(s.actionsDropped + s.actions.length);
    expect(rs.nextSeq).toBe(s.nextSeq);
    expect(rs.sentUntil).toBe(0);
  });

  it('keeps only the escalation records, counted (the whole-life counts only for the first version)', () => {
    const s = livedState();
    const rs = reportingState(s);
    expect(s.notifications.recent.some((n) => n.kind === 'reminder')).toBe(true);
    expect(rs.notifications.recent).toEqual(s.notifications.recent.filter((n) => n.kind === 'escalation'));
    expect(rs.notifications.recent.map((n) => `${iso(n.at).slice(0, 10)} ${n.milestone} ${n.level}`)).toEqual([
      '2025-04-01 head-company 1',
      '2025-06-02 overseas 1',
      '2025-06-06 overseas 2',
    ]);
    expect([rs.notifications.total, rs.notifications.failed]).toEqual([3, 0]);
    expect(s.notifications.total).toBeGreaterThan(3);
    const first = reportingState(s, { wholeLifeCounts: true });
    expect(first.notifications.recent).toEqual(rs.notifications.recent);
    expect([first.notifications.total, first.notifications.failed]).toEqual([
      s.notifications.total,
      s.notifications.failed,
    ]);
  });

  it('is left as it was by every reminder sent, and changed by every escalation sent', () => {
    // Every wake-up of the engine over five months, as the notifier records it: the memo (the
    // reporting state) changes only at a wake-up that sent an escalation.
    const plan = planWith(
      {},
      {
        milestones: [
          { id: 'head-company', due: '2025-03-31' },
          { id: 'overseas', due: '2025-04-30' },
        ],
      },
    );
    const state = statesAt(plan, '2025-01-06T09:00')[0];
    if (!state) throw new Error('no state');
    const sent = { reminder: 0, escalation: 0 };
    for (let at = nextEngineAt(state); at !== undefined && at < tokyo(NOW); at = nextEngineAt(state)) {
      const before = JSON.stringify(reportingState(state));
      const due = dueNotifications(state, at);
      for (const n of due) {
        recordNotification(state, n, undeliverable(n));
        sent[n.kind]++;
      }
      markDealtWith(state, at);
      const escalated = due.some((n) => n.kind === 'escalation');
      if (due.length > 0)
        expect(
          JSON.stringify(reportingState(state)) !== before,
          `${iso(at)}: ${due.map((n) => n.kind).join(', ')}`,
        ).toBe(escalated);
    }
    expect(sent.reminder).toBeGreaterThan(2);
    expect(sent.escalation).toBeGreaterThan(2);
  });

  it('keeps exactly the people the state names: owners, managers, sponsor, completers, change log and pending', () => {
    const s = livedState();
    const rs = reportingState(s);
    expect(Object.keys(rs.people)).toEqual(['ito', 'nakamura', 'sato', 'suzuki', 'watanabe', 'yamada']);
    for (const [id, p] of Object.entries(rs.people)) expect(p).toEqual(s.people[id]);
    // tanaka received an escalation and kato is comms, but no row of a report names them.
    expect(rs.people).not.toHaveProperty('tanaka');
    expect(rs.people).not.toHaveProperty('kato');
  });

  it('keeps the milestones, the change log and the pending re-plans as they are', () => {
    const s = livedState();
    const rs = reportingState(s);
    expect(rs.milestones).toEqual(s.milestones);
    expect(rs.changeLog).toEqual(s.changeLog);
    expect(rs.changeLog.map((c) => [c.milestone, c.requestedBy, c.decidedBy, c.decision])).toEqual([
      ['overseas', 'ito', 'suzuki', 'approved'],
    ]);
    expect(rs.pending).toEqual(s.pending);
    expect(rs.pending.map((p) => [p.milestone, p.requestedBy])).toEqual([['domestic', 'nakamura']]);
  });

  it('is read by the regulator report and the public projection exactly as the live state', () => {
    const s = livedState();
    const rs = JSON.parse(JSON.stringify(reportingState(s))) as MeasureState; // as a memo carries it
    const now = tokyo(NOW);
    const regulator = regulatorReport([rs], now);
    expect(regulator).toEqual(regulatorReport([s], now));
    expect(regulator.rows.find((r) => r.milestoneId === 'overseas')).toMatchObject({
      status: 'overdue',
      escalationLevel: 2,
      owner: { id: 'watanabe', name: '渡辺 五郎' },
    });
    expect(publicProjection([rs], now)).toEqual(publicProjection([s], now));
  });

  it('names the canceller of a cancelled measure', () => {
    const plan = planWith({ managers: ['suzuki', 'watanabe'] });
    const s = statesAt(plan, '2025-01-06T09:00')[0];
    if (!s) throw new Error('no state');
    accept(s, 'watanabe', '2025-02-03T10:00', { type: 'cancel', reason: 'superseded' });
    const rs = reportingState({ ...s, program: { ...s.program, managers: ['suzuki'] } });
    expect(rs.cancelled?.by).toBe('watanabe');
    expect(Object.keys(rs.people)).toEqual(['sato', 'suzuki', 'watanabe', 'yamada']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('publicBaseline', () => {
  const plan = () =>
    planWith(
      {},
      {
        milestones: [
          { id: 'head-company', due: '2025-03-31' },
          { id: 'domestic', due: '2025-09-30' },
        ],
      },
    );

  it('keeps ids, committed dates, completion dates and statuses, and nothing else', () => {
    const states = statesAt(plan(), '2025-01-06T09:00');
    const s = states[0];
    if (!s) throw new Error('no state');
    accept(s, 'sato', '2025-03-28T10:00', { type: 'complete', milestone: 'head-company', evidence: 'CHG-1' });
    const p = publicProjection(states, tokyo('2025-04-01T09:00'));
    expect(publicBaseline(p)).toStrictEqual({
      asOf: '2025-04-01',
      measures: [
        {
          id: 'auth-separation',
          status: 'in-progress',
          milestones: [
            { id: 'head-company', due: '2025-03-31', completedOn: '2025-03-28', status: 'completed' },
            { id: 'domestic', due: '2025-09-30', completedOn: null, status: 'in-progress' },
          ],
        },
      ],
    });
  });

  it('is all publicChanges needs: the changes from the baseline (kept as JSON) are those from the projection', () => {
    const states = statesAt(plan(), '2025-01-06T09:00');
    const s = states[0];
    if (!s) throw new Error('no state');
    const before = publicProjection(states, tokyo('2025-03-01T09:00'));
    const kept = JSON.parse(JSON.stringify(publicBaseline(before))) as ReturnType<typeof publicBaseline>;
    accept(s, 'sato', '2025-03-28T10:00', { type: 'complete', milestone: 'head-company', evidence: 'CHG-1' });
    accept(s, 'suzuki', '2025-04-01T10:00', {
      type: 'replan',
      milestone: 'domestic',
      date: '2025-08-29',
      reason: 'early',
    });
    const after = publicProjection(states, tokyo('2025-04-02T09:00'));
    const changes = publicChanges(kept, after);
    expect(changes.map((c) => c.kind)).toEqual(['completed', 'pulled-forward']);
    expect(changes).toEqual(publicChanges(before, after));
  });
});

// ---------------------------------------------------------------------------------------------
// The program

describe('programInit', () => {
  const reports = [
    report('q1', '2025-04-30', 'sato'),
    report('q2', '2025-07-31', 'ito'),
    report('q3', '2025-10-31', 'suzuki'),
  ];

  it('gives the program only its managers, comms and report owners (not their managers, not measure people)', () => {
    const init = programInit(planWith({ reports }), 'v1');
    expect(Object.keys(init.people)).toEqual(['ito', 'kato', 'sato', 'suzuki']);
    expect(init.people.sato).toEqual({ name: '佐藤 花子', email: 'sato@example.jp', manager: 'tanaka', lang: 'en' });
  });

  it('carries the program settings, the cadence (null without one), the reports and the version', () => {
    const plan = planWith({ reports, updates: { every: 'month', day: 1 } });
    const init = programInit(plan, 'sha-1');
    expect(init.program).toEqual({
      id: 'test-program',
      title: { ja: 'テスト', en: 'Test' },
      timezone: ZONE,
      calendar: 'jp',
      closedDates: [],
      language: 'ja',
      managers: ['suzuki'],
      comms: ['kato'],
      directive: { ref: '総基用第59号', issuer: 'MIC', issuedOn: '2024-04-16' },
      updates: { every: 'month', day: 1 },
      reports: plan.program.reports,
      policyName: 'standard',
    });
    expect(init.version).toBe('sha-1');
    expect(init.reports?.measure.id).toBe(REPORT_TRACK);
    expect(init.reports?.measure.milestones.map((m) => m.id)).toEqual(['q1', 'q2', 'q3']);
    const bare = programInit(planWith(), 'sha-2');
    expect([bare.program.updates, bare.reports, Object.keys(bare.people)]).toEqual([null, null, ['kato', 'suzuki']]);
  });

  it('follows program.policy when set', () => {
    const light: RawPolicy = { notifyAt: '10:00', escalation: [{ afterBusinessDays: 3, notify: ['managers'] }] };
    const init = programInit(planWith({ policy: 'light' }, { policies: { light } }), 'v');
    expect(init.program.policyName).toBe('light');
    expect(init.policy).toMatchObject({ notifyAt: '10:00', escalation: light.escalation });
  });

  it('else the policy named standard, else the first policy as written', () => {
    const light: RawPolicy = { notifyAt: '10:00' };
    expect(programInit(planWith({}, { policies: { light } }), 'v').program.policyName).toBe('standard');
    const plan = planWith({}, { measure: { policy: 'alpha' } }, (raw) => {
      raw.policies = { zeta: { notifyAt: '07:00' }, alpha: { notifyAt: '08:00' } };
    });
    const init = programInit(plan, 'v');
    expect(init.program.policyName).toBe('zeta');
    expect(init.policy.notifyAt).toBe('07:00');
  });

  it('throws when the program policy is unknown (validatePlan refuses such a plan first)', () => {
    const plan = planWith();
    plan.program.policy = 'nope';
    expect(() => programInit(plan, 'v')).toThrow(/unknown policy nope/);
  });
});

const AT = tokyo('2025-01-06T10:00');
const later = (days: number) => AT + days * 86_400_000;
const withReports = (...r: ReturnType<typeof report>[]) => planWith({ reports: r });

describe('initialProgramState', () => {
  it('starts with one version, no updates, nothing published and no report track without reports', () => {
    const state = initialProgramState(programInit(planWith(), 'v1'), AT, 'suzuki');
    expect(state.versions).toEqual([{ version: 'v1', at: AT, by: 'suzuki' }]);
    expect([state.updates, state.lastPublished, state.reports]).toEqual([[], null, null]);
  });

  it('starts the report track at the same instant, created by the same person', () => {
    const state = initialProgramState(programInit(withReports(report('q1', '2025-04-30', 'sato')), 'v1'), AT, 'suzuki');
    expect(state.reports?.measure.id).toBe(REPORT_TRACK);
    expect(state.reports?.startedAt).toBe(AT);
    expect(state.reports?.milestones.map((m) => [m.id, m.due, m.owner, m.scheduleFrom])).toEqual([
      ['q1', '2025-04-30', 'sato', AT],
    ]);
    expect(state.reports?.actions).toMatchObject([{ kind: 'created', actor: 'suzuki', at: AT }]);
  });
});

describe('applyProblems', () => {
  const state = () => initialProgramState(programInit(planWith(), 'v1'), AT, 'suzuki');

  it('a manager of the running program may apply a new version of the same program', () => {
    expect(applyProblems(state(), programInit(planWith({ comms: ['nakamura'] }), 'v2'), 'suzuki')).toEqual([]);
  });

  it("the running program's managers decide, not the new plan's", () => {
    const init = programInit(planWith({ managers: ['suzuki', 'watanabe'] }), 'v2');
    expect(applyProblems(state(), init, 'watanabe')).toEqual([
      {
        path: '--as',
        en: 'watanabe is not a manager of the running program test-program',
        ja: 'watanabe は実行中のプログラム test-program の管理者ではありません',
      },
    ]);
    // A manager who is dropped by the new plan still applies it.
    expect(applyProblems(state(), programInit(planWith({ managers: ['watanabe'] }), 'v2'), 'suzuki')).toEqual([]);
  });

  it('another program is refused at program.id, in English and Japanese, together with a non-manager', () => {
    const other = programInit(planWith(), 'v2');
    other.program = { ...other.program, id: 'other-program' };
    expect(applyProblems(state(), other, 'sato')).toEqual([
      {
        path: 'program.id',
        en: 'this is program test-program, not other-program',
        ja: 'このプログラムは test-program です（other-program ではありません）',
      },
      {
        path: '--as',
        en: 'sato is not a manager of the running program test-program',
        ja: 'sato は実行中のプログラム test-program の管理者ではありません',
      },
    ]);
  });
});

describe('applyProgramInit', () => {
  it('an unchanged version changes nothing and says so', () => {
    const plan = withReports(report('q1', '2025-04-30', 'sato'));
    const state = initialProgramState(programInit(plan, 'v1'), AT, 'suzuki');
    const before = structuredClone(state);
    expect(applyProgramInit(state, programInit(plan, 'v1'), later(1), 'suzuki')).toBe(false);
    expect(state).toEqual(before);
  });

  it('a new version is appended with when and by whom', () => {
    const state = initialProgramState(programInit(planWith(), 'v1'), AT, 'suzuki');
    expect(
      applyProgramInit(state, programInit(planWith({ comms: ['kato', 'nakamura'] }), 'v2'), later(1), 'suzuki'),
    ).toBe(true);
    expect(state.versions).toEqual([
      { version: 'v1', at: AT, by: 'suzuki' },
      { version: 'v2', at: later(1), by: 'suzuki' },
    ]);
    expect(state.program.comms).toEqual(['kato', 'nakamura']);
    expect(Object.keys(state.people)).toEqual(['kato', 'nakamura', 'suzuki']);
  });

  it(`keeps the newest ${PLAN_VERSIONS_KEPT} versions`, () => {
    const init = programInit(planWith(), 'v0');
    const state = initialProgramState(init, AT, 'suzuki');
    for (let i = 1; i <= 150; i++) applyProgramInit(state, { ...init, version: `v${i}` }, later(i), 'suzuki');
    expect(state.versions).toHaveLength(PLAN_VERSIONS_KEPT);
    expect(state.versions[0]).toEqual({ version: 'v51', at: later(51), by: 'suzuki' });
    expect(state.versions.at(-1)).toEqual({ version: 'v150', at: later(150), by: 'suzuki' });
  });

  it('merges the report track into the same object (the notifier may be writing into it)', () => {
    const state = initialProgramState(programInit(withReports(report('q1', '2025-04-30', 'sato')), 'v1'), AT, 'suzuki');
    const track = state.reports;
    const next = withReports(report('q1', '2025-05-30', 'sato'), report('q2', '2025-07-31', 'ito'));
    applyProgramInit(state, programInit(next, 'v2'), later(1), 'suzuki');
    expect(state.reports).toBe(track);
    expect(track?.milestones.map((m) => [m.id, m.due, m.originalDue])).toEqual([
      ['q1', '2025-05-30', '2025-04-30'],
      ['q2', '2025-07-31', '2025-07-31'],
    ]);
    expect(track?.actions.at(-1)).toMatchObject({ kind: 'amended', actor: 'suzuki', details: { reports: 'q1,q2' } });
  });

  it('starts a report track when reports first appear, and cancels its deadlines when they all go', () => {
    const state = initialProgramState(programInit(planWith(), 'v1'), AT, 'suzuki');
    applyProgramInit(state, programInit(withReports(report('q1', '2025-04-30', 'sato')), 'v2'), later(1), 'suzuki');
    expect(state.reports?.startedAt).toBe(later(1));
    expect(state.reports?.milestones.map((m) => m.id)).toEqual(['q1']);
    const track = state.reports;
    applyProgramInit(state, programInit(planWith(), 'v3'), later(2), 'watanabe');
    expect(state.reports).toBe(track);
    expect(track?.milestones[0]?.cancelled).toEqual({ at: later(2), by: 'watanabe', reason: 'removed from the plan' });
  });
});

// ---------------------------------------------------------------------------------------------
// The ledger of updates

const BASE = (period: string): BaselineRef => ({
  file: `var/updates/${period}/r1/baseline.json`,
  sha256: `sha-${period}`,
});
const program = (): ProgramState => initialProgramState(programInit(planWith(), 'v1'), AT, 'suzuki');

describe('applyUpdateEvent', () => {
  it('keeps one record per period, in period order whatever order they arrive in', () => {
    const state = program();
    for (const period of ['2025-03', '2025-01', '2025-02', '2025-03'])
      applyUpdateEvent(state, { period, state: 'compiling', revision: 1, at: AT });
    expect(state.updates.map((u) => u.period)).toEqual(['2025-01', '2025-02', '2025-03']);
  });

  it('sets and clears decidedBy and reason through draft, rejected, compiling, draft, approved, published', () => {
    const state = program();
    const rec = (): UpdateRecord | undefined => state.updates[0];
    const p = '2025-03';
    applyUpdateEvent(state, { period: p, state: 'compiling', revision: 1, at: later(0) });
    expect(rec()).toStrictEqual({ period: p, state: 'compiling', revision: 1, at: later(0) });
    applyUpdateEvent(state, { period: p, state: 'draft', revision: 1, at: later(1), changes: 3 });
    expect(rec()).toStrictEqual({ period: p, state: 'draft', revision: 1, at: later(1), changes: 3 });
    applyUpdateEvent(state, { period: p, state: 'rejected', revision: 1, at: later(2), by: 'kato', reason: 'typo' });
    expect(rec()).toStrictEqual({
      period: p,
      state: 'rejected',
      revision: 1,
      at: later(2),
      changes: 3,
      decidedBy: 'kato',
      reason: 'typo',
    });
    applyUpdateEvent(state, { period: p, state: 'compiling', revision: 1, at: later(3) });
    expect(rec()).toStrictEqual({ period: p, state: 'compiling', revision: 1, at: later(3), changes: 3 });
    applyUpdateEvent(state, { period: p, state: 'draft', revision: 2, at: later(4), changes: 4 });
    expect(rec()).toStrictEqual({ period: p, state: 'draft', revision: 2, at: later(4), changes: 4 });
    applyUpdateEvent(state, { period: p, state: 'approved', revision: 2, at: later(5), by: 'suzuki' });
    expect(rec()).toStrictEqual({
      period: p,
      state: 'approved',
      revision: 2,
      at: later(5),
      changes: 4,
      decidedBy: 'suzuki',
    });
    applyUpdateEvent(state, { period: p, state: 'published', revision: 2, at: later(6), baseline: BASE(p) });
    expect(rec()).toStrictEqual({
      period: p,
      state: 'published',
      revision: 2,
      at: later(6),
      changes: 4,
      decidedBy: 'suzuki',
      publishedAt: later(6),
    });
    expect(state.lastPublished).toEqual({ period: p, baseline: BASE(p) });
  });

  it('moves lastPublished only forward: a late publication of an earlier period does not replace it', () => {
    const state = program();
    applyUpdateEvent(state, {
      period: '2025-03',
      state: 'published',
      revision: 1,
      at: later(1),
      baseline: BASE('2025-03'),
    });
    applyUpdateEvent(state, {
      period: '2025-02',
      state: 'published',
      revision: 1,
      at: later(2),
      baseline: BASE('2025-02'),
    });
    expect(state.lastPublished).toEqual({ period: '2025-03', baseline: BASE('2025-03') });
    expect(state.updates.map((u) => [u.period, u.state, u.publishedAt])).toEqual([
      ['2025-02', 'published', later(2)],
      ['2025-03', 'published', later(1)],
    ]);
    applyUpdateEvent(state, {
      period: '2025-04',
      state: 'published',
      revision: 1,
      at: later(3),
      baseline: BASE('2025-04'),
    });
    expect(state.lastPublished?.period).toBe('2025-04');
  });

  it('a publication without a baseline leaves lastPublished alone', () => {
    const state = program();
    applyUpdateEvent(state, {
      period: '2025-03',
      state: 'published',
      revision: 1,
      at: later(1),
      baseline: BASE('2025-03'),
    });
    applyUpdateEvent(state, { period: '2025-04', state: 'published', revision: 1, at: later(2) });
    expect(state.lastPublished).toEqual({ period: '2025-03', baseline: BASE('2025-03') });
  });
});

describe('baselineFor', () => {
  it('is the newest published update of an earlier period only', () => {
    const state = program();
    expect(baselineFor(state, '2025-03')).toBeNull();
    applyUpdateEvent(state, {
      period: '2025-03',
      state: 'published',
      revision: 1,
      at: later(1),
      baseline: BASE('2025-03'),
    });
    expect(baselineFor(state, '2025-04')).toEqual({ period: '2025-03', baseline: BASE('2025-03') });
    expect(baselineFor(state, '2026-01')).toEqual({ period: '2025-03', baseline: BASE('2025-03') });
    // Recompiling the published period itself, or an earlier one, compares with nothing newer than it.
    expect(baselineFor(state, '2025-03')).toBeNull();
    expect(baselineFor(state, '2025-02')).toBeNull();
  });

  it('mixes weekly and monthly periods by their first day (a plan may change its cadence)', () => {
    expect(periodStart('2025-06')).toBe('2025-06-01');
    expect(periodStart('2025-W01')).toBe('2024-12-30');
    const state = program();
    applyUpdateEvent(state, { period: '2025-W20', state: 'published', revision: 1, at: later(1), baseline: BASE('w') });
    expect(baselineFor(state, '2025-06')?.period).toBe('2025-W20');
    applyUpdateEvent(state, { period: '2025-06', state: 'published', revision: 1, at: later(2), baseline: BASE('m') });
    expect(state.lastPublished?.period).toBe('2025-06');
    expect(state.updates.map((u) => u.period)).toEqual(['2025-W20', '2025-06']);
    expect(baselineFor(state, '2025-05')).toBeNull();
  });

  it('orders weekly periods across a year boundary', () => {
    const state = program();
    applyUpdateEvent(state, { period: '2024-W52', state: 'published', revision: 1, at: later(1), baseline: BASE('w') });
    expect(baselineFor(state, '2025-W01')?.period).toBe('2024-W52');
    expect(baselineFor(state, '2024-W51')).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// One update

describe('parseDecisionArgs', () => {
  const paths = (raw: unknown) => {
    const r = parseDecisionArgs(raw);
    return r.ok ? [] : r.problems.map((p) => p.path);
  };

  it('reads a decision, with its reason only when given', () => {
    expect(parseDecisionArgs({ decision: 'approve', actor: 'kato' })).toStrictEqual({
      ok: true,
      args: { decision: 'approve', actor: 'kato' },
    });
    expect(parseDecisionArgs({ decision: 'reject', actor: 'suzuki', reason: 'typo in §2' })).toStrictEqual({
      ok: true,
      args: { decision: 'reject', actor: 'suzuki', reason: 'typo in §2' },
    });
    expect(parseDecisionArgs({ decision: 'recompile', actor: 'j.smith_2-x' }).ok).toBe(true);
  });

  it('refuses what is not an object', () => {
    for (const raw of [null, undefined, 'approve', 42, ['approve']]) expect(paths(raw), String(raw)).toEqual(['']);
  });

  it('names each unknown field, including inherited names', () => {
    const raw = JSON.parse('{"decision":"approve","actor":"kato","colour":"red","__proto__":{},"by":"x"}') as unknown;
    const r = parseDecisionArgs(raw);
    expect(r.ok ? [] : r.problems.map((p) => [p.path, p.en])).toEqual([
      ['colour', 'unknown field'],
      ['__proto__', 'unknown field'],
      ['by', 'unknown field'],
    ]);
  });

  it('refuses an unknown decision at `decision`', () => {
    expect(paths({ decision: 'publish', actor: 'kato' })).toEqual(['decision']);
    expect(paths({ actor: 'kato' })).toEqual(['decision']);
  });

  it('refuses a missing or malformed person id at --as', () => {
    for (const actor of [undefined, '', 'Kato', '-kato', 'ka to', 'kato@example.jp', 42, 'a'.repeat(65)])
      expect(paths({ decision: 'approve', actor }), String(actor)).toEqual(['--as']);
    expect(paths({ decision: 'approve', actor: 'a'.repeat(64) })).toEqual([]);
  });

  it('refuses a reason longer than 2000 characters, or one that is not text, at --reason', () => {
    expect(paths({ decision: 'reject', actor: 'kato', reason: 'x'.repeat(2000) })).toEqual([]);
    expect(paths({ decision: 'reject', actor: 'kato', reason: 'x'.repeat(2001) })).toEqual(['--reason']);
    expect(paths({ decision: 'reject', actor: 'kato', reason: 42 })).toEqual(['--reason']);
  });

  it('reads the revision decided on, a whole number from 1 to the limit, at --revision', () => {
    expect(parseDecisionArgs({ decision: 'approve', actor: 'kato', revision: 2 })).toStrictEqual({
      ok: true,
      args: { decision: 'approve', actor: 'kato', revision: 2 },
    });
    expect(paths({ decision: 'approve', actor: 'kato', revision: LIMITS.revision })).toEqual([]);
    for (const revision of [0, -1, 1.5, LIMITS.revision + 1, '2', null, NaN, Infinity, [2]])
      expect(paths({ decision: 'approve', actor: 'kato', revision }), String(revision)).toEqual(['--revision']);
  });

  it('reports every problem at once, each in English and Japanese', () => {
    const r = parseDecisionArgs({ decision: 'nope', actor: 'X', reason: 'x'.repeat(2001), extra: 1 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path)).toEqual(['extra', 'decision', '--as', '--reason']);
    for (const p of r.problems) expect(p.ja).not.toBe('');
    expect(r.problems[3]?.en).toBe('text of at most 2000 characters');
  });
});

/** The context an update's compile gives it: comms kato, manager suzuki. */
function context(program: ProgramExtras = {}, policy?: Partial<RawPolicy>): UpdateContext {
  const init = programInit(planWith(program, policy ? { policy } : {}), 'v1');
  return { program: init.program, people: init.people, policy: init.policy };
}

function update(state: UpdateStateName, n = 1, ctx: UpdateContext | null = context()): UpdateState {
  return {
    program: 'test-program',
    period: '2025-03',
    state,
    context: ctx,
    revision: ctx
      ? {
          n,
          compiledAt: AT,
          dir: `var/updates/test-program/2025-03/r${n}`,
          files: {},
          measures: 1,
          changes: 0,
          since: null,
        }
      : null,
    decisions: [],
    reminders: 0,
    publishedAt: null,
  };
}

const decide = (decision: DecisionArgs['decision'], actor: string, reason?: string): DecisionArgs => ({
  decision,
  actor,
  ...(reason !== undefined ? { reason } : {}),
});
const en = (state: UpdateState, args: DecisionArgs) => decisionProblems(state, args).map((p) => `${p.path}|${p.en}`);

describe('decisionProblems', () => {
  it('comms and managers may approve, reject (with a reason) or recompile a draft', () => {
    for (const who of ['kato', 'suzuki']) {
      expect(en(update('draft'), decide('approve', who))).toEqual([]);
      expect(en(update('draft'), decide('reject', who, 'typo'))).toEqual([]);
      expect(en(update('draft'), decide('recompile', who))).toEqual([]);
    }
  });

  it('anyone else is refused at --as', () => {
    expect(decisionProblems(update('draft'), decide('approve', 'sato'))).toEqual([
      {
        path: '--as',
        en: 'sato is neither comms nor a manager of test-program: only they decide on its updates',
        ja: 'sato は test-program の広報担当でも管理者でもありません。更新を判断できるのはこの人たちだけです',
      },
    ]);
  });

  it('after a handover the deciders the program sent, not the compiled ones, decide', () => {
    const handed = { ...update('draft'), deciders: { managers: ['suzuki'], comms: ['brown'] } };
    expect(en(handed, decide('approve', 'kato'))).toEqual([
      '--as|kato is neither comms nor a manager of test-program: only they decide on its updates',
    ]);
    expect(en(handed, decide('approve', 'brown'))).toEqual([]);
    expect(parseDeciders({ managers: ['suzuki'], comms: ['brown'] })).toEqual(handed.deciders);
    for (const bad of [null, 'x', {}, { managers: 'suzuki', comms: [] }, { managers: [42], comms: [] }])
      expect(parseDeciders(bad), JSON.stringify(bad)).toBeUndefined();
  });

  it('an approved or published update takes no further decision, not even a recompile', () => {
    for (const decision of ['approve', 'reject', 'recompile'] as const) {
      expect(en(update('approved'), decide(decision, 'suzuki', 'x'))).toEqual([
        '|update test-program/2025-03 is already approved',
      ]);
      expect(en(update('published'), decide(decision, 'suzuki', 'x'))).toEqual([
        '|update test-program/2025-03 is already published',
      ]);
    }
    expect(decisionProblems(update('approved'), decide('approve', 'kato'))[0]?.ja).toBe(
      '更新 test-program/2025-03 は既に承認されています',
    );
    expect(decisionProblems(update('published'), decide('approve', 'kato'))[0]?.ja).toBe(
      '更新 test-program/2025-03 は既に公開されています',
    );
  });

  it('after a rejection only a recompile is taken', () => {
    expect(en(update('rejected', 2), decide('approve', 'suzuki'))).toEqual([
      '|revision 2 of test-program/2025-03 was rejected: compile it again first (remediate update compile)',
    ]);
    expect(en(update('rejected', 2), decide('reject', 'suzuki', 'again'))).toHaveLength(1);
    expect(en(update('rejected', 2), decide('recompile', 'kato'))).toEqual([]);
  });

  it('a decision that names its revision is taken on that revision only: the current one', () => {
    const on = (revision: number) => ({ ...decide('approve', 'kato'), revision });
    expect(en(update('draft', 2), on(2))).toEqual([]);
    expect(decisionProblems(update('draft', 2), on(1))).toEqual([
      {
        path: '--revision',
        en: 'revision 1 of test-program/2025-03 was decided on, but the current revision is 2: read r2 first',
        ja: 'test-program/2025-03 の第 1 版への判断ですが、現在の版は第 2 版です。先に第 2 版を読んでください',
      },
    ]);
    expect(en(update('draft', 2), on(3))).toEqual([
      '--revision|revision 3 of test-program/2025-03 was decided on, but the current revision is 2: read r2 first',
    ]);
    expect(en(update('draft', 2), { ...decide('reject', 'kato', 'typo'), revision: 1 })).toHaveLength(1);
  });

  it('a rejection needs a reason that is not blank', () => {
    for (const reason of [undefined, '', '  \n\t'])
      expect(en(update('draft'), decide('reject', 'kato', reason))).toEqual(['--reason|a rejection needs a reason']);
  });

  it('gives every reason at once', () => {
    expect(en(update('rejected'), decide('reject', 'sato')).map((p) => p.split('|')[0])).toEqual([
      '--as',
      '',
      '--reason',
    ]);
  });

  it('refuses anything while the update is being compiled, whoever asks', () => {
    const compiling = [update('compiling'), update('draft', 1, null), { ...update('draft'), revision: null }];
    for (const state of compiling)
      expect(decisionProblems(state, decide('approve', 'nobody'))).toEqual([
        {
          path: '',
          en: 'update test-program/2025-03 is being compiled: try again in a moment',
          ja: '更新 test-program/2025-03 は作成中です。少し待ってからもう一度どうぞ',
        },
      ]);
  });
});

describe('applyDecision', () => {
  it('records who decided what on which revision, and moves the state', () => {
    const state = update('draft', 3);
    applyDecision(state, decide('reject', 'kato', 'typo'), later(1));
    expect(state.state).toBe('rejected');
    applyDecision(state, decide('recompile', 'kato'), later(2));
    expect(state.state).toBe('compiling');
    applyDecision(state, decide('approve', 'suzuki'), later(3));
    expect(state.state).toBe('approved');
    expect(state.decisions).toStrictEqual([
      { decision: 'reject', by: 'kato', at: later(1), revision: 3, reason: 'typo' },
      { decision: 'recompile', by: 'kato', at: later(2), revision: 3 },
      { decision: 'approve', by: 'suzuki', at: later(3), revision: 3 },
    ]);
  });

  it('records revision 0 when nothing was compiled yet', () => {
    const state = update('compiling', 1, null);
    applyDecision(state, decide('recompile', 'kato'), later(1));
    expect(state.decisions[0]?.revision).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Reminders about a waiting draft

/** A ladder of two levels: comms after 1 business day, comms and managers after 3; then every 2. */
const LADDER: Partial<RawPolicy> = {
  notifyAt: '08:30',
  escalation: [
    { afterBusinessDays: 1, notify: ['owner'] },
    { afterBusinessDays: 3, notify: ['owner', 'manager'] },
  ],
  repeatEveryBusinessDays: 2,
};
/** A draft compiled on Fri 2025-03-07 in the afternoon (Tokyo). */
const FRIDAY = tokyo('2025-03-07T15:00');
const weekdays = (extra: ProgramExtras = {}): ProgramExtras => ({ calendar: 'weekdays', ...extra });
/** `n: date time to` of the first `count` reminders, in Tokyo. */
function ladder(ctx: UpdateContext, draftedAt: number, count: number): string[] {
  const out: string[] = [];
  for (let n = 1; n <= count; n++) {
    const r = draftReminder(ctx, draftedAt, n);
    out.push(r ? `${r.n}: ${iso(r.at).slice(0, 16)} ${r.to.join(',')}` : `${n}: none`);
  }
  return out;
}

describe('draftReminder', () => {
  it("climbs the program policy's ladder in business days from the draft's date, skipping the weekend, then repeats", () => {
    expect(ladder(context(weekdays(), LADDER), FRIDAY, 5)).toEqual([
      '1: 2025-03-10T08:30 kato', // Mon: 1 business day after Fri; only the owner, so comms only
      '2: 2025-03-12T08:30 kato,suzuki', // Wed: 3 business days; beyond the owner, so the managers too
      '3: 2025-03-14T08:30 kato,suzuki', // then every 2 business days at the last level
      '4: 2025-03-18T08:30 kato,suzuki',
      '5: 2025-03-20T08:30 kato,suzuki', // a Japanese holiday, but the calendar is weekdays
    ]);
  });

  it("counts from the draft's date in the program zone: Fri 01:00 Tokyo is still Thursday in UTC", () => {
    const r = draftReminder(context(weekdays(), LADDER), Date.UTC(2025, 2, 6, 16, 0), 1);
    expect(r && iso(r.at)).toBe('2025-03-10T08:30:00+09:00');
  });

  it('follows the calendar kind and the closed dates of the program', () => {
    const closed = context(weekdays({ closedDates: ['2025-03-10'] }), LADDER);
    expect(ladder(closed, FRIDAY, 1)).toEqual(['1: 2025-03-11T08:30 kato']);
    // The jp calendar skips the Vernal Equinox Day (Thu 2025-03-20).
    const jp = context({}, LADDER);
    expect(ladder(jp, tokyo('2025-03-18T10:00'), 2)).toEqual([
      '1: 2025-03-19T08:30 kato',
      '2: 2025-03-24T08:30 kato,suzuki',
    ]);
    // And a plain weekdays program right after still counts the holiday (no calendar is reused wrongly).
    expect(ladder(context(weekdays(), LADDER), tokyo('2025-03-18T10:00'), 2)[1]).toBe(
      '2: 2025-03-21T08:30 kato,suzuki',
    );
  });

  it('has no reminder 0, and none after the ladder when the policy does not repeat', () => {
    const ctx = context(weekdays(), { ...LADDER, repeatEveryBusinessDays: undefined });
    expect(draftReminder(ctx, FRIDAY, 0)).toBeUndefined();
    expect(ladder(ctx, FRIDAY, 3)).toEqual(['1: 2025-03-10T08:30 kato', '2: 2025-03-12T08:30 kato,suzuki', '3: none']);
  });

  it('without a ladder reminds comms every 2 business days', () => {
    const ctx = context(weekdays(), { escalation: [], repeatEveryBusinessDays: undefined });
    expect(ladder(ctx, FRIDAY, 3)).toEqual([
      '1: 2025-03-11T09:00 kato',
      '2: 2025-03-13T09:00 kato',
      '3: 2025-03-17T09:00 kato',
    ]);
  });

  it('writes to the managers when there are no comms', () => {
    expect(ladder(context(weekdays({ comms: [] }), LADDER), FRIDAY, 2)).toEqual([
      '1: 2025-03-10T08:30 suzuki',
      '2: 2025-03-12T08:30 suzuki',
    ]);
    const noLadder = context(weekdays({ comms: [] }), { escalation: [], repeatEveryBusinessDays: undefined });
    expect(ladder(noLadder, FRIDAY, 1)).toEqual(['1: 2025-03-11T09:00 suzuki']);
  });

  it('writes once to a person who is both comms and a manager', () => {
    const ctx = context(weekdays({ comms: ['kato', 'suzuki'], managers: ['suzuki', 'watanabe'] }), LADDER);
    expect(draftReminder(ctx, FRIDAY, 2)?.to).toEqual(['kato', 'suzuki', 'watanabe']);
  });

  it('a level naming only the sponsor or the managers also reaches beyond the owner', () => {
    for (const role of ['sponsor', 'managers'] as const) {
      const ctx = context(weekdays(), { escalation: [{ afterBusinessDays: 2, notify: [role] }] });
      expect(draftReminder(ctx, FRIDAY, 1)?.to).toEqual(['kato', 'suzuki']);
    }
  });

  it('is undefined beyond the end of the calendar data', () => {
    expect(draftReminder(context(weekdays(), LADDER), FRIDAY, 100_000)).toBeUndefined();
  });
});

describe('recipientsOf', () => {
  it("addresses known people in their language, else the program's, and skips unknown ids", () => {
    const ctx = context({ reports: [report('q1', '2025-04-30', 'sato')] });
    expect(recipientsOf(ctx, ['kato', 'nobody', 'sato'])).toEqual([
      { id: 'kato', name: '加藤 美咲', email: 'kato@example.jp', lang: 'ja' },
      { id: 'sato', name: '佐藤 花子', email: 'sato@example.jp', lang: 'en' },
    ]);
    const english = context({ language: 'en' });
    expect(recipientsOf(english, ['kato'])[0]?.lang).toBe('en');
  });

  it('finds nobody through inherited names', () => {
    expect(recipientsOf(context(), ['constructor', '__proto__', 'toString'])).toEqual([]);
  });
});
