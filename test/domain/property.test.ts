/**
 * "Whatever plan validate accepts must plan and simulate over its whole horizon without an
 * exception." Random plans from the schema's own ranges (all calendars, zones with and without DST,
 * any notifyAt, policy numbers at and near their bounds, dates near the edges of the calendar data,
 * closures, ids named like Object.prototype members); every one either validates and simulates, or is
 * refused with problems. Nothing throws.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { addDays, daysBetween, instantOf } from '../../src/domain/dates';
import { LIMITS } from '../../src/domain/limits';
import { lastDue, type CalendarKind } from '../../src/domain/calendar';
import { parsePlanText, validatePlan, type Plan } from '../../src/domain/plan';
import { milestoneNotifications, nextNotificationAt, scheduleEnd } from '../../src/domain/planner';
import { simulate, statesFromPlan } from '../../src/domain/simulate';

const ZONES = [
  'Asia/Tokyo',
  'America/New_York',
  'Europe/London',
  'America/Sao_Paulo',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Asia/Kolkata',
  'UTC',
];

/**
 * Where a plan's dates lie: offsets run forward from an anchor near the start of the data, or
 * backward from one near its end (the last due dates 2050-09-30 and 2099-09-30, and just past the
 * data), so most plans are valid and many touch an edge.
 */
const ERAS: Array<{ anchor: string; dir: 1 | -1 }> = [
  { anchor: '1969-12-20', dir: 1 },
  { anchor: '1970-01-01', dir: 1 },
  { anchor: '2025-01-01', dir: 1 },
  { anchor: '2050-09-30', dir: -1 },
  { anchor: '2051-01-15', dir: -1 },
  { anchor: '2099-09-30', dir: -1 },
  { anchor: '2100-01-15', dir: -1 },
];

/** Numbers at and around the bounds of a policy range `1..max`, mostly inside it. */
const nearBounds = (max: number) =>
  fc.oneof(
    { weight: 20, arbitrary: fc.constantFrom(1, 2, max - 1, max) },
    { weight: 20, arbitrary: fc.integer({ min: 1, max: 15 }) },
    { weight: 1, arbitrary: fc.constantFrom(0, max + 1) }, // rarely just outside: refused
  );

/** Mostly `usual`, sometimes one of `rare` (an id or reference that makes the plan invalid, or a prototype name). */
const mostly = <T>(usual: fc.Arbitrary<T>, ...rare: T[]) =>
  fc.oneof({ weight: 30, arbitrary: usual }, { weight: 1, arbitrary: fc.constantFrom(...rare) });

const titled = (id: string) => ({ ja: id, en: id });

const milestoneArb = fc.record({
  due: fc.oneof(
    { weight: 20, arbitrary: fc.integer({ min: 0, max: 420 }) },
    { weight: 1, arbitrary: fc.integer({ min: -80, max: 0 }) },
  ),
  owner: fc.option(mostly(fc.constantFrom('tanaka', 'constructor'), 'toString'), { nil: undefined }),
  completed: fc.option(fc.integer({ min: 0, max: 500 }), { nil: undefined, freq: 4 }),
  forecast: fc.option(fc.integer({ min: 0, max: 500 }), { nil: undefined, freq: 4 }),
  /** Depends on the previous milestone of the measure. */
  dependsOnPrevious: fc.boolean(),
});

const planArb = fc
  .record({
    calendarEra: fc.constantFrom<CalendarKind>('jp', 'weekdays', 'daily').chain((calendar) =>
      mostly(fc.constantFrom(...ERAS.filter((e) => e.anchor <= lastDue(calendar))), ...ERAS).map((era) => ({
        calendar,
        era,
      })),
    ),
    zone: fc.constantFrom(...ZONES),
    notifyAt: fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
      .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`),
    remindBefore: fc.array(nearBounds(LIMITS.remindBeforeDays), { maxLength: LIMITS.reminders }),
    remindOnDue: fc.boolean(),
    ladder: fc.uniqueArray(nearBounds(LIMITS.afterBusinessDays), { maxLength: LIMITS.escalationLevels }),
    sortLadder: mostly(fc.constant(true), false),
    repeat: fc.option(nearBounds(LIMITS.repeatEveryBusinessDays), { nil: undefined }),
    policyName: fc.constantFrom('standard', 'constructor'),
    policyRefOk: mostly(fc.constant(true), false),
    manager: mostly(fc.constantFrom(undefined, 'tanaka', 'constructor'), 'hasOwnProperty'),
    closed: fc.uniqueArray(mostly(fc.integer({ min: 0, max: 400 }), -30, -1), { maxLength: 8 }),
    issued: fc.integer({ min: 0, max: 30 }),
    measures: fc.uniqueArray(
      fc.record({
        id: fc.constantFrom('auth', 'constructor', 'soc'),
        owner: mostly(fc.constantFrom('sato', 'constructor', 'suzuki'), '__proto__'),
        milestones: fc.uniqueArray(fc.tuple(fc.constantFrom('a', 'b', 'constructor'), milestoneArb), {
          minLength: 1,
          maxLength: 3,
          selector: ([id]) => id,
        }),
      }),
      { minLength: 1, maxLength: 2, selector: (m) => m.id },
    ),
  })
  .map(({ calendarEra: { calendar, era }, ...g }) => {
    const at = (offset: number) => addDays(era.anchor, era.dir * offset);
    const ladder = g.sortLadder ? [...g.ladder].sort((a, b) => a - b) : g.ladder;
    const policy = {
      notifyAt: g.notifyAt,
      remindBefore: g.remindBefore,
      remindOnDue: g.remindOnDue,
      escalation: ladder.map((d, i) => ({
        afterBusinessDays: d,
        notify: (['owner', 'manager', 'sponsor', 'managers'] as const).slice(0, 1 + (i % 4)),
      })),
      ...(g.repeat !== undefined ? { repeatEveryBusinessDays: g.repeat } : {}),
    };
    return {
      program: {
        id: 'prop',
        title: titled('prop'),
        directive: { ref: 'T-1', issuer: 'MIC', issuedOn: at(g.issued) },
        timezone: g.zone,
        calendar,
        closedDates: g.closed.map(at),
        managers: ['suzuki'],
      },
      people: {
        suzuki: { name: 'Suzuki', email: 'suzuki@example.jp' },
        sato: { name: 'Sato', email: 'sato@example.jp', ...(g.manager ? { manager: g.manager } : {}) },
        tanaka: { name: 'Tanaka', email: 'tanaka@example.jp' },
        constructor: { name: 'Constructor', email: 'constructor@example.jp' },
      },
      policies: { [g.policyName]: policy },
      measures: g.measures.map((m) => ({
        id: m.id,
        title: titled(m.id),
        owner: m.owner,
        sponsor: 'tanaka',
        policy: g.policyRefOk ? g.policyName : 'toString',
        milestones: m.milestones.map(([id, ms], j) => ({
          id,
          title: titled(id),
          due: at(ms.due),
          ...(ms.owner ? { owner: ms.owner } : {}),
          ...(ms.forecast !== undefined ? { forecast: at(ms.forecast) } : {}),
          ...(ms.completed !== undefined
            ? { completed: { on: at(ms.completed), by: 'sato', evidence: 'ticket' } }
            : {}),
          dependsOn: j > 0 && ms.dependsOnPrevious ? [`${m.id}/${m.milestones[j - 1]?.[0] ?? ''}`] : [],
        })),
      })),
    };
  });

/** Every date of a plan, sorted. */
function datesOf(plan: Plan): string[] {
  return [
    plan.program.directive.issuedOn,
    ...plan.program.closedDates,
    ...plan.program.reports.map((r) => r.due),
    ...plan.measures.flatMap((m) =>
      m.milestones.flatMap((ms) => [
        ms.due,
        ...(ms.forecast ? [ms.forecast] : []),
        ...(ms.completed ? [ms.completed.on] : []),
      ]),
    ),
  ].sort();
}

describe('random plans (fast-check)', () => {
  it('validatePlan and parsePlanText never throw: a plan validates, or is refused with problems', () => {
    fc.assert(
      fc.property(planArb, (raw) => {
        const r = validatePlan(raw);
        if (!r.ok) expect(r.problems.length).toBeGreaterThan(0);
        const fromText = parsePlanText(stringify(raw));
        expect(fromText.ok).toBe(r.ok);
        if (!fromText.ok) expect(fromText.problems.length).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
  });

  it('every plan validate accepts simulates over its whole horizon, and plans from any instant, without an exception', () => {
    let accepted = 0;
    fc.assert(
      fc.property(planArb, fc.integer({ min: 0, max: 1000 }), (raw, probe) => {
        const r = validatePlan(raw);
        if (!r.ok) return;
        accepted++;
        const plan = r.plan;
        const zone = plan.program.timezone;
        const dates = datesOf(plan);
        const earliest = dates[0] ?? plan.program.directive.issuedOn;
        const latestDue =
          plan.measures
            .flatMap((m) => m.milestones.map((ms) => ms.due))
            .sort()
            .pop() ?? earliest;
        // Past the last due date with room for the whole ladder (260 business days and repeats), capped.
        const untilDate = addDays(latestDue, Math.min(800, LIMITS.simulateDays - daysBetween(earliest, latestDue)));
        const from = instantOf(earliest, '00:00', zone);
        const until = instantOf(untilDate, '00:00', zone);
        const events = simulate(plan, { from, until });
        for (let i = 1; i < events.length; i++)
          expect(events[i]?.ms).toBeGreaterThanOrEqual(events[i - 1]?.ms ?? -Infinity);
        // The planner's other entry points, at an arbitrary instant of the horizon.
        const t = from + Math.floor(((until - from) * probe) / 1000);
        for (const s of statesFromPlan(plan, from)) {
          nextNotificationAt(s, t);
          for (const ms of s.milestones) {
            scheduleEnd(s, ms);
            const it = milestoneNotifications(s, ms, t);
            for (let k = 0; k < 5 && !it.next().done; k++);
          }
        }
      }),
      { numRuns: 200 },
    );
    // The generator must reach valid plans often enough for the property to mean something.
    expect(accepted).toBeGreaterThan(40);
  });
});
