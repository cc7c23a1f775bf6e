/**
 * The reducer and status derivation against design.md section 4: the four dates, re-plans and their
 * change log, who may complete, forecast, cancel and reassign, refusals that change nothing, the
 * audit trail, and milestone / measure status. Base plan: see fixtures.ts (auth-separation/head-company
 * due Mon 2025-03-31, owner sato, sponsor yamada, program manager suzuki).
 */
import { describe, expect, it } from 'vitest';
import type { MeasureState } from '../../src/domain/model';
import { formatProblem } from '../../src/domain/problems';
import type { Command } from '../../src/domain/reducer';
import { measureStatus, milestoneStatus } from '../../src/domain/status';
import { measureView } from '../../src/domain/view';
import { accept, act, basePlan, stateAt, statesAt, tokyo, type PlanOverrides } from './fixtures';

const HC = 'head-company';
const fresh = (o: PlanOverrides = {}) => stateAt(basePlan(o), '2025-01-06T10:00');
const milestone = (s: MeasureState, id = HC) => {
  const ms = s.milestones.find((m) => m.id === id);
  if (!ms) throw new Error(`no milestone ${id}`);
  return ms;
};
const lines = (problems: ReturnType<typeof act>) => problems.map(formatProblem).join('\n');
const complete: Command = { type: 'complete', milestone: HC, evidence: 'https://tickets.example.jp/NW-1234' };
const replan = (date: string): Command => ({ type: 'replan', milestone: HC, date, reason: 'vendor delivery slipped' });

describe('the four dates', () => {
  it('start as the plan says: originalDue = due, no forecast, not completed', () => {
    const ms = milestone(fresh());
    expect([ms.originalDue, ms.due, ms.forecast, ms.completed]).toEqual([
      '2025-03-31',
      '2025-03-31',
      undefined,
      undefined,
    ]);
  });

  it('originalDue never changes through re-plans, forecasts and completion; the view shows all four', () => {
    const s = fresh();
    accept(s, 'suzuki', '2025-02-03T10:00', replan('2025-04-30'));
    accept(s, 'sato', '2025-02-04T10:00', { type: 'forecast', milestone: HC, date: '2025-05-15' });
    accept(s, 'suzuki', '2025-02-05T10:00', replan('2025-03-14'));
    accept(s, 'sato', '2025-03-12T10:00', complete);
    const v = measureView(s, tokyo('2025-03-12T10:00')).milestones[0];
    expect(v).toMatchObject({
      originalDue: '2025-03-31',
      due: '2025-03-14',
      forecast: '2025-05-15',
      completedOn: '2025-03-12',
      status: 'done',
    });
  });

  it('completedOn is the date in Asia/Tokyo (23:30 UTC on 04-01 is 08:30 on 04-02)', () => {
    const s = fresh();
    accept(s, 'sato', '2025-04-02T08:30', complete);
    expect(tokyo('2025-04-02T08:30')).toBe(Date.UTC(2025, 3, 1, 23, 30));
    expect(milestone(s).completed).toEqual({
      on: '2025-04-02',
      at: tokyo('2025-04-02T08:30'),
      by: 'sato',
      evidence: 'https://tickets.example.jp/NW-1234',
    });
  });
});

describe('re-plan', () => {
  it('by a program manager takes effect at once, logged as approved by the same person', () => {
    const s = fresh();
    accept(s, 'suzuki', '2025-03-10T10:00', replan('2025-04-30'));
    expect(milestone(s).due).toBe('2025-04-30');
    expect(s.pending).toEqual([]);
    expect(s.changeLog).toEqual([
      {
        seq: 1,
        milestone: HC,
        kind: 'extension',
        from: '2025-03-31',
        to: '2025-04-30',
        reason: 'vendor delivery slipped',
        requestedBy: 'suzuki',
        requestedAt: tokyo('2025-03-10T10:00'),
        decidedBy: 'suzuki',
        decidedAt: tokyo('2025-03-10T10:00'),
        decision: 'approved',
      },
    ]);
  });

  it('to an earlier date is an acceleration', () => {
    const s = fresh();
    accept(s, 'suzuki', '2025-03-10T10:00', replan('2025-03-21'));
    expect(s.changeLog[0]).toMatchObject({ kind: 'acceleration', from: '2025-03-31', to: '2025-03-21' });
  });

  it('by the owner waits for approval: the due date does not move and nothing is logged yet', () => {
    const s = fresh();
    accept(s, 'sato', '2025-03-10T10:00', replan('2025-04-30'));
    expect(milestone(s).due).toBe('2025-03-31');
    expect(s.changeLog).toEqual([]);
    expect(measureView(s, tokyo('2025-03-10T10:00')).milestones[0]?.pendingReplan).toEqual({
      to: '2025-04-30',
      requestedBy: 'sato',
      reason: 'vendor delivery slipped',
    });
  });

  it('by the sponsor also waits for approval', () => {
    const s = fresh();
    accept(s, 'yamada', '2025-03-10T10:00', replan('2025-04-30'));
    expect([milestone(s).due, s.pending.length]).toEqual(['2025-03-31', 1]);
  });

  it('approved by a program manager: due moves, the entry records requester and decider with their times', () => {
    const s = fresh();
    accept(s, 'sato', '2025-03-10T10:00', replan('2025-04-30'));
    accept(s, 'suzuki', '2025-03-12T15:00', { type: 'approve-replan', milestone: HC });
    expect(milestone(s).due).toBe('2025-04-30');
    expect(s.pending).toEqual([]);
    expect(s.changeLog).toEqual([
      {
        seq: 1,
        milestone: HC,
        kind: 'extension',
        from: '2025-03-31',
        to: '2025-04-30',
        reason: 'vendor delivery slipped',
        requestedBy: 'sato',
        requestedAt: tokyo('2025-03-10T10:00'),
        decidedBy: 'suzuki',
        decidedAt: tokyo('2025-03-12T15:00'),
        decision: 'approved',
      },
    ]);
  });

  it('rejected by a program manager: due stays, the entry says rejected', () => {
    const s = fresh();
    accept(s, 'sato', '2025-03-10T10:00', replan('2025-03-20'));
    accept(s, 'suzuki', '2025-03-12T15:00', { type: 'reject-replan', milestone: HC, reason: 'no' });
    expect(milestone(s).due).toBe('2025-03-31');
    expect(s.pending).toEqual([]);
    expect(s.changeLog).toEqual([
      expect.objectContaining({
        seq: 1,
        kind: 'acceleration',
        from: '2025-03-31',
        to: '2025-03-20',
        requestedBy: 'sato',
        decidedBy: 'suzuki',
        decidedAt: tokyo('2025-03-12T15:00'),
        decision: 'rejected',
      }),
    ]);
  });

  it('change log seq counts up over approvals and rejections', () => {
    const s = fresh();
    accept(s, 'suzuki', '2025-03-10T10:00', replan('2025-04-30'));
    accept(s, 'sato', '2025-03-11T10:00', replan('2025-05-30'));
    accept(s, 'suzuki', '2025-03-11T11:00', { type: 'reject-replan', milestone: HC });
    accept(s, 'suzuki', '2025-03-12T10:00', replan('2025-04-15'));
    expect(s.changeLog.map((e) => [e.seq, e.kind, e.from, e.to, e.decision])).toEqual([
      [1, 'extension', '2025-03-31', '2025-04-30', 'approved'],
      [2, 'extension', '2025-04-30', '2025-05-30', 'rejected'],
      [3, 'acceleration', '2025-04-30', '2025-04-15', 'approved'],
    ]);
  });

  it("approve and reject are a program manager's only (owner, sponsor refused)", () => {
    for (const type of ['approve-replan', 'reject-replan'] as const) {
      for (const who of ['sato', 'yamada']) {
        const s = fresh();
        accept(s, 'sato', '2025-03-10T10:00', replan('2025-04-30'));
        expect(lines(act(s, who, '2025-03-11T10:00', { type, milestone: HC }))).toMatch(
          /only a program manager \(suzuki\)/,
        );
      }
    }
  });

  it('approve without a waiting re-plan is refused', () => {
    expect(lines(act(fresh(), 'suzuki', '2025-03-11T10:00', { type: 'approve-replan', milestone: HC }))).toMatch(
      /no re-plan is waiting/,
    );
  });

  it('a new date before the day of the request is refused; the day itself is allowed', () => {
    expect(lines(act(fresh(), 'suzuki', '2025-04-10T18:00', replan('2025-04-09')))).toMatch(
      /2025-04-09 lies before today \(2025-04-10\)/,
    );
    expect(act(fresh(), 'suzuki', '2025-04-10T18:00', replan('2025-04-10'))).toEqual([]);
  });

  it('"the day of the request" is the Tokyo date (04-09 23:30 UTC is already 04-10 in Tokyo)', () => {
    expect(tokyo('2025-04-10T08:30')).toBe(Date.UTC(2025, 3, 9, 23, 30));
    expect(lines(act(fresh(), 'suzuki', '2025-04-10T08:30', replan('2025-04-09')))).toMatch(
      /before today \(2025-04-10\)/,
    );
  });

  it('needs a real date and a reason', () => {
    expect(lines(act(fresh(), 'suzuki', '2025-03-10T10:00', replan('2025-02-30')))).toMatch(/not a date: 2025-02-30/);
    expect(
      lines(
        act(fresh(), 'suzuki', '2025-03-10T10:00', { type: 'replan', milestone: HC, date: '2025-04-30', reason: '  ' }),
      ),
    ).toMatch(/a reason is required/);
  });

  it('a person with no part in the measure may not request a re-plan', () => {
    expect(lines(act(fresh(), 'nakamura', '2025-03-10T10:00', replan('2025-04-30')))).toMatch(
      /nakamura may not re-plan/,
    );
  });
});

describe('completion', () => {
  it('is allowed to the milestone owner, the measure owner and a program manager', () => {
    for (const who of ['ito', 'sato', 'suzuki']) {
      const s = fresh({ milestones: [{ id: HC, due: '2025-03-31', owner: 'ito' }] });
      accept(s, who, '2025-03-28T10:00', complete);
      expect(milestone(s).completed?.by).toBe(who);
    }
  });

  it('is refused to the sponsor and to a person with no part in it', () => {
    for (const who of ['yamada', 'nakamura']) {
      expect(lines(act(fresh(), who, '2025-03-28T10:00', complete))).toMatch(
        new RegExp(`^--as: ${who} may not complete auth-separation/head-company: only its owner \\(sato\\)`),
      );
    }
  });

  it('by an unknown person is refused with a clear message', () => {
    expect(lines(act(fresh(), 'nobody', '2025-03-28T10:00', complete))).toBe(
      '--as: unknown person: nobody: not one of the people of auth-separation (its owners, sponsor, report owners, their managers, the program managers), who alone may complete here; give --as <person id> / 未登録の人物です: nobody。auth-separation の関係者（責任者・スポンサー・報告責任者・その上長・プログラムマネージャー）ではないため complete できません。--as に人物 ID を指定してください',
    );
  });

  it('needs evidence (empty or blank is refused)', () => {
    for (const evidence of ['', '   ']) {
      expect(lines(act(fresh(), 'sato', '2025-03-28T10:00', { type: 'complete', milestone: HC, evidence }))).toMatch(
        /^--evidence: evidence is required/,
      );
    }
  });

  it('twice is refused, naming who completed it and when', () => {
    const s = fresh();
    accept(s, 'sato', '2025-03-28T10:00', complete);
    expect(lines(act(s, 'suzuki', '2025-03-29T10:00', complete))).toMatch(/already completed on 2025-03-28 by sato/);
  });

  it('of an unknown milestone is refused, listing the milestones', () => {
    expect(lines(act(fresh(), 'sato', '2025-03-28T10:00', { ...complete, milestone: 'nope' }))).toMatch(
      /unknown milestone: nope \(measure auth-separation has head-company\)/,
    );
  });

  it('after a reassignment belongs to the new owner, no longer to the old one', () => {
    const s = fresh();
    accept(s, 'suzuki', '2025-03-10T10:00', { type: 'reassign', to: 'ito', reason: 'reorg' });
    expect(act(s, 'sato', '2025-03-28T10:00', complete)).not.toEqual([]);
    expect(act(s, 'ito', '2025-03-28T10:00', complete)).toEqual([]);
  });
});

describe('forecast', () => {
  it('may be set by the milestone owner, the measure owner and a program manager', () => {
    for (const who of ['ito', 'sato', 'suzuki']) {
      const s = fresh({ milestones: [{ id: HC, due: '2025-03-31', owner: 'ito' }] });
      accept(s, who, '2025-03-10T10:00', { type: 'forecast', milestone: HC, date: '2025-04-15' });
      expect(milestone(s).forecast).toBe('2025-04-15');
    }
  });

  it('is refused to the sponsor and to an unknown person', () => {
    expect(
      lines(act(fresh(), 'yamada', '2025-03-10T10:00', { type: 'forecast', milestone: HC, date: '2025-04-15' })),
    ).toMatch(/yamada may not forecast/);
    expect(
      lines(act(fresh(), 'nobody', '2025-03-10T10:00', { type: 'forecast', milestone: HC, date: '2025-04-15' })),
    ).toMatch(/unknown person: nobody/);
  });
});

describe("cancel and reassign: a program manager's", () => {
  it('cancel by a program manager records who, when and why', () => {
    const s = fresh();
    accept(s, 'suzuki', '2025-03-10T10:00', { type: 'cancel', reason: 'merged into another measure' });
    expect(s.cancelled).toEqual({ at: tokyo('2025-03-10T10:00'), by: 'suzuki', reason: 'merged into another measure' });
  });

  it('cancel by the measure owner or the sponsor is refused', () => {
    for (const who of ['sato', 'yamada'])
      expect(lines(act(fresh(), who, '2025-03-10T10:00', { type: 'cancel', reason: 'x' }))).toMatch(
        /only a program manager/,
      );
  });

  it('after cancellation every action on the measure is refused', () => {
    const s = fresh();
    accept(s, 'suzuki', '2025-03-10T10:00', { type: 'cancel', reason: 'x' });
    expect(lines(act(s, 'sato', '2025-03-11T10:00', complete))).toMatch(/measure auth-separation is cancelled/);
  });

  it('reassign of the measure and of one milestone by a program manager', () => {
    const s = fresh({
      milestones: [
        { id: HC, due: '2025-03-31' },
        { id: 'other', due: '2025-06-30' },
      ],
    });
    accept(s, 'suzuki', '2025-03-10T10:00', { type: 'reassign', to: 'ito', reason: 'reorg' });
    accept(s, 'suzuki', '2025-03-10T11:00', {
      type: 'reassign',
      milestone: 'other',
      to: 'tanaka',
      reason: 'specialist',
    });
    expect(s.measure.owner).toBe('ito');
    expect(measureView(s, tokyo('2025-03-10T11:00')).milestones.map((m) => [m.id, m.owner])).toEqual([
      [HC, 'ito'],
      ['other', 'tanaka'],
    ]);
  });

  it('reassign by the owner or the sponsor is refused; to an unknown person is refused', () => {
    for (const who of ['sato', 'yamada'])
      expect(lines(act(fresh(), who, '2025-03-10T10:00', { type: 'reassign', to: 'ito', reason: 'x' }))).toMatch(
        /only a program manager/,
      );
    expect(lines(act(fresh(), 'suzuki', '2025-03-10T10:00', { type: 'reassign', to: 'ghost', reason: 'x' }))).toMatch(
      /^--to: unknown person: ghost/,
    );
  });
});

describe('refused commands change nothing', () => {
  const refused: Array<[string, string, string, Command]> = [
    ['unknown person completes', 'nobody', '2025-03-28T10:00', complete],
    ['sponsor completes', 'yamada', '2025-03-28T10:00', complete],
    ['completion without evidence', 'sato', '2025-03-28T10:00', { type: 'complete', milestone: HC, evidence: '' }],
    ['re-plan into the past', 'suzuki', '2025-03-28T10:00', replan('2025-03-27')],
    ['owner approves', 'sato', '2025-03-28T10:00', { type: 'approve-replan', milestone: HC }],
    ['owner cancels', 'sato', '2025-03-28T10:00', { type: 'cancel', reason: 'x' }],
    ['sponsor reassigns', 'yamada', '2025-03-28T10:00', { type: 'reassign', to: 'ito', reason: 'x' }],
    [
      'forecast of an unknown milestone',
      'sato',
      '2025-03-28T10:00',
      { type: 'forecast', milestone: 'nope', date: '2025-04-15' },
    ],
  ];
  for (const [name, actor, at, command] of refused) {
    it(name, () => {
      const s = fresh();
      accept(s, 'sato', '2025-03-10T10:00', replan('2025-04-30')); // something pending, so approve/reject could touch it
      const before = structuredClone(s);
      expect(act(s, actor, at, command)).not.toEqual([]);
      expect(s).toEqual(before);
    });
  }
});

describe('audit trail', () => {
  it('every accepted action is recorded with actor, time and milestone, in order', () => {
    const s = fresh();
    accept(s, 'sato', '2025-03-10T10:00', { type: 'forecast', milestone: HC, date: '2025-04-10' });
    accept(s, 'sato', '2025-03-10T11:00', replan('2025-04-30'));
    accept(s, 'suzuki', '2025-03-11T09:30', { type: 'approve-replan', milestone: HC });
    accept(s, 'suzuki', '2025-03-12T09:30', { type: 'reassign', milestone: HC, to: 'ito', reason: 'reorg' });
    accept(s, 'ito', '2025-04-25T17:00', complete);
    expect(s.actions.map((a) => [a.seq, a.kind, a.actor, a.at, a.milestone])).toEqual([
      [1, 'created', 'suzuki', tokyo('2025-01-06T10:00'), undefined],
      [2, 'forecast', 'sato', tokyo('2025-03-10T10:00'), HC],
      [3, 'replan-requested', 'sato', tokyo('2025-03-10T11:00'), HC],
      [4, 'replanned', 'suzuki', tokyo('2025-03-11T09:30'), HC],
      [5, 'reassigned', 'suzuki', tokyo('2025-03-12T09:30'), HC],
      [6, 'completed', 'ito', tokyo('2025-04-25T17:00'), HC],
    ]);
    expect(s.actions[4]?.details).toEqual({ from: 'sato', to: 'ito', reason: 'reorg' });
    expect(s.actions[5]?.details).toMatchObject({ evidence: 'https://tickets.example.jp/NW-1234' });
  });

  it('a refused action is not recorded', () => {
    const s = fresh();
    act(s, 'yamada', '2025-03-10T10:00', complete);
    expect(s.actions.map((a) => a.kind)).toEqual(['created']);
  });
});

describe('milestone status', () => {
  const status = (s: MeasureState, at: string, id = HC) => milestoneStatus(s, milestone(s, id), tokyo(at));

  it('on-track until 23:59 on the due day, overdue from 00:00 the day after (Asia/Tokyo)', () => {
    const s = fresh();
    expect(status(s, '2025-03-31T23:59')).toBe('on-track');
    expect(status(s, '2025-04-01T00:00')).toBe('overdue');
    expect(milestoneStatus(s, milestone(s), Date.UTC(2025, 2, 31, 15, 0))).toBe('overdue'); // 15:00 UTC = 00:00 JST
    expect(milestoneStatus(s, milestone(s), Date.UTC(2025, 2, 31, 14, 59))).toBe('on-track');
  });

  it('done once completed, even late', () => {
    const s = fresh();
    accept(s, 'sato', '2025-04-10T10:00', complete);
    expect(status(s, '2025-04-10T10:00')).toBe('done');
  });

  it('follows the current due date after an approved re-plan', () => {
    const s = fresh();
    accept(s, 'suzuki', '2025-03-10T10:00', replan('2025-04-30'));
    expect(status(s, '2025-04-10T10:00')).toBe('on-track');
  });

  it('at-risk when the forecast is after the due date; on-track when on or before it', () => {
    const s = fresh();
    accept(s, 'sato', '2025-03-10T10:00', { type: 'forecast', milestone: HC, date: '2025-04-01' });
    expect(status(s, '2025-03-10T10:00')).toBe('at-risk');
    accept(s, 'sato', '2025-03-11T10:00', { type: 'forecast', milestone: HC, date: '2025-03-31' });
    expect(status(s, '2025-03-11T10:00')).toBe('on-track');
  });

  describe('dependencies in the same measure', () => {
    const deps = (depDue: string) =>
      fresh({
        milestones: [
          { id: 'base', due: depDue },
          { id: 'top', due: '2025-06-30', dependsOn: ['base'] },
        ],
      });

    it('at-risk when a dependency not done is due after this one', () => {
      expect(status(deps('2025-07-31'), '2025-03-01', 'top')).toBe('at-risk');
    });

    it('on-track when the dependency is due before, or done', () => {
      expect(status(deps('2025-05-30'), '2025-03-01', 'top')).toBe('on-track');
      const s = deps('2025-07-31');
      accept(s, 'sato', '2025-03-01T10:00', { type: 'complete', milestone: 'base', evidence: 'x' });
      expect(status(s, '2025-03-01T10:00', 'top')).toBe('on-track');
    });

    it("at-risk when the dependency's forecast is after this one's due date", () => {
      const s = deps('2025-05-30');
      accept(s, 'sato', '2025-03-01T10:00', { type: 'forecast', milestone: 'base', date: '2025-07-15' });
      expect(status(s, '2025-03-01T10:00', 'top')).toBe('at-risk');
    });

    it('a dependency written measure/milestone of the own measure counts too', () => {
      const s = fresh({
        milestones: [
          { id: 'base', due: '2025-07-31' },
          { id: 'top', due: '2025-06-30', dependsOn: ['auth-separation/base'] },
        ],
      });
      expect(status(s, '2025-03-01', 'top')).toBe('at-risk');
    });
  });

  describe('dependencies on another measure (the `external` snapshot)', () => {
    const two = (depDue: string) =>
      statesAt(
        basePlan({
          milestones: [{ id: HC, due: depDue }],
          measures: [
            {
              id: 'employee-systems',
              owner: 'ito',
              milestones: [{ id: 'separation', due: '2025-03-31', dependsOn: ['auth-separation/head-company'] }],
            },
          ],
        }),
        '2025-01-06T10:00',
      )[1] as MeasureState;

    it("at-risk when the other measure's milestone is due after this one", () => {
      const s = two('2025-04-30');
      expect(s.external).toEqual({ 'auth-separation/head-company': { due: '2025-04-30', done: false } });
      expect(status(s, '2025-03-01', 'separation')).toBe('at-risk');
      expect(measureView(s, tokyo('2025-03-01')).milestones[0]?.dependencyRisks).toEqual([
        'auth-separation/head-company',
      ]);
    });

    it('on-track when it is due on the same day; at-risk when its forecast slips; on-track once done', () => {
      const s = two('2025-03-31');
      expect(status(s, '2025-03-01', 'separation')).toBe('on-track');
      s.external['auth-separation/head-company'] = { due: '2025-03-31', forecast: '2025-04-15', done: false };
      expect(status(s, '2025-03-01', 'separation')).toBe('at-risk');
      s.external['auth-separation/head-company'] = { due: '2025-03-31', forecast: '2025-04-15', done: true };
      expect(status(s, '2025-03-01', 'separation')).toBe('on-track');
    });
  });
});

describe('measure status', () => {
  const s3 = () =>
    fresh({
      milestones: [
        { id: 'a', due: '2025-03-31' },
        { id: 'b', due: '2025-06-30' },
        { id: 'c', due: '2025-09-30' },
      ],
    });

  it('is the worst milestone status: overdue over at-risk over on-track', () => {
    const s = s3();
    expect(measureStatus(s, tokyo('2025-03-01'))).toBe('on-track');
    accept(s, 'sato', '2025-03-01T10:00', { type: 'forecast', milestone: 'c', date: '2025-10-31' });
    expect(measureStatus(s, tokyo('2025-03-31T12:00'))).toBe('at-risk');
    expect(measureStatus(s, tokyo('2025-04-01T00:00'))).toBe('overdue');
  });

  it('is done when all milestones are done, not before', () => {
    const s = s3();
    accept(s, 'sato', '2025-03-01T10:00', { type: 'complete', milestone: 'a', evidence: 'x' });
    accept(s, 'sato', '2025-03-01T10:00', { type: 'complete', milestone: 'b', evidence: 'x' });
    expect(measureStatus(s, tokyo('2025-03-02'))).toBe('on-track');
    accept(s, 'sato', '2025-03-02T10:00', { type: 'complete', milestone: 'c', evidence: 'x' });
    expect(measureStatus(s, tokyo('2025-12-01'))).toBe('done');
  });

  it('is cancelled when the measure is, even with an overdue milestone', () => {
    const s = s3();
    accept(s, 'suzuki', '2025-04-02T10:00', { type: 'cancel', reason: 'x' });
    expect(measureStatus(s, tokyo('2025-04-03'))).toBe('cancelled');
    expect(measureView(s, tokyo('2025-04-03')).status).toBe('cancelled');
  });
});
