/**
 * The report track (src/domain/report-track.ts): the program's deadlines to the regulator as the
 * milestones of the measure-shaped state `@reports`; what a new plan version keeps of it; whether each
 * deadline was met; and `simulate` running it on the same engine as the measures, with only
 * `complete` and `forecast` taken. Base plan: see fixtures.ts; `planWith` adds `program.reports`.
 */
import { describe, expect, it } from 'vitest';
import {
  dueNotifications,
  markDealtWith,
  nextEngineAt,
  recordNotification,
  undeliverable,
} from '../../src/domain/engine';
import { programContext, type MeasureState } from '../../src/domain/model';
import { validatePlan, type Plan } from '../../src/domain/plan';
import { notificationsBetween } from '../../src/domain/planner';
import { ProblemError, formatProblem } from '../../src/domain/problems';
import { initialState } from '../../src/domain/reducer';
import {
  REPORT_TRACK,
  REPORT_TRACK_TITLE,
  mergedReportTrack,
  reportDeadlines,
  reportTrackInit,
} from '../../src/domain/report-track';
import { regulatorReport } from '../../src/domain/reports/regulator';
import { simulate, startOfDay, statesFromPlan, type SimAction, type SimEvent } from '../../src/domain/simulate';
import { accept, iso, rawPlan, tokyo, ZONE, type PlanOverrides, type RawPolicy } from './fixtures';

interface RawReport {
  id: string;
  title: { ja: string; en: string };
  due: string;
  owner: string;
}

const report = (id: string, due: string, owner: string): RawReport => ({
  id,
  title: { ja: `報告 ${id}`, en: `Report ${id}` },
  due,
  owner,
});

/** A validated plan with `reports` as its `program.reports` (and `program.policy` when given). */
function planWith(reports: RawReport[], overrides: PlanOverrides = {}, policy?: string): Plan {
  const raw = rawPlan(overrides);
  raw.program = { ...(raw.program as Record<string, unknown>), reports, ...(policy ? { policy } : {}) };
  const r = validatePlan(raw);
  if (!r.ok) throw new Error(`invalid test plan:\n${r.problems.map(formatProblem).join('\n')}`);
  return r.plan;
}

/** The report track of `plan`, started at Tokyo time `start` by suzuki (as `plan apply` starts it). */
function trackOf(plan: Plan, start = '2025-01-06T09:00'): MeasureState {
  const init = reportTrackInit(plan);
  if (!init) throw new Error('the plan has no reports');
  return initialState({ ...init, startedAt: tokyo(start), actor: 'suzuki' });
}

/** Runs the engine of `state` up to Tokyo time `until`, recording each notification as sent (the program workflow's notifier). */
function runEngine(state: MeasureState, until: string): void {
  for (let at = nextEngineAt(state); at !== undefined && at < tokyo(until); at = nextEngineAt(state)) {
    for (const n of dueNotifications(state, at)) recordNotification(state, n, undeliverable(n));
    markDealtWith(state, at);
  }
}

// ---------------------------------------------------------------------------------------------

describe('reportTrackInit', () => {
  it('is undefined for a plan without reports', () => {
    expect(reportTrackInit(planWith([]))).toBeUndefined();
  });

  it("holds one milestone per report, with the report's owner, in a measure that no plan id can collide with", () => {
    const plan = planWith([report('q1', '2025-04-30', 'sato'), report('q2', '2025-07-31', 'ito')]);
    const init = reportTrackInit(plan);
    expect(init?.measure).toEqual({
      id: REPORT_TRACK,
      title: REPORT_TRACK_TITLE,
      directiveItems: [],
      owner: 'suzuki',
      policy: 'standard',
      verification: 'none',
      milestones: [
        { id: 'q1', title: { ja: '報告 q1', en: 'Report q1' }, due: '2025-04-30', owner: 'sato', dependsOn: [] },
        { id: 'q2', title: { ja: '報告 q2', en: 'Report q2' }, due: '2025-07-31', owner: 'ito', dependsOn: [] },
      ],
    });
    expect(init?.program).toEqual(programContext(plan));
    expect(init?.policy).toEqual(plan.policies.standard);
    expect([init?.external, init?.dependents]).toEqual([{}, {}]);
    // A measure id must start with a-z or 0-9, so `@reports` is never one.
    const clash = rawPlan({
      measures: [{ id: REPORT_TRACK, owner: 'ito', milestones: [{ id: 'a', due: '2025-04-30' }] }],
    });
    expect(validatePlan(clash).ok).toBe(false);
  });

  it("writes to the report owners, their managers and the program's managers, and no one else", () => {
    const init = reportTrackInit(planWith([report('q1', '2025-04-30', 'sato'), report('q2', '2025-07-31', 'ito')]));
    // sato's manager is tanaka; ito has none; kato (comms), yamada (sponsor) and the rest are left out.
    expect(Object.keys(init?.people ?? {})).toEqual(['ito', 'sato', 'suzuki', 'tanaka']);
    expect(init?.people.tanaka).toEqual({ name: '田中 次郎', email: 'tanaka@example.jp' });
  });

  it("follows the program's policy", () => {
    const light: RawPolicy = { notifyAt: '10:00', escalation: [{ afterBusinessDays: 2, notify: ['managers'] }] };
    const init = reportTrackInit(planWith([report('q1', '2025-04-30', 'sato')], { policies: { light } }, 'light'));
    expect(init?.measure.policy).toBe('light');
    expect(init?.policy).toMatchObject({ notifyAt: '10:00', escalation: light.escalation });
  });
});

// ---------------------------------------------------------------------------------------------

const V1 = [report('q1', '2025-04-30', 'sato'), report('q2', '2025-07-31', 'ito'), report('q3', '2025-10-31', 'ito')];
/** q1 unchanged, q2 moved to 2025-08-29, q3 dropped, q4 new. */
const V2 = [report('q1', '2025-04-30', 'sato'), report('q2', '2025-08-29', 'ito'), report('q4', '2025-12-19', 'sato')];
const APPLIED = '2025-05-01T10:00';

/** The track of V1 after q1 was submitted on time, q3 forecast, and the reminders up to APPLIED went out. */
function livedTrack(): MeasureState {
  const track = trackOf(planWith(V1));
  runEngine(track, '2025-04-25T10:00');
  accept(track, 'sato', '2025-04-25T10:00', { type: 'complete', milestone: 'q1', evidence: 'MIC-2025-001' });
  accept(track, 'ito', '2025-04-25T11:00', { type: 'forecast', milestone: 'q3', date: '2025-11-14' });
  runEngine(track, APPLIED);
  return track;
}

const merge = (previous: MeasureState | null, reports: RawReport[], at = APPLIED, actor = 'suzuki') =>
  mergedReportTrack(previous, reportTrackInit(planWith(reports)), tokyo(at), actor);

describe('mergedReportTrack', () => {
  it('keeps what happened: submissions, notifications, the watermark, the audit trail and the start', () => {
    const previous = livedTrack();
    const before = structuredClone(previous);
    expect(before.notifications.recent.length).toBeGreaterThan(0);
    const next = merge(previous, V2);
    if (!next) throw new Error('no track');
    expect(next.milestones.find((m) => m.id === 'q1')?.completed).toEqual(before.milestones[0]?.completed);
    expect(next.notifications).toEqual(before.notifications);
    expect(next.sentUntil).toBe(before.sentUntil);
    expect(next.startedAt).toBe(before.startedAt);
    expect(next.changeLog).toEqual(before.changeLog);
    expect(next.actions.slice(0, -1)).toEqual(before.actions);
  });

  it("records an 'amended' action naming the deadlines, continuing the sequence (no second 'created')", () => {
    const previous = livedTrack();
    const seq = previous.nextSeq;
    const next = merge(previous, V2, APPLIED, 'watanabe');
    expect(next?.actions.filter((a) => a.kind === 'created')).toHaveLength(1);
    expect(next?.actions.at(-1)).toEqual({
      seq,
      at: tokyo(APPLIED),
      actor: 'watanabe',
      kind: 'amended',
      details: { reports: 'q1,q2,q4,q3' },
    });
    expect(next?.nextSeq).toBe(seq + 1);
  });

  it('a kept deadline keeps its schedule; a moved one keeps originalDue and restarts its reminders from now', () => {
    const previous = livedTrack();
    const started = previous.startedAt;
    const next = merge(previous, V2);
    expect(next?.milestones.map((m) => [m.id, m.originalDue, m.due, m.scheduleFrom])).toEqual([
      ['q1', '2025-04-30', '2025-04-30', started],
      ['q2', '2025-07-31', '2025-08-29', tokyo(APPLIED)],
      ['q4', '2025-12-19', '2025-12-19', tokyo(APPLIED)],
      ['q3', '2025-10-31', '2025-10-31', started],
    ]);
  });

  it('a dropped deadline is cancelled, not removed, and keeps its forecast; a new one is added open', () => {
    const next = merge(livedTrack(), V2, APPLIED, 'watanabe');
    const q3 = next?.milestones.find((m) => m.id === 'q3');
    expect(q3?.cancelled).toEqual({ at: tokyo(APPLIED), by: 'watanabe', reason: 'removed from the plan' });
    expect(q3?.forecast).toBe('2025-11-14');
    const q4 = next?.milestones.find((m) => m.id === 'q4');
    expect([q4?.owner, q4?.completed, q4?.cancelled]).toEqual(['sato', undefined, undefined]);
  });

  it('the planner then reminds of the new dates only: q2 at its new due date, q4, and never q3', () => {
    const next = merge(livedTrack(), V2);
    if (!next) throw new Error('no track');
    const planned = notificationsBetween(next, tokyo(APPLIED), tokyo('2026-01-01'));
    expect([...new Set(planned.map((n) => n.milestone))].sort()).toEqual(['q2', 'q4']);
    const q2 = planned.filter((n) => n.milestone === 'q2' && n.kind === 'reminder').map((n) => iso(n.at).slice(0, 10));
    expect(q2).toEqual(['2025-07-30', '2025-08-22', '2025-08-28', '2025-08-29']);
  });

  it('a deadline dropped before stays as it was cancelled; a submitted one that is dropped stays submitted', () => {
    const once = merge(livedTrack(), V2);
    const twice = merge(once, [report('q2', '2025-08-29', 'ito')], '2025-06-02T10:00');
    expect(twice?.milestones.map((m) => [m.id, m.cancelled?.at ?? null, m.completed?.on ?? null])).toEqual([
      ['q2', null, null],
      ['q1', null, '2025-04-25'],
      ['q4', tokyo('2025-06-02T10:00'), null],
      ['q3', tokyo(APPLIED), null],
    ]);
  });

  it('without a previous track is a fresh one started now', () => {
    const next = merge(null, V2, APPLIED, 'watanabe');
    expect(next?.startedAt).toBe(tokyo(APPLIED));
    expect(next?.actions).toMatchObject([{ kind: 'created', actor: 'watanabe', details: { milestones: 'q1,q2,q4' } }]);
  });

  it('without reports: nothing stays nothing; a running track has every open deadline cancelled', () => {
    expect(mergedReportTrack(null, undefined, tokyo(APPLIED), 'suzuki')).toBeNull();
    const previous = livedTrack();
    const next = mergedReportTrack(previous, undefined, tokyo(APPLIED), 'suzuki');
    expect(next).toBe(previous);
    expect(next?.actions.at(-1)).toMatchObject({ kind: 'amended', actor: 'suzuki', details: { reports: '' } });
    expect(next?.milestones.map((m) => [m.id, m.completed?.on ?? null, m.cancelled?.reason ?? null])).toEqual([
      ['q1', '2025-04-25', null],
      ['q2', null, 'removed from the plan'],
      ['q3', null, 'removed from the plan'],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('reportDeadlines', () => {
  const REPORTS = [
    report('early', '2025-04-30', 'sato'),
    report('on-the-day', '2025-05-30', 'sato'),
    report('late', '2025-06-30', 'ito'),
    report('forgotten', '2025-07-31', 'ito'),
    report('due-today', '2025-08-01', 'sato'),
    report('later', '2025-09-30', 'sato'),
    report('dropped', '2025-07-15', 'ito'),
  ];

  /** Each outcome once, seen on 2025-08-01. */
  function track(): MeasureState {
    const t = trackOf(planWith(REPORTS));
    accept(t, 'sato', '2025-04-25T10:00', { type: 'complete', milestone: 'early', evidence: 'MIC-1' });
    accept(t, 'sato', '2025-05-30T23:00', { type: 'complete', milestone: 'on-the-day', evidence: 'MIC-2' });
    accept(t, 'ito', '2025-07-01T09:00', { type: 'complete', milestone: 'late', evidence: 'MIC-3' });
    const merged = merge(
      t,
      REPORTS.filter((r) => r.id !== 'dropped'),
      '2025-07-01T10:00',
    );
    if (!merged) throw new Error('no track');
    return merged;
  }

  it('says met, missed, open or cancelled for each deadline, with its submission date and evidence', () => {
    expect(reportDeadlines(track(), '2025-08-01').map((d) => [d.id, d.outcome, d.submittedOn, d.evidence])).toEqual([
      ['early', 'met', '2025-04-25', 'MIC-1'],
      ['on-the-day', 'met', '2025-05-30', 'MIC-2'],
      ['late', 'missed', '2025-07-01', 'MIC-3'],
      ['forgotten', 'missed', null, null],
      ['due-today', 'open', null, null],
      ['later', 'open', null, null],
      ['dropped', 'cancelled', null, null],
    ]);
  });

  it('an unsubmitted deadline is open up to its due date and missed from the day after', () => {
    const t = track();
    const outcome = (today: string) => reportDeadlines(t, today).find((d) => d.id === 'forgotten')?.outcome;
    expect([outcome('2025-07-30'), outcome('2025-07-31'), outcome('2025-08-01')]).toEqual(['open', 'open', 'missed']);
  });

  it('carries the title, the due date and the owner (the track owner when a deadline has none)', () => {
    const t = track();
    expect(reportDeadlines(t, '2025-08-01')[2]).toEqual({
      id: 'late',
      title: { ja: '報告 late', en: 'Report late' },
      due: '2025-06-30',
      owner: 'ito',
      submittedOn: '2025-07-01',
      outcome: 'missed',
      evidence: 'MIC-3',
    });
    const first = t.milestones[0];
    if (first) delete first.owner;
    expect(reportDeadlines(t, '2025-08-01')[0]?.owner).toBe('suzuki');
  });

  it('is empty without a track', () => {
    expect(reportDeadlines(null, '2025-08-01')).toEqual([]);
  });

  it("is what the regulator report shows as the program's deadlines, owners by name", () => {
    const plan = planWith(REPORTS);
    const states = statesFromPlan(plan, tokyo('2025-01-06T09:00'));
    const deadlines = regulatorReport(states, tokyo('2025-08-01T12:00'), { reports: track() }).deadlines;
    expect(deadlines.map((d) => [d.id, d.outcome, d.owner])).toEqual([
      ['early', 'met', { id: 'sato', name: '佐藤 花子' }],
      ['on-the-day', 'met', { id: 'sato', name: '佐藤 花子' }],
      ['late', 'missed', { id: 'ito', name: '伊藤 四郎' }],
      ['forgotten', 'missed', { id: 'ito', name: '伊藤 四郎' }],
      ['due-today', 'open', { id: 'sato', name: '佐藤 花子' }],
      ['later', 'open', { id: 'sato', name: '佐藤 花子' }],
      ['dropped', 'cancelled', { id: 'ito', name: '伊藤 四郎' }],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('simulate: the report track', () => {
  // The measure's milestone and the report share due date and owner; no sponsor, so the ladders match.
  const plan = () => planWith([report('q1', '2025-03-31', 'sato')], { measure: { sponsor: undefined } });
  const run = (from: string, until: string, actions?: SimAction[]) =>
    simulate(plan(), { from: startOfDay(from, ZONE), until: startOfDay(until, ZONE), ...(actions ? { actions } : {}) });
  const line = (e: SimEvent) =>
    `${e.at.slice(0, 10)} ${e.kind}${e.level !== undefined ? `/${e.level}` : ''} ${(e.to ?? []).join(',')}`;
  const of = (events: SimEvent[], measure: string) => events.filter((e) => e.measure === measure).map(line);

  function refusal(fn: () => unknown): string {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(ProblemError);
      return (e as ProblemError).problems.map(formatProblem).join('\n');
    }
    throw new Error('expected a ProblemError');
  }

  it('reminds and escalates a report deadline for measure @reports, to the owner and their manager', () => {
    const events = run('2025-03-01', '2025-04-15');
    expect(events.filter((e) => e.measure === REPORT_TRACK).every((e) => e.milestone === 'q1')).toBe(true);
    expect(of(events, REPORT_TRACK)).toEqual([
      '2025-03-24 reminder/0 sato@example.jp',
      '2025-03-28 reminder/0 sato@example.jp',
      '2025-03-31 reminder/0 sato@example.jp',
      '2025-04-01 escalation/1 sato@example.jp,tanaka@example.jp',
      '2025-04-07 escalation/2 sato@example.jp,tanaka@example.jp',
      '2025-04-14 escalation/2 sato@example.jp,tanaka@example.jp',
    ]);
  });

  it('runs the deadline on the same rules as a milestone with the same date and owner', () => {
    const events = run('2025-03-01', '2025-06-01');
    expect(of(events, REPORT_TRACK)).toEqual(of(events, 'auth-separation'));
  });

  it('refuses any verb but complete and forecast on @reports/<id>, naming actions[i].do', () => {
    const msg = refusal(() =>
      run('2025-03-01', '2025-05-01', [
        { at: '2025-03-10T10:00', do: 'forecast', target: `${REPORT_TRACK}/q1`, as: 'sato', date: '2025-03-28' },
        {
          at: '2025-03-11T10:00',
          do: 'replan',
          target: `${REPORT_TRACK}/q1`,
          as: 'suzuki',
          date: '2025-04-30',
          reason: 'x',
        },
      ]),
    );
    expect(msg).toBe(
      'actions[1].do: a report deadline can be completed or forecast, not replan / 報告期限は完了か見込みの登録のみできます: replan',
    );
    for (const verb of ['approve-replan', 'reject-replan', 'reassign', 'cancel'] as const)
      expect(
        refusal(() =>
          run('2025-03-01', '2025-05-01', [
            { at: '2025-03-11T10:00', do: verb, target: `${REPORT_TRACK}/q1`, as: 'suzuki', to: 'ito', reason: 'x' },
          ]),
        ),
      ).toMatch(new RegExp(`^actions\\[0\\]\\.do: a report deadline can be completed or forecast, not ${verb}`));
    // The whole track too: it cannot be cancelled or handed over.
    for (const verb of ['cancel', 'reassign'] as const)
      expect(
        refusal(() =>
          run('2025-03-01', '2025-05-01', [
            { at: '2025-03-11T10:00', do: verb, target: REPORT_TRACK, as: 'suzuki', to: 'ito', reason: 'x' },
          ]),
        ),
      ).toMatch(new RegExp(`^actions\\[0\\]\\.do: a report deadline can be completed or forecast, not ${verb}`));
  });

  it('a submission (complete) appears as an event and stops the ladder', () => {
    const events = run('2025-03-01', '2025-06-01', [
      { at: '2025-04-03T10:00', do: 'complete', target: `${REPORT_TRACK}/q1`, as: 'sato', evidence: 'MIC-2025-001' },
    ]);
    expect(of(events, REPORT_TRACK)).toEqual([
      '2025-03-24 reminder/0 sato@example.jp',
      '2025-03-28 reminder/0 sato@example.jp',
      '2025-03-31 reminder/0 sato@example.jp',
      '2025-04-01 escalation/1 sato@example.jp,tanaka@example.jp',
      '2025-04-03 completed ',
    ]);
    expect(events.find((e) => e.kind === 'completed')).toMatchObject({
      measure: REPORT_TRACK,
      milestone: 'q1',
      by: 'sato',
      details: { evidence: 'MIC-2025-001', on: '2025-04-03' },
    });
    // The measure's own milestone goes on escalating.
    expect(of(events, 'auth-separation').at(-1)).toMatch(/^2025-05-\d\d escalation\/2 /);
  });

  it('a forecast on a report deadline is taken and shown', () => {
    const events = run('2025-03-01', '2025-04-01', [
      { at: '2025-03-10T10:00', do: 'forecast', target: `${REPORT_TRACK}/q1`, as: 'sato', date: '2025-03-28' },
    ]);
    expect(events.find((e) => e.kind === 'forecast')).toMatchObject({
      measure: REPORT_TRACK,
      milestone: 'q1',
      by: 'sato',
      details: { to: '2025-03-28' },
    });
  });

  it('a plan without reports has no @reports events, and refuses an action on it as an unknown measure', () => {
    const bare = planWith([]);
    const opts = { from: startOfDay('2025-03-01', ZONE), until: startOfDay('2025-05-01', ZONE) };
    expect(simulate(bare, opts).some((e) => e.measure === REPORT_TRACK)).toBe(false);
    expect(
      refusal(() =>
        simulate(bare, {
          ...opts,
          actions: [
            { at: '2025-03-10T10:00', do: 'complete', target: `${REPORT_TRACK}/q1`, as: 'sato', evidence: 'x' },
          ],
        }),
      ),
    ).toMatch(/^actions\[0\]\.target: unknown measure: @reports/);
  });
});
