/**
 * The measure's state: everything one measure workflow knows, JSON-friendly (dates as ISO strings,
 * instants as epoch milliseconds) so it travels whole through continue-as-new and queries.
 */
import type { CalendarKind } from './calendar';
import type { LocalDate } from './dates';
import type { Lang, Localized, Person, Plan, PlanMeasure, Policy } from './plan';

/** Who a measure workflow needs to know about: the program's settings and the people it may notify. */
export interface ProgramContext {
  id: string;
  title: Localized;
  timezone: string;
  calendar: CalendarKind;
  closedDates: LocalDate[];
  language: Lang;
  managers: string[];
  comms: string[];
}

export interface Completion {
  on: LocalDate;
  at: number;
  by: string;
  evidence: string;
  /** Under `verification: required`: who confirmed the completion, and when. */
  verifiedBy?: string;
  verifiedAt?: number;
}

export interface Cancellation {
  at: number;
  by: string;
  reason: string;
}

/** A milestone's four dates (section 4) and what has happened to it. */
export interface MilestoneState {
  id: string;
  title: Localized;
  owner?: string;
  /** The owner as the plan file names it (a reassignment changes `owner`, not this). */
  planOwner?: string;
  originalDue: LocalDate;
  due: LocalDate;
  forecast?: LocalDate;
  completed?: Completion;
  /** A completion submitted under `verification: required`, waiting for a second person (the milestone is still open). */
  awaitingVerification?: Completion;
  /** The milestone's own `verification` (else the measure's). */
  verification?: 'required' | 'none';
  cancelled?: Cancellation;
  dependsOn: string[];
  /** Notifications before this instant are not sent (late start, amendment, an approved re-plan, or a gap). */
  scheduleFrom: number;
  /** Set (to the last date the calendar's data holds) once the engine recorded that this ladder had to stop there. */
  scheduleEnded?: LocalDate;
}

/** A re-plan waiting for a program manager. */
export interface PendingReplan {
  milestone: string;
  to: LocalDate;
  reason: string;
  requestedBy: string;
  requestedAt: number;
}

/** One entry of the change log (section 4). */
export interface ChangeEntry {
  seq: number;
  milestone: string;
  kind: 'acceleration' | 'extension';
  from: LocalDate;
  to: LocalDate;
  reason: string;
  requestedBy: string;
  requestedAt: number;
  decidedBy: string;
  decidedAt: number;
  decision: 'approved' | 'rejected';
}

/** Every accepted action, with its actor and time: the audit trail. */
export interface ActionRecord {
  seq: number;
  at: number;
  actor: string;
  kind: ActionKind;
  milestone?: string;
  details: Record<string, string>;
}

export type ActionKind =
  | 'created'
  | 'completed'
  | 'forecast'
  | 'replan-requested'
  | 'replanned'
  | 'replan-rejected'
  | 'cancelled'
  | 'reassigned'
  | 'amended'
  /** A completion under `verification: required`, waiting for confirmation. */
  | 'completion-submitted'
  | 'verified'
  | 'verification-rejected'
  /** The ladder of a milestone stopped because the business calendar's data ends (recorded by the engine). */
  | 'schedule-ended';

/** A notification as recorded after it was sent. */
export interface SentRecord {
  key: string;
  at: number;
  kind: NotificationKind;
  milestone: string;
  level: number;
  to: string[];
  /** Set when the mail could not be sent (after a day of retries) or had nobody to go to. */
  failed?: string;
}

/**
 * What the measure has sent, bounded whatever its age: the most recent records (the sent ledger of the
 * mail activity and the workflow history keep the rest), with counts over the measure's whole life.
 */
export interface NotificationLog {
  /** The newest records, oldest first; at most `LIMITS.recentNotifications`. */
  recent: SentRecord[];
  /** Notifications dealt with over the measure's life (sent or failed). */
  total: number;
  /** Of those, how many failed or had nobody to go to. */
  failed: number;
}

/** What a measure knows of a milestone in another measure it depends on. */
export interface DependencyInfo {
  due: LocalDate;
  forecast?: LocalDate;
  done: boolean;
}

/** The whole state of one measure. */
export interface MeasureState {
  program: ProgramContext;
  people: Record<string, Person>;
  policy: Policy;
  measure: Omit<PlanMeasure, 'milestones'>;
  /** The measure owner as the plan file names it (a reassignment changes `measure.owner`, not this). */
  planOwner: string;
  milestones: MilestoneState[];
  pending: PendingReplan[];
  changeLog: ChangeEntry[];
  /** The audit trail, newest last; at most `LIMITS.actions` (older ones are counted in `actionsDropped`). */
  actions: ActionRecord[];
  actionsDropped: number;
  notifications: NotificationLog;
  /** The watermark: every notification with `at < sentUntil` has been dealt with. */
  sentUntil: number;
  cancelled?: Cancellation;
  /** Milestones of other measures this one depends on, by `measure/milestone`. */
  external: Record<string, DependencyInfo>;
  /** Other measures that depend on this one's milestones: milestone id -> measure ids (told of every change). */
  dependents: Record<string, string[]>;
  startedAt: number;
  nextSeq: number;
  /**
   * The sha256 of the plan's definition of this measure (its `MeasureInit`) as last applied, so a
   * re-apply of an unchanged file recognises it from the visibility listing without asking the
   * workflow. Absent when the last change came from a client that did not send one.
   */
  planDigest?: string;
  /**
   * The signed mail links (src/links.ts) that have acted on this measure and have not expired yet:
   * each is accepted once. Absent until the first one is used.
   */
  usedLinks?: UsedLink[];
}

/** A mail link that has been used, kept until it expires. */
export interface UsedLink {
  id: string;
  exp: number;
}

export type NotificationKind = 'reminder' | 'escalation';

/** One notification the planner schedules: an email per event, with an idempotency key. */
export interface PlannedNotification {
  /** `measure/milestone/kind/level/date`: a retried send never goes out twice. */
  key: string;
  at: number;
  kind: NotificationKind;
  level: number;
  /** For escalations: true when this repeats the last level. For reminders: false. */
  repeat: boolean;
  /** True for the one catch-up escalation sent after a late start. */
  catchUp: boolean;
  measure: string;
  milestone: string;
  /** Person ids, de-duplicated, in role order. */
  to: string[];
}

/** Builds the program context a measure workflow carries. */
export function programContext(plan: Plan): ProgramContext {
  const p = plan.program;
  return {
    id: p.id,
    title: p.title,
    timezone: p.timezone,
    calendar: p.calendar,
    closedDates: p.closedDates,
    language: p.language,
    managers: p.managers,
    comms: p.comms,
  };
}

/** A recipient of a notification, resolved from the plan's people. */
export interface Recipient {
  id: string;
  name: string;
  email: string;
  lang: Lang;
}

/** Everything the mail activity needs to write one notification: self-contained, no lookups. */
export interface NotificationPayload {
  notification: PlannedNotification;
  /** `notification.at` as ISO 8601 with the program's offset. */
  atIso: string;
  /** The date of the notification in the program's time zone. */
  notifyDate: LocalDate;
  program: { id: string; title: Localized; timezone: string };
  measure: { id: string; title: Localized };
  milestone: { id: string; title: Localized; due: LocalDate; originalDue: LocalDate; forecast?: LocalDate };
  /** The person responsible for the milestone (milestone owner, else measure owner). */
  owner: { id: string; name: string };
  recipients: Recipient[];
  /** What happens next if nothing is done (the next notification the planner has for this milestone). */
  next?: { date: LocalDate; kind: NotificationKind; level: number; to: string[] };
}
