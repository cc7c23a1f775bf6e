/**
 * The notification planner (design section 3): from a measure's state, which notifications go out
 * when. Pure and deterministic, so the measure workflow (timers) and `remediate simulate` run the
 * same code and cannot disagree.
 */
import { BusinessCalendar } from './calendar';
import { addDays, dateOf, instantOf, type LocalDate } from './dates';
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

const calendars = new Map<string, BusinessCalendar>();

/** The business calendar of a measure's program (cached: the planner asks it often). */
function calendarOf(state: MeasureState): BusinessCalendar {
  const { calendar, closedDates } = state.program;
  const key = `${calendar}|${closedDates.join(',')}`;
  let cal = calendars.get(key);
  if (!cal) {
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
    if (id !== undefined && state.people[id] && !out.includes(id)) out.push(id);
  };
  for (const role of roles) {
    if (role === 'owner') add(owner);
    else if (role === 'manager') add(state.people[owner]?.manager);
    else if (role === 'sponsor') add(state.measure.sponsor);
    else for (const m of state.program.managers) add(m);
  }
  return out;
}

/** Every slot of a milestone from its current due date, in time order, before any filtering. Infinite when repeats are set. */
function* rawSlots(state: MeasureState, ms: MilestoneState): Generator<Slot> {
  const cal = calendarOf(state);
  const { policy } = state;
  const zone = state.program.timezone;
  const slot = (
    date: LocalDate,
    kind: NotificationKind,
    level: number,
    repeat: boolean,
    roles: readonly EscalationRole[],
  ): Slot => ({
    at: instantOf(date, policy.notifyAt, zone),
    date,
    kind,
    level,
    repeat,
    roles,
  });

  // Reminders: N calendar days before due, moved back to a business day; one per date.
  const offsets = [...new Set(policy.remindBefore)];
  if (policy.remindOnDue) offsets.push(0);
  const reminderDates = new Set(offsets.map((n) => cal.onOrBefore(addDays(ms.due, -n))));
  for (const date of [...reminderDates].sort()) yield slot(date, 'reminder', 0, false, ['owner']);

  // Escalation levels, in business days after the due date.
  const levels = policy.escalation;
  let last: Slot | undefined;
  for (const [i, level] of levels.entries()) {
    last = slot(cal.addBusinessDays(ms.due, level.afterBusinessDays), 'escalation', i + 1, false, level.notify);
    yield last;
  }
  const every = policy.repeatEveryBusinessDays;
  if (!last || every === undefined) return;
  for (let date = cal.addBusinessDays(last.date, every); ; date = cal.addBusinessDays(date, every)) {
    yield slot(date, 'escalation', last.level, true, last.roles);
  }
}

/** The first notification slot (notifyAt on a business day) at or after instant `t`. */
export function firstSlotAtOrAfter(state: MeasureState, t: number): number {
  const cal = calendarOf(state);
  const zone = state.program.timezone;
  let date = cal.onOrAfter(dateOf(t, zone));
  let at = instantOf(date, state.policy.notifyAt, zone);
  if (at < t) {
    date = cal.addBusinessDays(date, 1);
    at = instantOf(date, state.policy.notifyAt, zone);
  }
  return at;
}

/** When notifications of a milestone stop: completion or cancellation (of it or its measure). */
function stopsAt(state: MeasureState, ms: MilestoneState): number {
  return Math.min(ms.completed?.at ?? Infinity, ms.cancelled?.at ?? Infinity, state.cancelled?.at ?? Infinity);
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
 * The notifications of one milestone, in time order, as the state stands: slots before
 * `scheduleFrom` are dropped, except that when the latest dropped one is an escalation it is sent
 * once at the first slot at or after `scheduleFrom`; nothing after completion or cancellation.
 */
export function* milestoneNotifications(
  state: MeasureState,
  ms: MilestoneState,
): Generator<PlannedNotification, void, undefined> {
  const start = ms.scheduleFrom;
  const stop = stopsAt(state, ms);
  let lastDropped: Slot | undefined;
  let started = false;
  const catchUp = (before: number): PlannedNotification | undefined => {
    if (lastDropped?.kind !== 'escalation') return undefined;
    const at = firstSlotAtOrAfter(state, start);
    return at < before && at <= stop ? toNotification(state, ms, lastDropped, at, true) : undefined;
  };
  for (const s of rawSlots(state, ms)) {
    if (s.at < start) {
      lastDropped = s;
      continue;
    }
    if (!started) {
      started = true;
      const c = catchUp(s.at);
      if (c) yield c;
    }
    if (s.at > stop) return;
    yield toNotification(state, ms, s, s.at, false);
  }
  if (!started) {
    const c = catchUp(Infinity);
    if (c) yield c;
  }
}

/** Every notification of the measure with `from <= at < until`, ordered by time, then milestone, then level. */
export function notificationsBetween(state: MeasureState, from: number, until: number): PlannedNotification[] {
  const out: PlannedNotification[] = [];
  for (const ms of state.milestones) {
    for (const n of milestoneNotifications(state, ms)) {
      if (n.at >= until) break;
      if (n.at >= from) out.push(n);
    }
  }
  return out.sort(compareNotifications);
}

/** The first notification of a milestone at or after `t`, if any. */
function nextMilestoneNotification(
  state: MeasureState,
  ms: MilestoneState,
  t: number,
): PlannedNotification | undefined {
  for (const n of milestoneNotifications(state, ms)) if (n.at >= t) return n;
  return undefined;
}

/** The instant of the measure's next notification at or after `t`, if any. */
export function nextNotificationAt(state: MeasureState, t: number): number | undefined {
  let best: number | undefined;
  for (const ms of state.milestones) {
    const n = nextMilestoneNotification(state, ms, t);
    if (n && (best === undefined || n.at < best)) best = n.at;
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
