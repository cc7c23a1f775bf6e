/** Read models of a measure: what `status` prints and what the workflow keeps in its memo. */
import type { Localized } from './plan';
import type { ActionKind, MeasureState } from './model';
import { milestoneOwner } from './planner';
import {
  dependencyRisks,
  measureStatus,
  milestoneStatus,
  nextDue,
  type MeasureStatus,
  type MilestoneStatus,
} from './status';

/** One milestone with its four dates and status. */
export interface MilestoneView {
  id: string;
  title: Localized;
  owner: string;
  originalDue: string;
  due: string;
  forecast: string | null;
  completedOn: string | null;
  status: MilestoneStatus;
  dependsOn: string[];
  dependencyRisks: string[];
  pendingReplan: { to: string; requestedBy: string; reason: string } | null;
  /** A completion waiting for a second person (`verification: required`). */
  awaitingVerification: { by: string; on: string; evidence: string } | null;
}

/** One measure as `status` shows it and the memo snapshot carries it. */
export interface MeasureView {
  program: string;
  measure: string;
  title: Localized;
  directiveItems: string[];
  owner: string;
  sponsor: string | null;
  status: MeasureStatus;
  nextDue: string | null;
  cancelled: { at: number; by: string; reason: string } | null;
  milestones: MilestoneView[];
}

/** The view of `state` at instant `now`. */
export function measureView(state: MeasureState, now: number): MeasureView {
  return {
    program: state.program.id,
    measure: state.measure.id,
    title: state.measure.title,
    directiveItems: state.measure.directiveItems,
    owner: state.measure.owner,
    sponsor: state.measure.sponsor ?? null,
    status: measureStatus(state, now),
    nextDue: nextDue(state) ?? null,
    cancelled: state.cancelled ?? null,
    milestones: state.milestones.map((ms) => {
      const p = state.pending.find((x) => x.milestone === ms.id);
      return {
        id: ms.id,
        title: ms.title,
        owner: milestoneOwner(state, ms),
        originalDue: ms.originalDue,
        due: ms.due,
        forecast: ms.forecast ?? null,
        completedOn: ms.completed?.on ?? null,
        status: milestoneStatus(state, ms, now),
        dependsOn: ms.dependsOn,
        dependencyRisks: dependencyRisks(state, ms),
        pendingReplan: p ? { to: p.to, requestedBy: p.requestedBy, reason: p.reason } : null,
        awaitingVerification: ms.awaitingVerification
          ? {
              by: ms.awaitingVerification.by,
              on: ms.awaitingVerification.on,
              evidence: ms.awaitingVerification.evidence,
            }
          : null,
      };
    }),
  };
}

/** What a Workflow Update returns: a small outcome, never the whole state. */
export interface UpdateOutcome {
  program: string;
  measure: string;
  status: MeasureStatus;
  /** The action the command recorded. */
  action: { seq: number; kind: ActionKind } | null;
  /** The milestone the command was about, as it stands now. */
  milestone: MilestoneView | null;
}

/** The outcome of a command on `state` about `milestone` (if any), at `now`. */
export function updateOutcome(state: MeasureState, now: number, milestone?: string): UpdateOutcome {
  const view = measureView(state, now);
  const last = state.actions.at(-1);
  return {
    program: view.program,
    measure: view.measure,
    status: view.status,
    action: last ? { seq: last.seq, kind: last.kind } : null,
    milestone: view.milestones.find((m) => m.id === milestone) ?? null,
  };
}
