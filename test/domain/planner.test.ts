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
import { describe, expect, it } from 'vitest';
import { BusinessCalendar } from '../../src/domain/calendar';
import { addDays, dateOf } from '../../src/domain/dates';
import {
  firstSlotAtOrAfter,
  milestoneNotifications,
  nextNotificationAt,
  notificationsBetween,
  resolveRoles,
} from '../../src/domain/planner';
import { validatePlan } from '../../src/domain/plan';
import type { PlannedNotification } from '../../src/domain/model';
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
    const first = (t: string) => iso(firstSlotAtOrAfter(s, tokyo(t)));
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
