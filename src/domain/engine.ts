/**
 * The engine's rules, shared by the measure workflow and `remediate simulate` so the two cannot
 * disagree: which notifications are due when the engine wakes (catching up after a gap the way a
 * late start does), what is recorded once they went out, when to wake next, and what dependent
 * measures are told. Pure and deterministic: the workflow runs it in its sandbox.
 */
import { dateOf, instantOf } from './dates';
import { LIMITS, own } from './limits';
import type { DependencyInfo, MeasureState, MilestoneState, NotificationPayload, PlannedNotification } from './model';
import { notificationPayload } from './notification';
import { compareNotifications, milestoneNotifications, nextNotificationAt, scheduleEnd } from './planner';
import { ownDependencyInfo } from './program';
import { record } from './reducer';

/** The actor of what the engine itself records. */
const ENGINE_ACTOR = 'system';

function dueOf(state: MeasureState, ms: MilestoneState, now: number): PlannedNotification[] {
  const out: PlannedNotification[] = [];
  // Closed before the watermark: nothing of it can be due any more (a notification at the closing instant was dealt with).
  const closedAt = Math.min(
    ms.completed?.at ?? Infinity,
    ms.cancelled?.at ?? Infinity,
    state.cancelled?.at ?? Infinity,
  );
  if (closedAt < state.sentUntil) return out;
  for (const n of milestoneNotifications(state, ms, state.sentUntil)) {
    if (n.at > now) break;
    out.push(n);
  }
  return out;
}

/**
 * The notifications to send when the engine wakes at `now`: every one with `sentUntil <= at <= now`,
 * ordered. A notification whose day has passed unsent (the worker was down, mail was retried for
 * hours) is never sent late: the milestone's schedule restarts at 00:00 today, exactly like a late
 * start, so only the latest missed escalation goes out, once, dated today (and not at all when a
 * regular notification falls on that slot). Changes `state` (the restarted schedules).
 */
export function dueNotifications(state: MeasureState, now: number): PlannedNotification[] {
  const zone = state.program.timezone;
  const startOfToday = instantOf(dateOf(now, zone), '00:00', zone);
  const out: PlannedNotification[] = [];
  for (const ms of state.milestones) {
    let due = dueOf(state, ms, now);
    if (due.some((n) => n.at < startOfToday)) {
      ms.scheduleFrom = Math.max(ms.scheduleFrom, startOfToday);
      due = dueOf(state, ms, now);
    }
    out.push(...due);
  }
  return out.sort(compareNotifications);
}

/** Every notification before `now` has been dealt with. */
export function markDealtWith(state: MeasureState, now: number): void {
  state.sentUntil = Math.max(state.sentUntil, now + 1);
}

/** Why a due notification cannot be sent at all (then it is recorded as skipped), or undefined. */
export function undeliverable(n: PlannedNotification): string | undefined {
  return n.to.length === 0 ? 'no recipients' : undefined;
}

/** What to do with a due notification: the mail activity's payload, or why nothing can be sent. */
export function deliveryOf(
  state: MeasureState,
  n: PlannedNotification,
): { payload: NotificationPayload } | { skipped: string } {
  const skipped = undeliverable(n);
  return skipped !== undefined ? { skipped } : { payload: notificationPayload(state, n) };
}

/** Records a notification that was sent (or failed, with the reason); the log keeps the newest only. */
export function recordNotification(state: MeasureState, n: PlannedNotification, failed?: string): void {
  const log = state.notifications;
  log.recent.push({
    key: n.key,
    at: n.at,
    kind: n.kind,
    milestone: n.milestone,
    level: n.level,
    to: n.to,
    ...(failed !== undefined ? { failed } : {}),
  });
  if (log.recent.length > LIMITS.recentNotifications)
    log.recent.splice(0, log.recent.length - LIMITS.recentNotifications);
  log.total++;
  if (failed !== undefined) log.failed++;
}

/**
 * Records, once per milestone, that its ladder stopped at `now` because the business calendar's data
 * ends (a jp calendar past 2050): escalation cannot be planned beyond it, and history says so.
 */
export function recordScheduleEnds(state: MeasureState, now: number): void {
  for (const ms of state.milestones) {
    if (ms.scheduleEnded !== undefined) continue;
    const end = scheduleEnd(state, ms);
    if (!end || end.at > now) continue;
    ms.scheduleEnded = end.date;
    record(state, now, ENGINE_ACTOR, 'schedule-ended', ms.id, {
      reason: `the business calendar's data ends after ${end.date}: no further reminders or escalations can be planned`,
    });
  }
}

/** The engine's next instant of work: the next notification, or a ladder reaching the calendar's end. */
export function nextEngineAt(state: MeasureState): number | undefined {
  let best = nextNotificationAt(state, state.sentUntil);
  for (const ms of state.milestones) {
    if (ms.scheduleEnded !== undefined) continue;
    const end = scheduleEnd(state, ms);
    if (end) {
      const at = Math.max(end.at, state.sentUntil);
      if (best === undefined || at < best) best = at;
    }
  }
  return best;
}

/** A change another measure must hear of: milestone `ref` of this measure now stands at `info`. */
export interface DependencyNews {
  measure: string;
  ref: string;
  info: DependencyInfo;
}

/** What the measures depending on `state` must be told after a change (of `milestone`, or of any). */
export function dependencyNews(state: MeasureState, milestone?: string): DependencyNews[] {
  const out: DependencyNews[] = [];
  for (const ms of state.milestones) {
    if (milestone !== undefined && ms.id !== milestone) continue;
    const info = ownDependencyInfo(state, ms.id);
    if (!info) continue;
    for (const measure of own(state.dependents, ms.id) ?? [])
      out.push({ measure, ref: `${state.measure.id}/${ms.id}`, info });
  }
  return out;
}

/** Applies news of a milestone this measure depends on; false (nothing changed) when it depends on no such milestone. */
export function applyDependencyNews(state: MeasureState, ref: string, info: DependencyInfo): boolean {
  if (own(state.external, ref) === undefined) return false;
  state.external[ref] = info;
  return true;
}

/** A state as an earlier version of the workflow carried it over continue-as-new (a list of every notification sent). */
interface LegacyState extends Omit<MeasureState, 'notifications' | 'sentUntil' | 'actionsDropped'> {
  sent?: Array<MeasureState['notifications']['recent'][number]>;
  notifications?: MeasureState['notifications'];
  sentUntil?: number;
  actionsDropped?: number;
}

/** The state a run resumes from: today's shape, also from an earlier version's `{ state, cursor }`. */
export function resumedState(raw: LegacyState, cursor?: number): MeasureState {
  const { sent, notifications, sentUntil, actionsDropped, ...rest } = raw;
  const recent = notifications?.recent ?? (sent ?? []).slice(-LIMITS.recentNotifications);
  return {
    ...rest,
    notifications: notifications ?? {
      recent,
      total: sent?.length ?? 0,
      failed: (sent ?? []).filter((s) => s.failed !== undefined).length,
    },
    sentUntil: sentUntil ?? cursor ?? rest.startedAt,
    actionsDropped: actionsDropped ?? 0,
  };
}

/** How far ahead `upcomingNotifications` looks (a year and a bit covers any reminder before a due date). */
const UPCOMING_HORIZON_MS = 400 * 86_400_000;

/**
 * The next `count` notifications the engine will send for `state`, in time order: the planner's from
 * the engine's own cursor (`sentUntil`), as `nextEngineAt` wakes the workflow for them. What `status`
 * and `remediate dev` show as "next".
 */
export function upcomingNotifications(state: MeasureState, count: number): PlannedNotification[] {
  const from = state.sentUntil;
  const out: PlannedNotification[] = [];
  for (const ms of state.milestones) {
    let k = 0;
    for (const n of milestoneNotifications(state, ms, from)) {
      if (n.at >= from + UPCOMING_HORIZON_MS || k++ >= count) break;
      out.push(n);
    }
  }
  return out.sort(compareNotifications).slice(0, count);
}
