/**
 * The notification planner (design section 3): from a measure's state, which notifications go out
 * when. Pure and deterministic, so the measure workflow (timers) and `remediate simulate` run the
 * same code and cannot disagree.
 *
 * A milestone's schedule is a short head (reminders, then the escalation levels) and, when the policy
 * repeats, an arithmetic sequence of repeats in business days after the last level. Nothing is
 * produced outside the calendar's data: reminders before it are dropped and the ladder stops at its
 * end (`scheduleEnd` says where). Repeats are reached by index arithmetic on the calendar's business
 * day counts, so the cost of a question does not grow with the milestone's age.
 */
import { BusinessCalendar } from './calendar';
import { addDays, dateOf, instantOf, type LocalDate } from './dates';
import { own } from './limits';
import type { EscalationRole } from './plan';
import type { MeasureState, MilestoneState, NotificationKind, PlannedNotification } from './model';

interface Slot {
  at: number;
  date: LocalDate;
  kind: NotificationKind;
  level: number;
  repeat: boolean;
  roles: readonly EscalationRole[];
}

/** The repeats after the last level: repeat j (j >= 1) is `every * j` business days after `from`. */
interface Repeats {
  from: LocalDate;
  every: number;
  level: number;
  roles: readonly EscalationRole[];
}

/** A milestone's whole schedule as the state stands, before any filtering. */
interface Schedule {
  cal: BusinessCalendar;
  zone: string;
  notifyAt: string;
  /** Reminders and escalation levels that lie inside the calendar's data, in time order. */
  head: Slot[];
  repeats?: Repeats;
  /** True when a level of the ladder lies beyond the calendar's data (so were its repeats). */
  truncated: boolean;
}

const calendars = new Map<string, BusinessCalendar>();

/** The business calendar of a measure's program (cached: the planner asks it often). */
function calendarOf(state: MeasureState): BusinessCalendar {
  const { calendar, closedDates } = state.program;
  const key = `${calendar}|${closedDates.join(',')}`;
  let cal = calendars.get(key);
  if (!cal) {
    if (calendars.size >= 16) calendars.clear();
    cal = new BusinessCalendar(calendar, closedDates);
    calendars.set(key, cal);
  }
  return cal;
}

/** The person responsible for a milestone: its own owner, else the measure owner. */
export function milestoneOwner(state: MeasureState, ms: MilestoneState): string {
  return ms.owner ?? state.measure.owner;
}

/** Person ids behind escalation roles, de-duplicated in role order; a role with nobody behind it is skipped. */
export function resolveRoles(state: MeasureState, ms: MilestoneState, roles: readonly EscalationRole[]): string[] {
  const owner = milestoneOwner(state, ms);
  const out: string[] = [];
  const add = (id: string | undefined) => {
    if (id !== undefined && own(state.people, id) && !out.includes(id)) out.push(id);
  };
  for (const role of roles) {
    if (role === 'owner') add(owner);
    else if (role === 'manager') add(own(state.people, owner)?.manager);
    else if (role === 'sponsor') add(state.measure.sponsor);
    else for (const m of state.program.managers) add(m);
  }
  return out;
}

/**
 * Built schedules, per milestone object, valid while the milestone's due date and the state's policy
 * and program (by identity) are the same: the engine asks for them several times per wake-up.
 */
const schedules = new WeakMap<MilestoneState, { due: LocalDate; policy: object; program: object; sched: Schedule }>();

function scheduleOf(state: MeasureState, ms: MilestoneState): Schedule {
  const known = schedules.get(ms);
  if (known && known.due === ms.due && known.policy === state.policy && known.program === state.program)
    return known.sched;
  const sched = buildSchedule(state, ms);
  schedules.set(ms, { due: ms.due, policy: state.policy, program: state.program, sched });
  return sched;
}

function buildSchedule(state: MeasureState, ms: MilestoneState): Schedule {
  const cal = calendarOf(state);
  const { policy } = state;
  const zone = state.program.timezone;
  const notifyAt = policy.notifyAt;
  const slot = (
    date: LocalDate,
    kind: NotificationKind,
    level: number,
    repeat: boolean,
    roles: readonly EscalationRole[],
  ): Slot => ({ at: instantOf(date, notifyAt, zone), date, kind, level, repeat, roles });
  const head: Slot[] = [];
  const sched: Schedule = { cal, zone, notifyAt, head, truncated: false };
  if (cal.businessDaysBetween(ms.due, ms.due) === undefined) {
    // A due date outside the calendar's data (a validated plan has none): nothing can be planned.
    sched.truncated = policy.escalation.length > 0;
    return sched;
  }

  // Reminders: N calendar days before due, moved back to a business day; one per date; none before the data.
  const offsets = [...new Set(policy.remindBefore)];
  if (policy.remindOnDue) offsets.push(0);
  const reminderDates = new Set<LocalDate>();
  for (const n of offsets) {
    const date = cal.onOrBefore(addDays(ms.due, -n));
    if (date !== undefined) reminderDates.add(date);
  }
  for (const date of [...reminderDates].sort()) head.push(slot(date, 'reminder', 0, false, ['owner']));

  // Escalation levels, in business days after the due date; the ladder stops where the data ends.
  let last: Slot | undefined;
  for (const [i, level] of policy.escalation.entries()) {
    const date = cal.addBusinessDays(ms.due, level.afterBusinessDays);
    if (date === undefined) {
      sched.truncated = true;
      return sched;
    }
    last = slot(date, 'escalation', i + 1, false, level.notify);
    head.push(last);
  }
  const every = policy.repeatEveryBusinessDays;
  if (last && every !== undefined && Number.isInteger(every) && every >= 1)
    sched.repeats = { from: last.date, every, level: last.level, roles: last.roles };
  return sched;
}

/** Repeat `j` (j >= 1) of the schedule, or undefined when it lies beyond the calendar's data. */
function repeatSlot(sched: Schedule, r: Repeats, j: number): Slot | undefined {
  const date = sched.cal.addBusinessDays(r.from, r.every * j);
  if (date === undefined) return undefined;
  return {
    at: instantOf(date, sched.notifyAt, sched.zone),
    date,
    kind: 'escalation',
    level: r.level,
    repeat: true,
    roles: r.roles,
  };
}

/**
 * The first repeat index j >= 1 whose slot is at or after `t` or lies beyond the data; every repeat
 * before it is before `t`. Jumps by business day counts, then steps over at most a few days.
 */
function firstRepeatIndex(sched: Schedule, r: Repeats, t: number): number {
  let j = 1;
  if (t === Infinity) return Infinity;
  if (Number.isFinite(t)) {
    const tDate = dateOf(t, sched.zone);
    // Two days before t's date: a slot on or before it is certainly before t, whatever the zone does.
    const probe = tDate.length === 10 ? addDays(tDate, -2) : undefined;
    if (probe !== undefined && probe > r.from) {
      const until = probe < sched.cal.last ? probe : sched.cal.last;
      const k = sched.cal.businessDaysBetween(r.from, until);
      if (k !== undefined) j = Math.max(1, Math.floor(k / r.every));
    } else if (probe === undefined && t > 0) return Infinity; // far beyond any date the calendar knows
  }
  for (;;) {
    const s = repeatSlot(sched, r, j);
    if (s === undefined || s.at >= t) return j;
    j++;
  }
}

/** The slots of the schedule with `at >= t`, in time order. */
function* slotsAtOrAfter(sched: Schedule, t: number): Generator<Slot, void, undefined> {
  for (const s of sched.head) if (s.at >= t) yield s;
  const r = sched.repeats;
  if (!r) return;
  const first = firstRepeatIndex(sched, r, t);
  for (let j = first; Number.isFinite(j); j++) {
    const s = repeatSlot(sched, r, j);
    if (s === undefined) return;
    yield s;
  }
}

/** The latest slot of the schedule with `at < t`, if any. */
function lastSlotBefore(sched: Schedule, t: number): Slot | undefined {
  const r = sched.repeats;
  if (r) {
    const j = firstRepeatIndex(sched, r, t);
    if (j === Infinity) return lastRepeat(sched, r) ?? sched.head[sched.head.length - 1];
    if (j > 1) return repeatSlot(sched, r, j - 1);
  }
  let found: Slot | undefined;
  for (const s of sched.head) if (s.at < t) found = s;
  return found;
}

/** The last repeat inside the calendar's data, if any. */
function lastRepeat(sched: Schedule, r: Repeats): Slot | undefined {
  const k = sched.cal.businessDaysBetween(r.from, sched.cal.last);
  const j = k === undefined ? 0 : Math.floor(k / r.every);
  return j >= 1 ? repeatSlot(sched, r, j) : undefined;
}

/** The first notification slot (notifyAt on a business day) at or after instant `t`; undefined past the calendar's data. */
export function firstSlotAtOrAfter(state: MeasureState, t: number): number | undefined {
  const cal = calendarOf(state);
  const zone = state.program.timezone;
  const notifyAt = state.policy.notifyAt;
  const firstAt = instantOf(cal.first, '00:00', zone);
  const day = t <= firstAt ? cal.first : dateOf(t, zone);
  if (day.length !== 10) return undefined;
  let date = day < cal.first ? cal.onOrAfter(cal.first) : cal.onOrAfter(day);
  if (date === undefined) return undefined;
  let at = instantOf(date, notifyAt, zone);
  if (at < t) {
    date = cal.addBusinessDays(date, 1);
    if (date === undefined) return undefined;
    at = instantOf(date, notifyAt, zone);
  }
  return at;
}

/** When notifications of a milestone stop: completion or cancellation (of it or its measure). */
function stopsAt(state: MeasureState, ms: MilestoneState): number {
  return Math.min(ms.completed?.at ?? Infinity, ms.cancelled?.at ?? Infinity, state.cancelled?.at ?? Infinity);
}

/**
 * Where the schedule of an open milestone (not completed, not cancelled, measure not cancelled) is
 * cut by the end of the calendar's data, when it would go on (more escalation levels, or repeats):
 * `at` is the instant just after its last producible slot and `date` that slot's date; when no slot
 * at all is producible, `at` is 00:00 of the day after the data's last day and `date` that last day.
 * Undefined when the schedule ends by itself (or the milestone is closed).
 */
export function scheduleEnd(state: MeasureState, ms: MilestoneState): { at: number; date: LocalDate } | undefined {
  if (ms.completed || ms.cancelled || state.cancelled) return undefined;
  const sched = scheduleOf(state, ms);
  if (!sched.truncated && !sched.repeats) return undefined;
  const last = (sched.repeats && lastRepeat(sched, sched.repeats)) ?? sched.head[sched.head.length - 1];
  if (last) return { at: last.at + 1, date: last.date };
  return { at: instantOf(addDays(sched.cal.last, 1), '00:00', sched.zone), date: sched.cal.last };
}

function toNotification(
  state: MeasureState,
  ms: MilestoneState,
  s: Slot,
  at: number,
  catchUp: boolean,
): PlannedNotification {
  const date = catchUp ? dateOf(at, state.program.timezone) : s.date;
  return {
    key: `${state.measure.id}/${ms.id}/${s.kind}/${s.level}/${date}`,
    at,
    kind: s.kind,
    level: s.level,
    repeat: s.repeat,
    catchUp,
    measure: state.measure.id,
    milestone: ms.id,
    to: resolveRoles(state, ms, s.roles),
  };
}

/**
 * The notifications of one milestone with `at >= from`, in time order, as the state stands: slots
 * before `scheduleFrom` are dropped, except that when the latest dropped one is an escalation it is
 * sent once at the first slot at or after `scheduleFrom` (unless a regular slot falls there); nothing
 * after completion or cancellation. Exactly the full sequence filtered to `at >= from`, but it jumps
 * straight to `from`: the cost does not grow with the milestone's age.
 */
export function* milestoneNotifications(
  state: MeasureState,
  ms: MilestoneState,
  from = -Infinity,
): Generator<PlannedNotification, void, undefined> {
  const start = ms.scheduleFrom;
  const stop = stopsAt(state, ms);
  if (from > stop) return;
  const sched = scheduleOf(state, ms);
  const regular = slotsAtOrAfter(sched, Math.max(start, from));

  // The catch-up: the latest slot dropped before the start, sent at the first slot at or after it.
  const dropped = lastSlotBefore(sched, start);
  if (dropped?.kind === 'escalation') {
    const at = firstSlotAtOrAfter(state, start);
    if (at !== undefined && at >= from && at <= stop) {
      const firstRegular = slotsAtOrAfter(sched, start).next();
      const before = firstRegular.done ? Infinity : firstRegular.value.at;
      if (at < before) yield toNotification(state, ms, dropped, at, true);
    }
  }
  for (const s of regular) {
    if (s.at > stop) return;
    yield toNotification(state, ms, s, s.at, false);
  }
}

/** Every notification of the measure with `from <= at < until`, ordered by time, then milestone, then level. */
export function notificationsBetween(state: MeasureState, from: number, until: number): PlannedNotification[] {
  const out: PlannedNotification[] = [];
  for (const ms of state.milestones) {
    for (const n of milestoneNotifications(state, ms, from)) {
      if (n.at >= until) break;
      out.push(n);
    }
  }
  return out.sort(compareNotifications);
}

/** The instant of the measure's next notification at or after `t`, if any. */
export function nextNotificationAt(state: MeasureState, t: number): number | undefined {
  let best: number | undefined;
  for (const ms of state.milestones) {
    const r = milestoneNotifications(state, ms, t).next();
    if (!r.done && (best === undefined || r.value.at < best)) best = r.value.at;
  }
  return best;
}

/** Orders notifications by time, then measure, milestone and level. */
export function compareNotifications(a: PlannedNotification, b: PlannedNotification): number {
  return a.at - b.at || cmp(a.measure, b.measure) || cmp(a.milestone, b.milestone) || a.level - b.level;
}

/** Code-unit string order: the same on every machine, unlike locale collation. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
