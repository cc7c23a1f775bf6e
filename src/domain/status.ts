/** Status derivation (design section 4): done, overdue, at-risk, on-track, from dates and dependencies. */
import { addDays, instantOf } from './dates';
import type { DependencyInfo, MeasureState, MilestoneState } from './model';
import { own } from './limits';
import { splitRef } from './refs';
import { ownDependencyInfo } from './program';

export type MilestoneStatus = 'done' | 'cancelled' | 'awaiting-verification' | 'overdue' | 'at-risk' | 'on-track';
export type MeasureStatus = MilestoneStatus;

const severity: Record<MilestoneStatus, number> = {
  'on-track': 0,
  'awaiting-verification': 1,
  'at-risk': 2,
  overdue: 3,
  done: -1,
  cancelled: -2,
};

/** The instant from which a milestone is overdue: 00:00 the day after its due date. */
function overdueFrom(state: MeasureState, ms: MilestoneState): number {
  return instantOf(addDays(ms.due, 1), '00:00', state.program.timezone);
}

/** What the measure knows of a dependency `measure/milestone` (its own milestones, or the `external` snapshot). */
function dependencyInfo(state: MeasureState, ref: string): DependencyInfo | undefined {
  const { measure, milestone } = splitRef(ref, state.measure.id);
  if (measure === state.measure.id) return ownDependencyInfo(state, milestone);
  return own(state.external, `${measure}/${milestone}`);
}

/** Dependencies of `ms` that threaten its date: not done, and due or forecast after its due date. */
export function dependencyRisks(state: MeasureState, ms: MilestoneState): string[] {
  return ms.dependsOn.filter((ref) => {
    const d = dependencyInfo(state, ref);
    return d !== undefined && !d.done && (d.due > ms.due || (d.forecast !== undefined && d.forecast > ms.due));
  });
}

/** The status of a milestone at instant `now`. */
export function milestoneStatus(state: MeasureState, ms: MilestoneState, now: number): MilestoneStatus {
  if (ms.completed) return 'done';
  if (ms.cancelled || state.cancelled) return 'cancelled';
  // Completed by its owner, waiting for a second person (segregation of duties): not done yet.
  if (ms.awaitingVerification) return 'awaiting-verification';
  if (now >= overdueFrom(state, ms)) return 'overdue';
  if ((ms.forecast !== undefined && ms.forecast > ms.due) || dependencyRisks(state, ms).length > 0) return 'at-risk';
  return 'on-track';
}

/** A measure is done when all its milestones are, cancelled if cancelled, else its worst milestone status. */
export function measureStatus(state: MeasureState, now: number): MeasureStatus {
  if (state.cancelled) return 'cancelled';
  const statuses = state.milestones.map((ms) => milestoneStatus(state, ms, now));
  const open = statuses.filter((s) => s !== 'done' && s !== 'cancelled');
  if (open.length === 0) return statuses.includes('done') ? 'done' : 'cancelled';
  return open.reduce((worst, s) => (severity[s] > severity[worst] ? s : worst));
}

/** The next instant at which a status may change by the clock alone (a due date passing), after `now`. */
export function nextStatusChangeAt(state: MeasureState, now: number): number | undefined {
  let best: number | undefined;
  for (const ms of state.milestones) {
    if (ms.completed || ms.cancelled || state.cancelled) continue;
    const t = overdueFrom(state, ms);
    if (t > now && (best === undefined || t < best)) best = t;
  }
  return best;
}

/** The earliest current due date among open milestones: the measure's next commitment. */
export function nextDue(state: MeasureState): string | undefined {
  const open = state.milestones.filter((ms) => !ms.completed && !ms.cancelled && !state.cancelled).map((ms) => ms.due);
  return open.sort()[0];
}
