/**
 * `remediate simulate` (design.md section 5) and `plan apply` on a running program (`planApply`):
 * the JSON shape and order of events, action events, refused actions, the actions file, and what
 * re-applying a plan amends or refuses. Base plan: see fixtures.ts.
 */
import { describe, expect, it } from 'vitest';
import { planApply } from '../../src/domain/amend';
import type { MeasureState } from '../../src/domain/model';
import { parsePlanText, validatePlan, type Plan } from '../../src/domain/plan';
import { ProblemError, formatProblem } from '../../src/domain/problems';
import { compareNotifications, notificationsBetween } from '../../src/domain/planner';
import { measureInits } from '../../src/domain/program';
import { parseActions, simulate, startOfDay, type SimAction, type SimEvent } from '../../src/domain/simulate';
import { accept, basePlan, rawPlan, statesAt, tokyo, ZONE, type PlanOverrides } from './fixtures';

const TARGET = 'auth-separation/head-company';
const run = (plan: Plan, from: string, until: string, actions?: SimAction[]) =>
  simulate(plan, { from: startOfDay(from, ZONE), until: startOfDay(until, ZONE), ...(actions ? { actions } : {}) });
/** What `--json` prints of an event (the CLI drops the ordering field `ms`). */
const printed = (events: SimEvent[]) => events.map(({ ms: _ms, ...e }) => e);
const short = (events: SimEvent[]) =>
  events.map((e) => `${e.at} ${e.kind} ${e.measure}/${e.milestone ?? ''}${e.level !== undefined ? ` ${e.level}` : ''}`);
const note = (
  at: string,
  kind: string,
  level: number,
  to: string[],
  milestone = 'head-company',
  measure = 'auth-separation',
) => ({ at, kind, measure, milestone, level, to: to.map((p) => `${p}@example.jp`) });

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProblemError);
    return (e as ProblemError).problems.map(formatProblem).join('\n');
  }
  throw new Error('expected a ProblemError');
}

describe('simulate: notification events', () => {
  it('have exactly the shape of section 5, in time order, with emails as recipients', () => {
    const events = run(basePlan(), '2025-03-01', '2025-04-08');
    expect(printed(events)).toEqual([
      note('2025-03-24T09:00:00+09:00', 'reminder', 0, ['sato']),
      note('2025-03-28T09:00:00+09:00', 'reminder', 0, ['sato']),
      note('2025-03-31T09:00:00+09:00', 'reminder', 0, ['sato']),
      note('2025-04-01T09:00:00+09:00', 'escalation', 1, ['sato', 'tanaka']),
      note('2025-04-07T09:00:00+09:00', 'escalation', 2, ['sato', 'tanaka', 'yamada']),
    ]);
    expect(Object.keys(printed(events)[0] ?? {})).toEqual(['at', 'kind', 'measure', 'milestone', 'level', 'to']);
  });

  it('run from 00:00 of --from (included) to 00:00 of --until (not included)', () => {
    expect(short(run(basePlan(), '2025-03-24', '2025-04-01'))).toEqual([
      '2025-03-24T09:00:00+09:00 reminder auth-separation/head-company 0',
      '2025-03-28T09:00:00+09:00 reminder auth-separation/head-company 0',
      '2025-03-31T09:00:00+09:00 reminder auth-separation/head-company 0',
    ]);
  });

  it('a repeat keeps the last level', () => {
    expect(printed(run(basePlan(), '2025-03-01', '2025-04-15')).at(-1)).toEqual(
      note('2025-04-14T09:00:00+09:00', 'escalation', 2, ['sato', 'tanaka', 'yamada']),
    );
  });

  it('without actions show exactly what the planner plans, over a year of two measures sharing instants', () => {
    const plan = basePlan({
      measures: [
        {
          id: 'access-control',
          owner: 'ito',
          sponsor: 'yamada',
          milestones: [
            { id: 'a', due: '2025-03-31' },
            { id: 'b', due: '2025-09-30' },
          ],
        },
      ],
    });
    const planned = statesAt(plan, '2025-01-01')
      .flatMap((st) => notificationsBetween(st, tokyo('2025-01-01'), tokyo('2026-01-01')))
      .sort(compareNotifications)
      .map((n) => `${n.at} ${n.measure}/${n.milestone} ${n.kind} ${n.level}`);
    const shown = run(plan, '2025-01-01', '2026-01-01').map(
      (e) => `${e.ms} ${e.measure}/${e.milestone ?? ''} ${e.kind} ${e.level ?? ''}`,
    );
    expect(shown).toEqual(planned);
    expect(shown.length).toBeGreaterThan(100);
  });

  it('begun late (--from 2025-04-03) sends the latest missed escalation once at the first slot', () => {
    expect(short(run(basePlan(), '2025-04-03', '2025-04-08'))).toEqual([
      '2025-04-03T09:00:00+09:00 escalation auth-separation/head-company 1',
      '2025-04-07T09:00:00+09:00 escalation auth-separation/head-company 2',
    ]);
  });

  it('are ordered by at, then measure, then milestone', () => {
    const plan = basePlan({
      measures: [
        {
          id: 'access-control',
          owner: 'ito',
          milestones: [
            { id: 'zeta', due: '2025-03-31' },
            { id: 'alpha', due: '2025-03-31' },
          ],
        },
      ],
      policy: { remindBefore: [] },
    });
    expect(short(run(plan, '2025-03-31', '2025-04-02'))).toEqual([
      '2025-03-31T09:00:00+09:00 reminder access-control/alpha 0',
      '2025-03-31T09:00:00+09:00 reminder access-control/zeta 0',
      '2025-03-31T09:00:00+09:00 reminder auth-separation/head-company 0',
      '2025-04-01T09:00:00+09:00 escalation access-control/alpha 1',
      '2025-04-01T09:00:00+09:00 escalation access-control/zeta 1',
      '2025-04-01T09:00:00+09:00 escalation auth-separation/head-company 1',
    ]);
  });

  it('a ladder with two levels on the same business day is refused before anything runs', () => {
    const r = validatePlan(
      rawPlan({
        policy: {
          escalation: [
            { afterBusinessDays: 1, notify: ['owner'] },
            { afterBusinessDays: 1, notify: ['managers'] },
          ],
        },
      }),
    );
    expect(r.ok).toBe(false);
  });
});

describe('simulate: actions', () => {
  it('a completion appears as a `completed` event and stops the notifications after it', () => {
    const events = run(basePlan(), '2025-03-28', '2025-05-01', [
      { at: '2025-04-03T10:00', do: 'complete', target: TARGET, as: 'sato', evidence: 'NW-1234' },
    ]);
    expect(short(events)).toEqual([
      '2025-03-28T09:00:00+09:00 reminder auth-separation/head-company 0',
      '2025-03-31T09:00:00+09:00 reminder auth-separation/head-company 0',
      '2025-04-01T09:00:00+09:00 escalation auth-separation/head-company 1',
      '2025-04-03T10:00:00+09:00 completed auth-separation/head-company',
    ]);
    expect(printed(events)[3]).toEqual({
      at: '2025-04-03T10:00:00+09:00',
      kind: 'completed',
      measure: 'auth-separation',
      milestone: 'head-company',
      by: 'sato',
      details: { evidence: 'NW-1234', on: '2025-04-03' },
    });
  });

  it('a completion exactly at a notification instant lets that notification out first', () => {
    const events = run(basePlan(), '2025-04-07', '2025-05-01', [
      { at: '2025-04-07T09:00', do: 'complete', target: TARGET, as: 'sato', evidence: 'x' },
    ]);
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['escalation', 'completed']));
    expect(events).toHaveLength(2);
  });

  it('`at` without an offset is Tokyo time; with an offset it is that instant', () => {
    const events = run(basePlan(), '2025-04-02', '2025-04-05', [
      { at: '2025-04-03T01:00:00Z', do: 'forecast', target: TARGET, as: 'sato', date: '2025-04-10' },
    ]);
    expect(printed(events.filter((e) => e.kind === 'forecast'))).toEqual([
      {
        at: '2025-04-03T10:00:00+09:00',
        kind: 'forecast',
        measure: 'auth-separation',
        milestone: 'head-company',
        by: 'sato',
        details: { from: '', to: '2025-04-10' },
      },
    ]);
  });

  it("an owner's re-plan and its approval appear as `replan-requested` and `replanned`, and move the schedule", () => {
    const events = run(basePlan(), '2025-03-24', '2025-05-02', [
      { at: '2025-03-24T10:00', do: 'replan', target: TARGET, as: 'sato', date: '2025-04-30', reason: 'vendor late' },
      { at: '2025-03-25T12:00', do: 'approve-replan', target: TARGET, as: 'suzuki' },
    ]);
    expect(short(events)).toEqual([
      '2025-03-24T09:00:00+09:00 reminder auth-separation/head-company 0',
      '2025-03-24T10:00:00+09:00 replan-requested auth-separation/head-company',
      '2025-03-25T12:00:00+09:00 replanned auth-separation/head-company',
      '2025-03-31T09:00:00+09:00 reminder auth-separation/head-company 0',
      '2025-04-23T09:00:00+09:00 reminder auth-separation/head-company 0',
      '2025-04-28T09:00:00+09:00 reminder auth-separation/head-company 0',
      '2025-04-30T09:00:00+09:00 reminder auth-separation/head-company 0',
      '2025-05-01T09:00:00+09:00 escalation auth-separation/head-company 1',
    ]);
    expect(events[2]).toMatchObject({
      by: 'suzuki',
      details: { from: '2025-03-31', to: '2025-04-30', reason: 'vendor late', requestedBy: 'sato' },
    });
  });

  it('a reassignment appears as `reassigned` and later notifications go to the new owner', () => {
    const events = run(basePlan(), '2025-04-02', '2025-04-08', [
      { at: '2025-04-02T10:00', do: 'reassign', target: 'auth-separation', as: 'suzuki', to: 'ito', reason: 'reorg' },
    ]);
    expect(printed(events)).toEqual([
      note('2025-04-02T09:00:00+09:00', 'escalation', 1, ['sato', 'tanaka']), // catch-up of 04-01: begun late
      {
        at: '2025-04-02T10:00:00+09:00',
        kind: 'reassigned',
        measure: 'auth-separation',
        by: 'suzuki',
        details: { from: 'sato', to: 'ito', reason: 'reorg' },
      },
      note('2025-04-07T09:00:00+09:00', 'escalation', 2, ['ito', 'yamada']),
    ]);
  });

  it("a cancellation appears as `cancelled` and ends the measure's notifications", () => {
    const events = run(basePlan(), '2025-04-02', '2025-06-01', [
      { at: '2025-04-02T10:00', do: 'cancel', target: 'auth-separation', as: 'suzuki', reason: 'superseded' },
    ]);
    expect(short(events)).toEqual([
      '2025-04-02T09:00:00+09:00 escalation auth-separation/head-company 1', // catch-up of 04-01: begun late
      '2025-04-02T10:00:00+09:00 cancelled auth-separation/',
    ]);
  });

  it('a refused action throws a ProblemError naming its index, verb, target and time', () => {
    const msg = refusal(() =>
      run(basePlan(), '2025-03-01', '2025-05-01', [
        { at: '2025-04-03T10:00', do: 'complete', target: TARGET, as: 'sato', evidence: 'x' },
        { at: '2025-04-04T10:00', do: 'complete', target: TARGET, as: 'yamada', evidence: 'x' },
      ]),
    );
    expect(msg).toMatch(/^actions\[1\] \(complete auth-separation\/head-company at 2025-04-04T10:00\): /);
    expect(msg).toMatch(/already completed on 2025-04-03 by sato/);
  });

  it('an unauthorised action names the action and the reason', () => {
    const msg = refusal(() =>
      run(basePlan(), '2025-03-01', '2025-05-01', [
        { at: '2025-04-04T10:00', do: 'cancel', target: 'auth-separation', as: 'sato', reason: 'x' },
      ]),
    );
    expect(msg).toMatch(
      /^actions\[0\] \(cancel auth-separation at 2025-04-04T10:00\): --as: sato may not cancel a measure/,
    );
  });

  it('an unknown measure, a bad time or a milestone verb without a milestone is refused with its path', () => {
    expect(
      refusal(() =>
        run(basePlan(), '2025-03-01', '2025-05-01', [
          { at: '2025-04-04', do: 'cancel', target: 'nope', as: 'suzuki', reason: 'x' },
        ]),
      ),
    ).toMatch(/^actions\[0\]\.target: unknown measure: nope/);
    expect(
      refusal(() =>
        run(basePlan(), '2025-03-01', '2025-05-01', [
          { at: 'soon', do: 'cancel', target: 'auth-separation', as: 'suzuki', reason: 'x' },
        ]),
      ),
    ).toMatch(/^actions\[0\]\.at: not a date or time: soon/);
    expect(
      refusal(() =>
        run(basePlan(), '2025-03-01', '2025-05-01', [
          { at: '2025-04-04', do: 'complete', target: 'auth-separation', as: 'sato', evidence: 'x' },
        ]),
      ),
    ).toMatch(/^actions\[0\]\.target: complete needs <measure>\/<milestone>/);
  });
});

describe('parseActions', () => {
  it('reads a YAML list of actions', () => {
    const r = parseActions(
      '- { at: "2025-04-03T10:00", do: complete, target: auth-separation/head-company, as: sato, evidence: NW-1234 }\n',
    );
    expect(r).toEqual({
      ok: true,
      actions: [{ at: '2025-04-03T10:00', do: 'complete', target: TARGET, as: 'sato', evidence: 'NW-1234' }],
    });
  });

  it('reports each bad entry with its path', () => {
    const r = parseActions(
      '- { at: "2025-04-03", do: explode, target: x, as: sato }\n- { at: "2025-04-03", do: complete, target: x, as: sato, colour: red }\n- { do: complete, target: x }\n',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path)).toEqual(['actions[0].do', 'actions[1]', 'actions[2].at', 'actions[2].as']);
    expect(r.problems[1]?.en).toMatch(/colour/);
  });

  it('a file that is not a list is reported at `actions`', () => {
    const r = parseActions('at: 2025-04-03\n');
    expect(r.ok ? [] : r.problems.map((p) => p.path)).toEqual(['actions']);
  });

  it('text that is not YAML is refused naming the file', () => {
    const r = parseActions('- [unclosed', 'acts.yaml');
    expect(r.ok ? [] : r.problems.map((p) => p.path)).toEqual(['acts.yaml']);
  });
});

describe('planApply: applying a plan to a running program', () => {
  const running = (plan: Plan, at = '2025-01-06T10:00') =>
    new Map(statesAt(plan, at).map((s): [string, MeasureState] => [s.measure.id, s]));
  const apply = (file: PlanOverrides, states: Map<string, MeasureState>) =>
    planApply(measureInits(basePlan(file)), states);
  const problems = (r: ReturnType<typeof planApply>) => r.problems.map(formatProblem).join('\n');

  it('the same plan twice: nothing to start, amend or refuse', () => {
    const r = apply({}, running(basePlan()));
    expect([r.start, r.amend, r.unchanged, r.problems]).toEqual([[], [], ['auth-separation'], []]);
  });

  it('the same file parsed again (JSON round trip, as a workflow state is) changes nothing', () => {
    const parsed = parsePlanText(JSON.stringify(rawPlan()));
    if (!parsed.ok) throw new Error('plan');
    const states = new Map(
      [...running(basePlan())].map(([k, v]): [string, MeasureState] => [
        k,
        JSON.parse(JSON.stringify(v)) as MeasureState,
      ]),
    );
    const r = planApply(measureInits(parsed.plan), states);
    expect([r.amend, r.unchanged, r.problems]).toEqual([[], ['auth-separation'], []]);
  });

  it('a new measure is started', () => {
    const r = apply(
      { measures: [{ id: 'soc', owner: 'ito', milestones: [{ id: 'tier1', due: '2025-10-31' }] }] },
      running(basePlan()),
    );
    expect(r.start.map((i) => i.measure.id)).toEqual(['soc']);
    expect(r.problems).toEqual([]);
  });

  it('a new milestone is an amendment of its measure', () => {
    const r = apply(
      {
        milestones: [
          { id: 'head-company', due: '2025-03-31' },
          { id: 'subsidiaries', due: '2026-03-31' },
        ],
      },
      running(basePlan()),
    );
    expect(r.problems).toEqual([]);
    expect(r.amend.map((a) => [a.measure, a.command.milestones.map((m) => m.id)])).toEqual([
      ['auth-separation', ['subsidiaries']],
    ]);
  });

  it('the amendment, applied by a manager, adds the milestone and is recorded as `amended` by that person', () => {
    const states = running(basePlan());
    const r = apply(
      {
        milestones: [
          { id: 'head-company', due: '2025-03-31' },
          { id: 'subsidiaries', due: '2026-03-31' },
        ],
      },
      states,
    );
    const s = states.get('auth-separation') as MeasureState;
    const amend = r.amend[0];
    if (!amend) throw new Error('no amendment');
    accept(s, 'suzuki', '2025-02-03T10:00', amend.command);
    expect(s.milestones.map((m) => [m.id, m.originalDue, m.scheduleFrom])).toEqual([
      ['head-company', '2025-03-31', tokyo('2025-01-06T10:00')],
      ['subsidiaries', '2026-03-31', tokyo('2025-02-03T10:00')],
    ]);
    expect(s.actions.at(-1)).toMatchObject({ kind: 'amended', actor: 'suzuki', details: { added: 'subsidiaries' } });
  });

  it('a changed due date of an existing milestone is refused, naming `remediate milestone replan`', () => {
    const r = apply({ milestones: [{ id: 'head-company', due: '2025-04-30' }] }, running(basePlan()));
    expect(problems(r)).toMatch(
      /^measures\[0\]\.milestones\[0\]\.due: due date of auth-separation\/head-company changed from 2025-03-31 to 2025-04-30: use `remediate milestone replan auth-separation\/head-company --date 2025-04-30/,
    );
  });

  it('a changed owner of an existing milestone is refused, naming `remediate measure reassign`', () => {
    const r = apply({ milestones: [{ id: 'head-company', due: '2025-03-31', owner: 'ito' }] }, running(basePlan()));
    expect(problems(r)).toMatch(
      /^measures\[0\]\.milestones\[0\]\.owner: .*`remediate measure reassign auth-separation\/head-company --to/,
    );
  });

  it('a changed measure owner is refused, naming `remediate measure reassign`', () => {
    const r = apply({ measure: { owner: 'ito' } }, running(basePlan()));
    expect(problems(r)).toMatch(
      /^measures\[0\]\.owner: owner of auth-separation changed from sato to ito: use `remediate measure reassign auth-separation --to ito/,
    );
  });

  it('a re-planned milestone whose file still shows the original date is unchanged', () => {
    const states = running(basePlan());
    accept(states.get('auth-separation') as MeasureState, 'suzuki', '2025-02-03T10:00', {
      type: 'replan',
      milestone: 'head-company',
      date: '2025-04-30',
      reason: 'x',
    });
    const r = apply({}, states);
    expect([r.amend, r.unchanged, r.problems]).toEqual([[], ['auth-separation'], []]);
    expect(states.get('auth-separation')?.milestones[0]?.due).toBe('2025-04-30');
  });

  it('a re-planned milestone whose file now shows the new date is unchanged too', () => {
    const states = running(basePlan());
    accept(states.get('auth-separation') as MeasureState, 'suzuki', '2025-02-03T10:00', {
      type: 'replan',
      milestone: 'head-company',
      date: '2025-04-30',
      reason: 'x',
    });
    expect(apply({ milestones: [{ id: 'head-company', due: '2025-04-30' }] }, states).problems).toEqual([]);
  });

  it('a reassigned measure whose file still shows the old owner is unchanged', () => {
    const states = running(basePlan());
    accept(states.get('auth-separation') as MeasureState, 'suzuki', '2025-02-03T10:00', {
      type: 'reassign',
      to: 'ito',
      reason: 'x',
    });
    const r = apply({}, states);
    expect([r.amend, r.problems]).toEqual([[], []]);
  });

  it('a milestone missing from the file is refused (a commitment is never dropped silently)', () => {
    const states = running(
      basePlan({
        milestones: [
          { id: 'head-company', due: '2025-03-31' },
          { id: 'subsidiaries', due: '2026-03-31' },
        ],
      }),
    );
    expect(problems(apply({}, states))).toMatch(/milestone auth-separation\/subsidiaries is missing from the plan/);
  });
});
