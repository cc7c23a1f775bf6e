/**
 * The notification planner against design.md section 3. Every expected date is derived by hand from
 * the rules and the real Japanese calendar of 2025: Thu 03-20 Vernal Equinox, Tue 04-29 Showa Day,
 * Sat 05-03 .. Tue 05-06 Golden Week (05-06 substitute holiday), Wed 01-01 New Year.
 *
 * The base plan: milestone auth-separation/head-company due Mon 2025-03-31, owner sato (manager
 * tanaka), sponsor yamada, policy 09:00, reminders 30/7/1 days before and on the due date,
 * escalation level 1 after 1 business day to owner+manager, level 2 after 5 to owner+manager+sponsor,
 * repeating every 5 business days. Its full schedule, by hand:
 *   reminders  02-28 (03-01 is a Sat), 03-24, 03-28 (03-30 is a Sun), 03-31
 *   level 1    Tue 04-01
 *   level 2    Mon 04-07 (04-01, 02, 03, 04, 07)
 *   repeats    04-14, 04-21, 04-28, Thu 05-08 (04-30, 05-01, 05-02, 05-07, 05-08), 05-15
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { BusinessCalendar, type CalendarKind } from '../../src/domain/calendar';
import { addDays, dateOf, instantOf } from '../../src/domain/dates';
import {
  firstSlotAtOrAfter,
  milestoneNotifications,
  nextNotificationAt,
  notificationsBetween,
  resolveRoles,
  scheduleEnd,
} from '../../src/domain/planner';
import { validatePlan, type EscalationRole } from '../../src/domain/plan';
import type { MeasureState, MilestoneState, PlannedNotification } from '../../src/domain/model';
import {
  accept,
  basePlan,
  between,
  brief,
  briefs,
  iso,
  rawPlan,
  stateAt,
  tokyo,
  ZONE,
  type PlanOverrides,
  type RawPolicy,
} from './fixtures';

const O = 'sato';
const OM = 'sato,tanaka';
const OMS = 'sato,tanaka,yamada';

/** The schedule of a plan started at `from` (long before anything is due), over `[from, until)`. */
const schedule = (o: PlanOverrides, from = '2025-01-01', until = '2025-06-01') =>
  briefs(stateAt(basePlan(o), from), from, until);
const oneDue = (due: string, policy: Partial<RawPolicy>, more: PlanOverrides = {}) =>
  schedule({ ...more, milestones: [{ id: 'm', due }], policy });
const noEscalation = { escalation: [] };
const noRepeat = { repeatEveryBusinessDays: undefined };

describe('slots: notifyAt on a business day, in Asia/Tokyo', () => {
  it('09:00 in Tokyo is 00:00 UTC, printed with the +09:00 offset', () => {
    const [due] = between(stateAt(basePlan(), '2025-01-01'), '2025-03-31', '2025-04-01');
    expect(due?.at).toBe(Date.UTC(2025, 2, 31, 0, 0));
    expect(iso(due?.at ?? 0)).toBe('2025-03-31T09:00:00+09:00');
  });

  it('a reminder 28 days before Mon 2025-03-31 is the design example 2025-03-03T09:00:00+09:00', () => {
    const s = stateAt(basePlan({ policy: { remindBefore: [28], remindOnDue: false, ...noEscalation } }), '2025-01-01');
    expect(between(s, '2025-01-01', '2025-06-01').map((n) => iso(n.at))).toEqual(['2025-03-03T09:00:00+09:00']);
  });

  it('notifyAt is read in the program time zone (17:30 is 08:30 UTC)', () => {
    const s = stateAt(basePlan({ policy: { notifyAt: '17:30', remindBefore: [], ...noEscalation } }), '2025-01-01');
    const [n] = between(s, '2025-01-01', '2025-06-01');
    expect(iso(n?.at ?? 0)).toBe('2025-03-31T17:30:00+09:00');
    expect(n?.at).toBe(Date.UTC(2025, 2, 31, 8, 30));
  });

  it('notificationsBetween includes `from` and excludes `until`', () => {
    const s = stateAt(basePlan(), '2025-01-01');
    expect(briefs(s, '2025-03-31T09:00', '2025-04-01T09:00')).toEqual([`2025-03-31 reminder/0 ${O}`]);
    expect(briefs(s, '2025-03-31T09:00:01', '2025-04-01T09:00:01')).toEqual([`2025-04-01 escalation/1 ${OM}`]);
  });

  it('firstSlotAtOrAfter: the same instant at a slot, else the next business day at notifyAt', () => {
    const s = stateAt(basePlan(), '2025-01-01');
    const first = (t: string) => iso(firstSlotAtOrAfter(s, tokyo(t)) ?? 0);
    expect(first('2025-04-01T09:00')).toBe('2025-04-01T09:00:00+09:00');
    expect(first('2025-04-01T08:59')).toBe('2025-04-01T09:00:00+09:00');
    expect(first('2025-04-01T09:00:01')).toBe('2025-04-02T09:00:00+09:00');
    expect(first('2025-04-04T10:00')).toBe('2025-04-07T09:00:00+09:00'); // Fri after the slot -> Mon
    expect(first('2025-04-29T00:00')).toBe('2025-04-30T09:00:00+09:00'); // Showa Day
    expect(first('2025-05-02T09:30')).toBe('2025-05-07T09:00:00+09:00'); // Golden Week
    expect(first('2025-03-20T08:00')).toBe('2025-03-21T09:00:00+09:00'); // Vernal Equinox
  });

  it('nextNotificationAt is the first notification at or after t, undefined when none is left', () => {
    const s = stateAt(basePlan({ policy: { ...noRepeat } }), '2025-01-01');
    expect(iso(nextNotificationAt(s, tokyo('2025-03-24T09:00')) ?? 0)).toBe('2025-03-24T09:00:00+09:00');
    expect(iso(nextNotificationAt(s, tokyo('2025-03-24T09:01')) ?? 0)).toBe('2025-03-28T09:00:00+09:00');
    expect(nextNotificationAt(s, tokyo('2025-04-07T09:01'))).toBeUndefined();
  });
});

describe('reminders', () => {
  it('30, 7 and 1 calendar days before and on the due date, to the measure owner, level 0', () => {
    expect(schedule({ policy: noEscalation })).toEqual([
      `2025-02-28 reminder/0 ${O}`, // 03-01 is a Saturday
      `2025-03-24 reminder/0 ${O}`,
      `2025-03-28 reminder/0 ${O}`, // 03-30 is a Sunday
      `2025-03-31 reminder/0 ${O}`,
    ]);
  });

  it('go to the milestone owner when the milestone has one', () => {
    expect(
      schedule({
        milestones: [{ id: 'm', due: '2025-03-31', owner: 'ito' }],
        policy: { remindBefore: [7], ...noEscalation },
      }),
    ).toEqual(['2025-03-24 reminder/0 ito', '2025-03-31 reminder/0 ito']);
  });

  it('a day before Wed 2025-04-30 is Showa Day: moved to Mon 04-28', () => {
    expect(oneDue('2025-04-30', { remindBefore: [1], remindOnDue: false, ...noEscalation })).toEqual([
      `2025-04-28 reminder/0 ${O}`,
    ]);
  });

  it('a day before Wed 2025-05-07 is in Golden Week: moved to Fri 05-02 (05-03..05-06 are holidays)', () => {
    expect(oneDue('2025-05-07', { remindBefore: [1], remindOnDue: false, ...noEscalation })).toEqual([
      `2025-05-02 reminder/0 ${O}`,
    ]);
  });

  it('a day before Fri 2025-03-21 is the Vernal Equinox: moved to Wed 03-19', () => {
    expect(oneDue('2025-03-21', { remindBefore: [1], remindOnDue: false, ...noEscalation })).toEqual([
      `2025-03-19 reminder/0 ${O}`,
    ]);
  });

  it('the weekdays calendar ignores public holidays (03-20 stays)', () => {
    expect(
      oneDue(
        '2025-03-21',
        { remindBefore: [1], remindOnDue: false, ...noEscalation },
        { program: { calendar: 'weekdays' } },
      ),
    ).toEqual([`2025-03-20 reminder/0 ${O}`]);
  });

  it('closedDates move a reminder too: 7 days before Mon 2025-01-06 is closed 12-30 -> Fri 2024-12-27', () => {
    const o = { program: { closedDates: ['2024-12-30', '2024-12-31'] } };
    expect(
      schedule(
        {
          ...o,
          milestones: [{ id: 'm', due: '2025-01-06' }],
          policy: { remindBefore: [7], remindOnDue: false, ...noEscalation },
        },
        '2024-12-01',
        '2025-02-01',
      ),
    ).toEqual([`2024-12-27 reminder/0 ${O}`]);
  });

  it('on a due date that is a holiday (Tue 2025-05-06): moved to Fri 05-02, and merged with the day-before one', () => {
    expect(oneDue('2025-05-06', { remindBefore: [1], remindOnDue: true, ...noEscalation })).toEqual([
      `2025-05-02 reminder/0 ${O}`,
    ]);
  });

  it('two reminders falling on the same date are sent once (2 and 1 days before Mon 03-31 are both Fri 03-28)', () => {
    const s = stateAt(basePlan({ policy: { remindBefore: [2, 1], ...noEscalation } }), '2025-01-01');
    const ns = between(s, '2025-01-01', '2025-06-01');
    expect(ns.map(brief)).toEqual([`2025-03-28 reminder/0 ${O}`, `2025-03-31 reminder/0 ${O}`]);
    expect(new Set(ns.map((n) => n.key)).size).toBe(2);
  });

  it('remindOnDue: false sends nothing on the due date', () => {
    expect(schedule({ policy: { remindBefore: [7], remindOnDue: false, ...noEscalation } })).toEqual([
      `2025-03-24 reminder/0 ${O}`,
    ]);
  });
});

describe('escalation', () => {
  it('level 1 on the 1st business day after Mon 2025-03-31 (Tue 04-01), level 2 on the 5th (Mon 04-07), to the listed roles', () => {
    const ns = between(stateAt(basePlan({ policy: { ...noRepeat } }), '2025-01-01'), '2025-04-01', '2026-01-01');
    expect(ns.map(brief)).toEqual([`2025-04-01 escalation/1 ${OM}`, `2025-04-07 escalation/2 ${OMS}`]);
    expect(ns.map((n) => [n.kind, n.level, n.repeat, n.catchUp])).toEqual([
      ['escalation', 1, false, false],
      ['escalation', 2, false, false],
    ]);
  });

  it('counts business days over Golden Week: due Fri 2025-05-02 -> level 1 Wed 05-07, level 2 Tue 05-13', () => {
    expect(oneDue('2025-05-02', { remindBefore: [], remindOnDue: false, ...noRepeat })).toEqual([
      `2025-05-07 escalation/1 ${OM}`,
      `2025-05-13 escalation/2 ${OMS}`,
    ]);
  });

  it('counts business days over Showa Day: due Mon 2025-04-28 -> level 1 Wed 04-30', () => {
    expect(
      oneDue('2025-04-28', {
        remindBefore: [],
        remindOnDue: false,
        escalation: [{ afterBusinessDays: 1, notify: ['owner'] }],
        ...noRepeat,
      }),
    ).toEqual([`2025-04-30 escalation/1 ${O}`]);
  });

  it('counts over the year end and closedDates: due Fri 2024-12-27, closed 12-30..01-03 -> level 1 Mon 2025-01-06', () => {
    const o: PlanOverrides = {
      program: { closedDates: ['2024-12-30', '2024-12-31', '2025-01-02', '2025-01-03'] },
      milestones: [{ id: 'm', due: '2024-12-27' }],
      policy: {
        remindBefore: [],
        remindOnDue: false,
        escalation: [{ afterBusinessDays: 1, notify: ['owner'] }],
        ...noRepeat,
      },
    };
    expect(schedule(o, '2024-12-01', '2025-02-01')).toEqual([`2025-01-06 escalation/1 ${O}`]);
  });

  it('a due date on a holiday counts from that date: due Tue 2025-05-06 -> level 1 Wed 05-07', () => {
    expect(
      oneDue('2025-05-06', {
        remindBefore: [],
        remindOnDue: false,
        escalation: [{ afterBusinessDays: 1, notify: ['owner'] }],
        ...noRepeat,
      }),
    ).toEqual([`2025-05-07 escalation/1 ${O}`]);
  });

  describe('recipients', () => {
    const roles = (o: PlanOverrides, notify: NonNullable<RawPolicy['escalation']>[number]['notify']) => {
      const s = stateAt(basePlan(o), '2025-01-01');
      const ms = s.milestones[0];
      if (!ms) throw new Error('no milestone');
      return resolveRoles(s, ms, notify);
    };

    it("owner, manager (the owner's manager), sponsor (the measure's), managers (program managers), in role order", () => {
      expect(
        roles({ program: { managers: ['suzuki', 'watanabe'] } }, ['owner', 'manager', 'sponsor', 'managers']),
      ).toEqual(['sato', 'tanaka', 'yamada', 'suzuki', 'watanabe']);
    });

    it('manager is the manager of the milestone owner, not of the measure owner', () => {
      expect(
        roles({ milestones: [{ id: 'm', due: '2025-03-31', owner: 'sato' }], measure: { owner: 'ito' } }, [
          'owner',
          'manager',
        ]),
      ).toEqual(['sato', 'tanaka']);
    });

    it("de-duplicated: a sponsor who is also the owner's manager is notified once", () => {
      expect(roles({ measure: { sponsor: 'tanaka' } }, ['owner', 'manager', 'sponsor'])).toEqual(['sato', 'tanaka']);
    });

    it('de-duplicated: an owner who is a program manager is notified once', () => {
      expect(roles({ measure: { owner: 'suzuki' } }, ['owner', 'managers'])).toEqual(['suzuki']);
    });

    it('a role with nobody behind it is skipped (owner without manager, measure without sponsor)', () => {
      expect(roles({ measure: { owner: 'ito', sponsor: undefined } }, ['owner', 'manager', 'sponsor'])).toEqual([
        'ito',
      ]);
    });

    it('the scheduled escalation carries the resolved recipients', () => {
      expect(
        schedule({ measure: { sponsor: 'tanaka' }, policy: { remindBefore: [], remindOnDue: false, ...noRepeat } }),
      ).toEqual([`2025-04-01 escalation/1 ${OM}`, `2025-04-07 escalation/2 ${OM}`]);
    });
  });
});

describe('repeats after the last level', () => {
  it('every 5 business days counted from level 2 (Mon 04-07), keeping level 2 and its recipients, over Showa Day and Golden Week', () => {
    const ns = between(stateAt(basePlan(), '2025-01-01'), '2025-04-02', '2025-05-16');
    expect(ns.map(brief)).toEqual([
      `2025-04-07 escalation/2 ${OMS}`,
      `2025-04-14 escalation/2 ${OMS}`,
      `2025-04-21 escalation/2 ${OMS}`,
      `2025-04-28 escalation/2 ${OMS}`,
      `2025-05-08 escalation/2 ${OMS}`, // 04-30, 05-01, 05-02, 05-07, 05-08
      `2025-05-15 escalation/2 ${OMS}`,
    ]);
    expect(ns.map((n) => n.repeat)).toEqual([false, true, true, true, true, true]);
  });

  it('go on as long as the milestone is open (still there a year later)', () => {
    expect(briefs(stateAt(basePlan(), '2025-01-01'), '2026-03-30', '2026-04-30').length).toBeGreaterThan(3);
  });

  it('none without repeatEveryBusinessDays', () => {
    expect(briefs(stateAt(basePlan({ policy: { ...noRepeat } }), '2025-01-01'), '2025-04-08', '2027-01-01')).toEqual(
      [],
    );
  });

  it('repeat a single level when the ladder has one: 04-01, then every 2 business days', () => {
    expect(
      oneDue(
        '2025-03-31',
        {
          remindBefore: [],
          remindOnDue: false,
          escalation: [{ afterBusinessDays: 1, notify: ['owner'] }],
          repeatEveryBusinessDays: 2,
        },
        {},
      ).slice(0, 3),
    ).toEqual([`2025-04-01 escalation/1 ${O}`, `2025-04-03 escalation/1 ${O}`, `2025-04-07 escalation/1 ${O}`]);
  });
});

describe('completion and cancellation stop notifications', () => {
  it('completion at Thu 04-10 12:00 stops everything after it', () => {
    const s = stateAt(basePlan(), '2025-01-01');
    accept(s, 'sato', '2025-04-10T12:00', { type: 'complete', milestone: 'head-company', evidence: 'ticket-1' });
    expect(briefs(s, '2025-04-01', '2026-01-01')).toEqual([
      `2025-04-01 escalation/1 ${OM}`,
      `2025-04-07 escalation/2 ${OMS}`,
    ]);
  });

  it('a notification exactly at the completion instant is still sent (04-14 09:00), the next one is not', () => {
    const s = stateAt(basePlan(), '2025-01-01');
    accept(s, 'sato', '2025-04-14T09:00', { type: 'complete', milestone: 'head-company', evidence: 'ticket-1' });
    expect(briefs(s, '2025-04-08', '2026-01-01')).toEqual([`2025-04-14 escalation/2 ${OMS}`]);
  });

  it('completion before the due date stops the remaining reminders and every escalation', () => {
    const s = stateAt(basePlan(), '2025-01-01');
    accept(s, 'sato', '2025-03-25T10:00', { type: 'complete', milestone: 'head-company', evidence: 'ticket-1' });
    expect(briefs(s, '2025-03-25', '2026-01-01')).toEqual([]);
  });

  it('a milestone completed in the plan (history) gets no notification, not even a catch-up', () => {
    const plan = basePlan({
      milestones: [{ id: 'm', due: '2025-03-31', completed: { on: '2025-03-10', by: 'sato', evidence: 'done' } }],
    });
    expect(briefs(stateAt(plan, '2025-03-15'), '2025-03-15', '2026-01-01')).toEqual([]);
    expect(briefs(stateAt(plan, '2025-06-02'), '2025-06-02', '2026-01-01')).toEqual([]);
  });

  it('measure cancellation stops every milestone of the measure', () => {
    const s = stateAt(
      basePlan({
        milestones: [
          { id: 'a', due: '2025-03-31' },
          { id: 'b', due: '2025-06-30' },
        ],
      }),
      '2025-01-01',
    );
    accept(s, 'suzuki', '2025-04-02T10:00', { type: 'cancel', reason: 'superseded' });
    expect(briefs(s, '2025-04-02T10:00', '2027-01-01')).toEqual([]);
    expect(nextNotificationAt(s, tokyo('2025-04-02T10:00'))).toBeUndefined();
  });

  it("completing one milestone leaves the other one's schedule alone", () => {
    const s = stateAt(
      basePlan({
        milestones: [
          { id: 'a', due: '2025-03-31' },
          { id: 'b', due: '2025-04-30' },
        ],
        policy: { remindBefore: [1], ...noRepeat },
      }),
      '2025-01-01',
    );
    accept(s, 'sato', '2025-03-31T12:00', { type: 'complete', milestone: 'a', evidence: 'x' });
    expect(between(s, '2025-03-31T12:00', '2026-01-01').map((n) => `${n.milestone} ${brief(n)}`)).toEqual([
      `b 2025-04-28 reminder/0 ${O}`, // 04-29 Showa Day
      `b 2025-04-30 reminder/0 ${O}`,
      `b 2025-05-01 escalation/1 ${OM}`,
      `b 2025-05-09 escalation/2 ${OMS}`, // 05-01, 02, 07, 08, 09
    ]);
  });
});

describe('late start', () => {
  const started = (start: string, o: PlanOverrides = {}) => between(stateAt(basePlan(o), start), start, '2025-05-20');

  it('drops reminders before the start, with no catch-up for a reminder', () => {
    expect(started('2025-03-25').map(brief).slice(0, 2)).toEqual([
      `2025-03-28 reminder/0 ${O}`,
      `2025-03-31 reminder/0 ${O}`,
    ]);
  });

  it('started between two slots: the latest dropped escalation (level 1, 04-01) is sent once at the next slot, Fri 04-04', () => {
    const ns = started('2025-04-03T12:00');
    expect(ns.slice(0, 2).map(brief)).toEqual([`2025-04-04 escalation/1 ${OM}`, `2025-04-07 escalation/2 ${OMS}`]);
    expect(ns[0]).toMatchObject({ catchUp: true, key: 'auth-separation/head-company/escalation/1/2025-04-04' });
    expect(ns.filter((n) => n.catchUp)).toHaveLength(1);
  });

  it('started exactly at a slot instant: that slot is not dropped and nothing is caught up', () => {
    const ns = started('2025-04-01T09:00');
    expect(ns.slice(0, 2).map(brief)).toEqual([`2025-04-01 escalation/1 ${OM}`, `2025-04-07 escalation/2 ${OMS}`]);
    expect(ns.some((n) => n.catchUp)).toBe(false);
  });

  it('started on a holiday (Showa Day 04-29): the dropped 04-28 repeat is caught up Wed 04-30, then 05-08 as planned', () => {
    const ns = started('2025-04-29');
    expect(ns.map(brief)).toEqual([
      `2025-04-30 escalation/2 ${OMS}`,
      `2025-05-08 escalation/2 ${OMS}`,
      `2025-05-15 escalation/2 ${OMS}`,
    ]);
    expect(ns.map((n) => n.catchUp)).toEqual([true, false, false]);
  });

  it('when the latest dropped slot is a reminder (due-day 09:00), no catch-up: level 1 comes as planned', () => {
    expect(started('2025-03-31T10:00').slice(0, 1).map(brief)).toEqual([`2025-04-01 escalation/1 ${OM}`]);
  });

  it('only the latest dropped escalation is caught up, once (start Fri 04-25 after 04-01, 04-07, 04-14, 04-21)', () => {
    const ns = started('2025-04-25');
    expect(ns.map(brief).slice(0, 2)).toEqual([`2025-04-25 escalation/2 ${OMS}`, `2025-04-28 escalation/2 ${OMS}`]);
    expect(ns.filter((n) => n.catchUp)).toHaveLength(1);
  });

  it('a catch-up coinciding with a regular slot is sent once (start Fri 04-04 10:00 -> Mon 04-07 09:00 is level 2)', () => {
    const ns = started('2025-04-04T10:00').filter((n) => n.at === tokyo('2025-04-07T09:00'));
    expect(ns.map(brief)).toEqual([`2025-04-07 escalation/2 ${OMS}`]);
  });

  it('a catch-up coinciding with a regular slot at the start instant itself is sent once', () => {
    const ns = started('2025-04-07T09:00').filter((n) => n.at === tokyo('2025-04-07T09:00'));
    expect(ns).toHaveLength(1);
  });

  it('caught up even when no regular slot is left (no repeats, start long after level 2)', () => {
    const ns = between(stateAt(basePlan({ policy: { ...noRepeat } }), '2025-06-01'), '2025-06-01', '2026-01-01');
    expect(ns.map(brief)).toEqual([`2025-06-02 escalation/2 ${OMS}`]); // 06-01 is a Sunday
    expect(ns[0]?.catchUp).toBe(true);
  });
});

describe('re-plan', () => {
  it('a re-plan waiting for approval changes nothing', () => {
    const s = stateAt(basePlan(), '2025-01-01');
    const before = briefs(s, '2025-03-20', '2025-06-01');
    accept(s, 'sato', '2025-03-20T10:00', {
      type: 'replan',
      milestone: 'head-company',
      date: '2025-04-30',
      reason: 'vendor late',
    });
    expect(briefs(s, '2025-03-20', '2025-06-01')).toEqual(before);
  });

  it('approved extension to Wed 04-30: the schedule is recomputed from 04-30 for slots after the approval', () => {
    const s = stateAt(basePlan(), '2025-01-01');
    accept(s, 'sato', '2025-03-20T10:00', {
      type: 'replan',
      milestone: 'head-company',
      date: '2025-04-30',
      reason: 'vendor late',
    });
    accept(s, 'suzuki', '2025-03-25T12:00', { type: 'approve-replan', milestone: 'head-company' });
    expect(briefs(s, '2025-03-25T12:00', '2025-05-17')).toEqual([
      `2025-03-31 reminder/0 ${O}`, // 30 days before 04-30 (not the old due-day reminder)
      `2025-04-23 reminder/0 ${O}`,
      `2025-04-28 reminder/0 ${O}`, // 04-29 Showa Day
      `2025-04-30 reminder/0 ${O}`,
      `2025-05-01 escalation/1 ${OM}`,
      `2025-05-09 escalation/2 ${OMS}`, // 05-01, 02, 07, 08, 09
      `2025-05-16 escalation/2 ${OMS}`,
    ]);
  });

  it('approved acceleration to Tue 04-15 on 04-08 12:00: new slots before the approval (04-08 09:00) are dropped', () => {
    const s = stateAt(basePlan({ milestones: [{ id: 'head-company', due: '2025-06-30' }] }), '2025-01-01');
    accept(s, 'suzuki', '2025-04-08T12:00', {
      type: 'replan',
      milestone: 'head-company',
      date: '2025-04-15',
      reason: 'pulled forward',
    });
    expect(briefs(s, '2025-04-08T12:00', '2025-04-23')).toEqual([
      `2025-04-14 reminder/0 ${O}`,
      `2025-04-15 reminder/0 ${O}`,
      `2025-04-16 escalation/1 ${OM}`,
      `2025-04-22 escalation/2 ${OMS}`,
    ]);
  });

  it('an overdue milestone re-planned to Fri 04-18 stops escalating on the old date and restarts from the new one', () => {
    const s = stateAt(basePlan(), '2025-01-01');
    accept(s, 'suzuki', '2025-04-02T10:00', {
      type: 'replan',
      milestone: 'head-company',
      date: '2025-04-18',
      reason: 'scope',
    });
    expect(briefs(s, '2025-04-02T10:00', '2025-04-26')).toEqual([
      `2025-04-11 reminder/0 ${O}`,
      `2025-04-17 reminder/0 ${O}`,
      `2025-04-18 reminder/0 ${O}`,
      `2025-04-21 escalation/1 ${OM}`,
      `2025-04-25 escalation/2 ${OMS}`,
    ]);
  });

  it('a rejected re-plan keeps the original schedule', () => {
    const s = stateAt(basePlan(), '2025-01-01');
    const before = briefs(s, '2025-03-25T12:00', '2025-06-01');
    accept(s, 'sato', '2025-03-20T10:00', {
      type: 'replan',
      milestone: 'head-company',
      date: '2025-04-30',
      reason: 'vendor late',
    });
    accept(s, 'suzuki', '2025-03-25T12:00', { type: 'reject-replan', milestone: 'head-company' });
    expect(briefs(s, '2025-03-25T12:00', '2025-06-01')).toEqual(before);
  });
});

describe('reassignment', () => {
  it("a measure reassignment moves every later notification to the new owner (and the new owner's manager, if any)", () => {
    const s = stateAt(basePlan(), '2025-01-01');
    accept(s, 'suzuki', '2025-04-02T10:00', { type: 'reassign', to: 'ito', reason: 'reorg' });
    expect(briefs(s, '2025-04-02T10:00', '2025-04-15')).toEqual([
      '2025-04-07 escalation/2 ito,yamada',
      '2025-04-14 escalation/2 ito,yamada',
    ]);
  });

  it('a milestone reassignment moves that milestone only', () => {
    const s = stateAt(
      basePlan({
        milestones: [
          { id: 'a', due: '2025-04-30' },
          { id: 'b', due: '2025-04-30' },
        ],
        policy: { remindBefore: [], ...noEscalation },
      }),
      '2025-01-01',
    );
    accept(s, 'suzuki', '2025-04-02T10:00', { type: 'reassign', milestone: 'b', to: 'ito', reason: 'reorg' });
    expect(between(s, '2025-04-02', '2025-06-01').map((n) => `${n.milestone} ${brief(n)}`)).toEqual([
      `a 2025-04-30 reminder/0 ${O}`,
      'b 2025-04-30 reminder/0 ito',
    ]);
  });
});

describe('idempotency keys', () => {
  it('are measure/milestone/kind/level/date, with the date of the slot', () => {
    const keys = between(stateAt(basePlan(), '2025-01-01'), '2025-03-31', '2025-04-15').map((n) => n.key);
    expect(keys).toEqual([
      'auth-separation/head-company/reminder/0/2025-03-31',
      'auth-separation/head-company/escalation/1/2025-04-01',
      'auth-separation/head-company/escalation/2/2025-04-07',
      'auth-separation/head-company/escalation/2/2025-04-14',
    ]);
  });

  it('are unique over a long run of two milestones', () => {
    const ns = between(
      stateAt(
        basePlan({
          milestones: [
            { id: 'a', due: '2025-03-31' },
            { id: 'b', due: '2025-03-31' },
          ],
        }),
        '2025-01-01',
      ),
      '2025-01-01',
      '2027-01-01',
    );
    expect(new Set(ns.map((n) => n.key)).size).toBe(ns.length);
  });
});

describe('escalation ladder order', () => {
  it('a ladder out of order, or with two levels on the same step, is refused by the plan', () => {
    for (const second of [1, 5]) {
      const ladder: RawPolicy['escalation'] = [
        { afterBusinessDays: 5, notify: ['owner'] },
        { afterBusinessDays: second, notify: ['managers'] },
      ];
      const r = validatePlan(rawPlan({ policy: { escalation: ladder, remindBefore: [] } }));
      expect(r.ok ? [] : r.problems.map((p) => p.path)).toEqual(['policies.standard.escalation[1].afterBusinessDays']);
    }
  });
});

// ---------------------------------------------------------------- properties

const DAY = 86_400_000;
const dueArb = fc
  .integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2030, 11, 31) })
  .map((ms) => new Date(ms - (ms % DAY)).toISOString().slice(0, 10));
/** Ladders in strictly increasing order, as the plan requires. */
const ladderArb = fc
  .uniqueArray(fc.integer({ min: 1, max: 25 }), { maxLength: 3 })
  .chain((days) =>
    fc.tuple(
      ...[...days]
        .sort((a, b) => a - b)
        .map((d) =>
          fc
            .subarray(['owner', 'manager', 'sponsor', 'managers'] as const, { minLength: 1 })
            .map((notify) => ({ afterBusinessDays: d, notify })),
        ),
    ),
  );
const policyArb: fc.Arbitrary<RawPolicy> = fc.record({
  notifyAt: fc
    .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
    .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`),
  remindBefore: fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { maxLength: 4 }),
  remindOnDue: fc.boolean(),
  escalation: ladderArb.map((l) => [...l]),
  repeatEveryBusinessDays: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
});
const caseArb = fc.record({
  due: dueArb,
  policy: policyArb,
  calendar: fc.constantFrom('jp' as const, 'weekdays' as const),
  closedOffsets: fc.uniqueArray(fc.integer({ min: -40, max: 60 }), { maxLength: 5 }),
  /** Start, completion and window bounds in hours from 40 days before the due date. */
  startH: fc.integer({ min: 0, max: 24 * 100 }),
  stopH: fc.option(fc.integer({ min: 0, max: 24 * 130 }), { nil: undefined }),
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function caseState(c: Case) {
  const closedDates = c.closedOffsets.map((d) => addDays(c.due, d));
  const plan = basePlan({
    milestones: [{ id: 'm', due: c.due }],
    policy: c.policy,
    program: { calendar: c.calendar, closedDates },
  });
  const origin = tokyo(addDays(c.due, -40));
  const s = stateAt(plan, iso(origin + c.startH * 3_600_000).slice(0, 19));
  if (c.stopH !== undefined) {
    const at = origin + c.stopH * 3_600_000;
    const ms = s.milestones[0];
    if (ms) ms.completed = { on: dateOf(at, ZONE), at, by: 'sato', evidence: 'x' };
  }
  return {
    s,
    cal: new BusinessCalendar(c.calendar, closedDates),
    origin,
    window: [origin - 10 * DAY, origin + 170 * DAY] as const,
  };
}

describe('properties (fast-check)', () => {
  it('every notification is at notifyAt on a business day, in time order, keys unique, reminders <= due < escalations, nothing after completion or before start', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { s, cal, window } = caseState(c);
        const ns = notificationsBetween(s, window[0], window[1]);
        const stop = s.milestones[0]?.completed?.at ?? Infinity;
        ns.forEach((n: PlannedNotification, i) => {
          const when = iso(n.at);
          const date = when.slice(0, 10);
          expect(cal.isBusinessDay(date)).toBe(true);
          expect(when.slice(11, 16)).toBe(c.policy.notifyAt);
          if (i > 0) expect(n.at).toBeGreaterThanOrEqual(ns[i - 1]?.at ?? 0);
          if (n.kind === 'reminder') expect(date <= c.due).toBe(true);
          else expect(date > c.due).toBe(true);
          expect(n.at).toBeLessThanOrEqual(stop);
          expect(n.at).toBeGreaterThanOrEqual(s.startedAt);
          expect(n.key).toBe(`auth-separation/m/${n.kind}/${n.level}/${date}`);
        });
        expect(new Set(ns.map((n) => n.key)).size).toBe(ns.length);
        expect(ns.filter((n) => n.catchUp).length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });

  it('the generator of one milestone is itself in time order (what the workflow sleeps on)', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { s, window } = caseState(c);
        const ms = s.milestones[0];
        if (!ms) return;
        let prev = -Infinity;
        for (const n of milestoneNotifications(s, ms)) {
          if (n.at >= window[1]) break;
          expect(n.at).toBeGreaterThanOrEqual(prev);
          prev = n.at;
        }
      }),
      { numRuns: 200 },
    );
  });

  it('split invariance: [a, c) is [a, b) followed by [b, c)', () => {
    fc.assert(
      fc.property(caseArb, fc.tuple(fc.nat(180 * 24), fc.nat(180 * 24), fc.nat(180 * 24)), (c, hours) => {
        const { s, origin } = caseState(c);
        const [a, b, d] = [...hours].sort((x, y) => x - y).map((h) => origin - 10 * DAY + h * 3_600_000) as [
          number,
          number,
          number,
        ];
        const whole = notificationsBetween(s, a, d).map((n) => n.key);
        const parts = [...notificationsBetween(s, a, b), ...notificationsBetween(s, b, d)].map((n) => n.key);
        expect([...parts].sort()).toEqual([...whole].sort());
        expect(parts).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------- the edges of the calendar data

/** A state of the base plan with its program, policy and milestone changed in place (as a validated plan could have them). */
function edgeState(o: {
  calendar?: CalendarKind;
  zone?: string;
  due: string;
  policy?: Partial<RawPolicy>;
  start?: number;
  closedDates?: string[];
}) {
  const s = stateAt(basePlan({ policy: o.policy ?? {} }), '2025-01-01');
  s.program.calendar = o.calendar ?? 'jp';
  s.program.timezone = o.zone ?? ZONE;
  s.program.closedDates = o.closedDates ?? [];
  const ms = s.milestones[0];
  if (!ms) throw new Error('no milestone');
  ms.due = o.due;
  ms.originalDue = o.due;
  ms.scheduleFrom = o.start ?? -Infinity;
  return { s, ms };
}

describe('the edges of the calendar data', () => {
  it('a ladder repeating past 2050 under jp stops at the end of the holiday data, without an exception', () => {
    const { s, ms } = edgeState({ due: '2050-09-30' });
    const ns = [...milestoneNotifications(s, ms)];
    const last = ns[ns.length - 1];
    expect(iso(last?.at ?? 0).slice(0, 10) <= '2050-12-31').toBe(true);
    expect(ns.filter((n) => n.repeat).length).toBeGreaterThan(10);
    // The last repeat is the last one whose next (5 business days later) would leave the data: Wed 12-28.
    const cal = new BusinessCalendar('jp');
    expect(brief(last as PlannedNotification)).toBe(`2050-12-28 escalation/2 ${OMS}`);
    expect(cal.addBusinessDays('2050-12-28', 5)).toBeUndefined();
    expect(nextNotificationAt(s, (last?.at ?? 0) + 1)).toBeUndefined();
    expect(notificationsBetween(s, tokyo('2050-12-01'), tokyo('2051-06-01')).map(brief).pop()).toBe(
      `2050-12-28 escalation/2 ${OMS}`,
    );
    expect(scheduleEnd(s, ms)).toEqual({ at: (last?.at ?? 0) + 1, date: '2050-12-28' });
  });

  it('a level beyond the data is not produced, and scheduleEnd says where the ladder stopped', () => {
    const policy = {
      remindBefore: [],
      escalation: [
        { afterBusinessDays: 1, notify: ['owner' as const] },
        { afterBusinessDays: 200, notify: ['managers' as const] },
      ],
      repeatEveryBusinessDays: undefined,
    };
    const { s, ms } = edgeState({ due: '2050-09-30', policy });
    expect([...milestoneNotifications(s, ms)].map(brief)).toEqual([
      `2050-09-30 reminder/0 ${O}`,
      `2050-10-03 escalation/1 ${O}`,
    ]);
    expect(scheduleEnd(s, ms)).toEqual({ at: tokyo('2050-10-03T09:00') + 1, date: '2050-10-03' });
    // A ladder that ends by itself inside the data has no scheduleEnd.
    const inside = edgeState({ due: '2025-03-31', policy: { ...policy, escalation: policy.escalation.slice(0, 1) } });
    expect(scheduleEnd(inside.s, inside.ms)).toBeUndefined();
    // Neither has a completed milestone.
    ms.completed = { on: '2050-10-03', at: tokyo('2050-10-03T12:00'), by: 'sato', evidence: 'x' };
    expect(scheduleEnd(s, ms)).toBeUndefined();
  });

  it('with no producible slot at all, scheduleEnd is 00:00 after the last day of the data', () => {
    const { s, ms } = edgeState({
      due: '2050-09-30',
      policy: { remindBefore: [], remindOnDue: false, escalation: [{ afterBusinessDays: 260, notify: ['owner'] }] },
    });
    expect([...milestoneNotifications(s, ms)]).toEqual([]);
    expect(scheduleEnd(s, ms)).toEqual({ at: tokyo('2051-01-01'), date: '2050-12-31' });
  });

  it('reminders before 1970 are dropped (due Mon 1970-01-05: 30 and 7 days before; 1 day before is Fri 01-02)', () => {
    const { s, ms } = edgeState({ due: '1970-01-05', policy: { ...noRepeat } });
    expect([...milestoneNotifications(s, ms)].map(brief)).toEqual([
      `1970-01-02 reminder/0 ${O}`, // 01-04 is a Sunday, 01-01 a holiday
      `1970-01-05 reminder/0 ${O}`,
      `1970-01-06 escalation/1 ${OM}`,
      `1970-01-12 escalation/2 ${OMS}`,
    ]);
  });

  it('firstSlotAtOrAfter is undefined past the data, and the first slot of the data before it', () => {
    const { s } = edgeState({ due: '2025-03-31' });
    expect(firstSlotAtOrAfter(s, tokyo('2050-12-30T09:01'))).toBeUndefined();
    expect(firstSlotAtOrAfter(s, tokyo('2060-01-01'))).toBeUndefined();
    expect(firstSlotAtOrAfter(s, Infinity)).toBeUndefined();
    expect(iso(firstSlotAtOrAfter(s, tokyo('1960-01-01')) ?? 0)).toBe('1970-01-02T09:00:00+09:00');
    expect(iso(firstSlotAtOrAfter(s, -Infinity) ?? 0)).toBe('1970-01-02T09:00:00+09:00');
  });

  it('the daily calendar has slots on weekends and holidays: repeats every business day run through Golden Week', () => {
    const { s } = edgeState({
      calendar: 'daily',
      due: '2025-05-02',
      policy: {
        remindBefore: [],
        escalation: [{ afterBusinessDays: 1, notify: ['owner'] }],
        repeatEveryBusinessDays: 1,
      },
    });
    expect(briefs(s, '2025-05-02', '2025-05-08')).toEqual([
      `2025-05-02 reminder/0 ${O}`,
      ...['03', '04', '05', '06', '07'].map((d) => `2025-05-${d} escalation/1 ${O}`),
    ]);
  });

  it('a wake-up decades after the due date costs no more than one near it (jumps, does not walk)', () => {
    const { s } = edgeState({ calendar: 'daily', due: '1970-03-31', policy: { repeatEveryBusinessDays: 1 } });
    // Cost counted in calendar calls, not in milliseconds (a timed test fails on a busy machine).
    const work = (t: number) => {
      const calls = [
        vi.spyOn(BusinessCalendar.prototype, 'addBusinessDays'),
        vi.spyOn(BusinessCalendar.prototype, 'businessDaysBetween'),
        vi.spyOn(BusinessCalendar.prototype, 'onOrAfter'),
        vi.spyOn(BusinessCalendar.prototype, 'onOrBefore'),
      ];
      try {
        for (let i = 0; i < 200; i++) nextNotificationAt(s, t + i * 86_400_000);
        return calls.reduce((n, c) => n + c.mock.calls.length, 0);
      } finally {
        for (const c of calls) c.mockRestore();
      }
    };
    const near = work(tokyo('1970-05-01'));
    const far = work(tokyo('2099-01-01'));
    // Walking would take ~47,000 repeats per call from 1970 to 2099.
    expect(near).toBeGreaterThan(0);
    expect(far).toBeLessThanOrEqual(near * 2);
    expect(iso(nextNotificationAt(s, tokyo('2099-06-15T09:00:01')) ?? 0)).toBe('2099-06-16T09:00:00+09:00');
    expect(nextNotificationAt(s, tokyo('2099-12-31T09:00:01'))).toBeUndefined();
  });

  it('a late start decades after the due date catches up the latest dropped repeat, found by jumping', () => {
    const { s } = edgeState({ calendar: 'weekdays', due: '1980-03-31', start: tokyo('2090-06-07T12:00') }); // a Wednesday
    const ns = briefs(s, '2090-06-07T12:00', '2090-06-30');
    const first = between(s, '2090-06-07T12:00', '2090-06-30')[0];
    expect(first?.catchUp).toBe(true);
    expect(ns[0]).toBe(`2090-06-08 escalation/2 ${OMS}`);
    expect(ns.length).toBeGreaterThan(2);
  });
});

// ------------------------------------------------- jumping equals walking (the contract of `from`)

/** The planner as it was: walks every slot from the due date, one business day step at a time. */
function* walked(state: MeasureState, ms: MilestoneState): Generator<PlannedNotification> {
  const cal = new BusinessCalendar(state.program.calendar, state.program.closedDates);
  const { policy } = state;
  const zone = state.program.timezone;
  type S = {
    at: number;
    date: string;
    kind: 'reminder' | 'escalation';
    level: number;
    repeat: boolean;
    roles: readonly EscalationRole[];
  };
  const slot = (
    date: string,
    kind: S['kind'],
    level: number,
    repeat: boolean,
    roles: readonly EscalationRole[],
  ): S => ({
    at: instantOf(date, policy.notifyAt, zone),
    date,
    kind,
    level,
    repeat,
    roles,
  });
  function* raw(): Generator<S> {
    const offsets = [...new Set(policy.remindBefore)];
    if (policy.remindOnDue) offsets.push(0);
    const dates = new Set<string>();
    for (const n of offsets) {
      const d = cal.onOrBefore(addDays(ms.due, -n));
      if (d) dates.add(d);
    }
    for (const d of [...dates].sort()) yield slot(d, 'reminder', 0, false, ['owner']);
    let last: S | undefined;
    for (const [i, level] of policy.escalation.entries()) {
      const d = cal.addBusinessDays(ms.due, level.afterBusinessDays);
      if (!d) return;
      last = slot(d, 'escalation', i + 1, false, level.notify);
      yield last;
    }
    const every = policy.repeatEveryBusinessDays;
    if (!last || every === undefined) return;
    for (let d = cal.addBusinessDays(last.date, every); d; d = cal.addBusinessDays(d, every))
      yield slot(d, 'escalation', last.level, true, last.roles);
  }
  const start = ms.scheduleFrom;
  const stop = Math.min(ms.completed?.at ?? Infinity, ms.cancelled?.at ?? Infinity, state.cancelled?.at ?? Infinity);
  const note = (sl: S, at: number, catchUp: boolean): PlannedNotification => ({
    key: `${state.measure.id}/${ms.id}/${sl.kind}/${sl.level}/${catchUp ? dateOf(at, zone) : sl.date}`,
    at,
    kind: sl.kind,
    level: sl.level,
    repeat: sl.repeat,
    catchUp,
    measure: state.measure.id,
    milestone: ms.id,
    to: resolveRoles(state, ms, sl.roles),
  });
  let dropped: S | undefined;
  let started = false;
  const catchUp = (before: number) => {
    if (dropped?.kind !== 'escalation') return undefined;
    const at = firstSlotAtOrAfter(state, start);
    return at !== undefined && at < before && at <= stop ? note(dropped, at, true) : undefined;
  };
  for (const sl of raw()) {
    if (sl.at < start) {
      dropped = sl;
      continue;
    }
    if (!started) {
      started = true;
      const c = catchUp(sl.at);
      if (c) yield c;
    }
    if (sl.at > stop) return;
    yield note(sl, sl.at, false);
  }
  if (!started) {
    const c = catchUp(Infinity);
    if (c) yield c;
  }
}

const take = <T>(it: Iterable<T>, n: number, keep: (x: T) => boolean = () => true): T[] => {
  const out: T[] = [];
  if (n <= 0) return out;
  for (const x of it) {
    if (!keep(x)) continue;
    out.push(x);
    if (out.length >= n) break;
  }
  return out;
};

const ZONES = ['Asia/Tokyo', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Pacific/Chatham', 'UTC'];

describe('milestoneNotifications(state, ms, from) jumps to exactly what walking finds (fast-check)', () => {
  const kindArb = fc.constantFrom<CalendarKind>('jp', 'weekdays', 'daily');
  const nearBound = (max: number) => fc.oneof(fc.integer({ min: 1, max: 10 }), fc.integer({ min: max - 5, max }));
  const jumpPolicyArb = fc.record({
    notifyAt: fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
      .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`),
    remindBefore: fc.uniqueArray(nearBound(366), { maxLength: 10 }),
    remindOnDue: fc.boolean(),
    escalation: fc
      .uniqueArray(nearBound(260), { maxLength: 4 })
      .map((ds) => [...ds].sort((a, b) => a - b).map((d) => ({ afterBusinessDays: d, notify: ['owner' as const] }))),
    repeatEveryBusinessDays: fc.option(nearBound(260), { nil: undefined }),
  });
  const caseArb2 = fc.record({
    kind: kindArb,
    zone: fc.constantFrom(...ZONES),
    policy: jumpPolicyArb,
    /** Due date: days from 1970-01-01, near either edge or anywhere. */
    due: fc.oneof(
      fc.integer({ min: 0, max: 400 }),
      fc.integer({ min: 0, max: 47_000 }),
      fc.integer({ min: 29_500, max: 29_860 }),
      fc.integer({ min: 47_000, max: 47_480 }),
    ),
    closed: fc.uniqueArray(fc.integer({ min: -30, max: 400 }), { maxLength: 6 }),
    /** scheduleFrom and from, in hours from the due date. */
    startH: fc.option(fc.integer({ min: -24 * 400, max: 24 * 600 }), { nil: undefined }),
    fromH: fc.integer({ min: -24 * 400, max: 24 * 900 }),
    stopH: fc.option(fc.integer({ min: -24 * 30, max: 24 * 900 }), { nil: undefined }),
  });

  it('the first notifications at or after `from` are the same, and so are the whole lists near the data end', () => {
    fc.assert(
      fc.property(caseArb2, (c) => {
        const last = c.kind === 'jp' ? '2050-12-31' : '2099-12-31';
        let due = addDays('1970-01-01', c.due);
        if (due > last) due = last;
        const closedDates = c.closed.map((d) => addDays(due, d)).filter((d) => d >= '1970-01-01' && d <= last);
        const dueAt = instantOf(due, '00:00', c.zone);
        const { s, ms } = edgeState({
          calendar: c.kind,
          zone: c.zone,
          due,
          closedDates,
          policy: c.policy,
          start: c.startH === undefined ? -Infinity : dueAt + c.startH * 3_600_000,
        });
        if (c.stopH !== undefined) {
          const at = dueAt + c.stopH * 3_600_000;
          ms.completed = { on: dateOf(at, c.zone), at, by: 'sato', evidence: 'x' };
        }
        const from = dueAt + c.fromH * 3_600_000;
        const jumped = take(milestoneNotifications(s, ms, from), 12);
        expect(jumped).toEqual(take(walked(s, ms), 12, (n) => n.at >= from));
        expect(take(milestoneNotifications(s, ms), 12, (n) => n.at >= from)).toEqual(jumped);
        expect(nextNotificationAt(s, from)).toBe(jumped[0]?.at);
      }),
      { numRuns: 200 },
    );
  });
});
