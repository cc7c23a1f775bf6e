/**
 * The report track: the program's fixed deadlines to the regulator (`program.reports`), kept as the
 * milestones of one more measure-shaped state, `@reports`, that the program workflow holds. So a
 * report deadline is reminded and escalated exactly like a milestone (the same planner, engine and
 * reducer, under the program's policy, to the report's owner, their manager and the program's
 * managers as the ladder says), `simulate` shows it, and the regulator report says whether each
 * deadline was met. `@` cannot start a measure id, so the track never collides with a measure.
 */
import { own } from './limits';
import type { MeasureState } from './model';
import { programContext } from './model';
import { programPolicyName, type Person, type Plan, type PlanMeasure } from './plan';
import type { MeasureInit } from './program';
import { initialState, record } from './reducer';

/** The measure id of the report track. */
export const REPORT_TRACK = '@reports';

/** Its title, as reminders name it. */
export const REPORT_TRACK_TITLE = { ja: '規制当局への報告', en: 'Reports to the regulator' } as const;

/** The commands a report deadline takes: it is submitted (with evidence) or forecast; its date is the regulator's. */
export const REPORT_COMMANDS = ['complete', 'forecast'] as const;

/** The people the track may write to: report owners, their managers, the program's managers. */
function trackPeople(plan: Plan): Record<string, Person> {
  const ids = new Set<string>(plan.program.managers);
  for (const r of plan.program.reports) {
    ids.add(r.owner);
    const manager = own(plan.people, r.owner)?.manager;
    if (manager) ids.add(manager);
  }
  const out: Record<string, Person> = {};
  for (const id of [...ids].sort()) {
    const p = own(plan.people, id);
    if (p) out[id] = p;
  }
  return out;
}

/** The start input of the report track of `plan`; undefined when the plan has no reports. */
export function reportTrackInit(plan: Plan): MeasureInit | undefined {
  const reports = plan.program.reports;
  if (reports.length === 0) return undefined;
  const policyName = programPolicyName(plan);
  const policy = own(plan.policies, policyName);
  if (!policy) return undefined;
  const measure: PlanMeasure = {
    id: REPORT_TRACK,
    title: { ...REPORT_TRACK_TITLE },
    directiveItems: [],
    owner: plan.program.managers[0] ?? reports[0]?.owner ?? '',
    policy: policyName,
    verification: 'none',
    milestones: reports.map((r) => ({ id: r.id, title: r.title, due: r.due, owner: r.owner, dependsOn: [] })),
  };
  return { program: programContext(plan), people: trackPeople(plan), policy, measure, external: {}, dependents: {} };
}

/**
 * The report track after a new plan version at `now`: the new deadlines, keeping what happened to the
 * ones that stay (submissions, notifications, the watermark, the audit trail). A deadline whose date
 * the plan moved starts its reminders afresh from now; one the plan dropped is cancelled, not forgotten.
 */
export function mergedReportTrack(
  previous: MeasureState | null,
  init: MeasureInit | undefined,
  now: number,
  actor: string,
): MeasureState | null {
  if (!init) {
    if (!previous) return null;
    for (const ms of previous.milestones)
      if (!ms.completed && !ms.cancelled) ms.cancelled = { at: now, by: actor, reason: 'removed from the plan' };
    record(previous, now, actor, 'amended', undefined, { reports: '' });
    return previous;
  }
  const next = initialState({ ...init, startedAt: now, actor });
  if (!previous) return next;
  const before = new Map(previous.milestones.map((m) => [m.id, m]));
  for (const ms of next.milestones) {
    const old = before.get(ms.id);
    if (!old) continue;
    before.delete(ms.id);
    ms.originalDue = old.originalDue;
    if (old.completed) ms.completed = old.completed;
    if (old.forecast !== undefined && ms.forecast === undefined) ms.forecast = old.forecast;
    // A deadline brought back after a version dropped it starts afresh, like a new one.
    if (old.due === ms.due && !old.cancelled) {
      ms.scheduleFrom = old.scheduleFrom;
      if (old.scheduleEnded !== undefined) ms.scheduleEnded = old.scheduleEnded;
    }
  }
  // Deadlines the plan no longer has stay, cancelled: the regulator report still shows them.
  for (const old of before.values()) {
    next.milestones.push(
      old.completed || old.cancelled
        ? old
        : { ...old, cancelled: { at: now, by: actor, reason: 'removed from the plan' } },
    );
  }
  next.notifications = previous.notifications;
  next.sentUntil = previous.sentUntil;
  next.actions = previous.actions;
  next.actionsDropped = previous.actionsDropped;
  next.nextSeq = previous.nextSeq;
  next.startedAt = previous.startedAt;
  next.changeLog = previous.changeLog;
  record(next, now, actor, 'amended', undefined, { reports: next.milestones.map((m) => m.id).join(',') });
  return next;
}

/** A report deadline as the regulator report shows it. */
export interface ReportDeadline {
  id: string;
  title: { ja: string; en: string };
  due: string;
  owner: string;
  /** The date it was submitted, if it was. */
  submittedOn: string | null;
  /** `met`: submitted on or before the due date; `missed`: submitted late, or not submitted after it; `open`: not yet due. */
  outcome: 'met' | 'missed' | 'open' | 'cancelled';
  evidence: string | null;
}

/** The report deadlines of a track at `today` (the program's date). */
export function reportDeadlines(track: MeasureState | null, today: string): ReportDeadline[] {
  if (!track) return [];
  return track.milestones.map((ms) => {
    const submittedOn = ms.completed?.on ?? null;
    const outcome: ReportDeadline['outcome'] = ms.cancelled
      ? 'cancelled'
      : submittedOn !== null
        ? submittedOn <= ms.due
          ? 'met'
          : 'missed'
        : today > ms.due
          ? 'missed'
          : 'open';
    return {
      id: ms.id,
      title: ms.title,
      due: ms.due,
      owner: ms.owner ?? track.measure.owner,
      submittedOn,
      outcome,
      evidence: ms.completed?.evidence ?? null,
    };
  });
}
