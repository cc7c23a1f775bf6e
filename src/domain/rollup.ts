/**
 * The roll-up's rules (design section 8), pure and deterministic so the program and update workflows
 * run them in their sandbox:
 * - periods (`YYYY-MM` monthly, `YYYY-Www` weekly, in the program's time zone);
 * - the reporting state a measure publishes in its memo (what a roll-up reads from one listing);
 * - the baseline a published update keeps, from which the next one says what changed;
 * - the program's ledger of progress updates and the state machine of one update (draft, rejected,
 *   approved, published) with who may decide;
 * - when a waiting draft reminds comms, and when it escalates to the managers.
 */
import { DateTime } from 'luxon';
import { BusinessCalendar } from './calendar';
import { dateOf, instantOf, type LocalDate } from './dates';
import { LIMITS, own } from './limits';
import type { MeasureState, NotificationLog, ProgramContext } from './model';
import { programPolicyName, type Lang, type Person, type Plan, type Policy } from './plan';
import type { MeasureInit } from './program';
import { initialState } from './reducer';
import { mergedReportTrack, reportTrackInit } from './report-track';
import { problem, type Problem } from './problems';
import type { PublicMeasure, PublicMilestone, PublicProgram } from './reports/public';

// ---------------------------------------------------------------------------------------------
// Periods

export type Cadence = 'month' | 'week';

const PERIOD_RE = /^(\d{4})-(\d{2})$|^(\d{4})-W(\d{2})$/;

/** True for `YYYY-MM` (month 01-12) or `YYYY-Www` (an ISO week that exists). */
export function isPeriod(s: string): boolean {
  const m = PERIOD_RE.exec(s);
  if (!m) return false;
  if (m[1] !== undefined) return Number(m[2]) >= 1 && Number(m[2]) <= 12;
  const year = Number(m[3]);
  const week = Number(m[4]);
  return week >= 1 && week <= DateTime.fromObject({ weekYear: year, weekNumber: 1 }).weeksInWeekYear;
}

/** The first day of a period (`isPeriod`): the 1st of the month, or the Monday of the ISO week. */
export function periodStart(period: string): LocalDate {
  const m = PERIOD_RE.exec(period);
  if (!m) return period;
  if (m[1] !== undefined) return `${m[1]}-${m[2]}-01`;
  return (
    DateTime.fromObject(
      { weekYear: Number(m[3]), weekNumber: Number(m[4]), weekday: 1 },
      { zone: 'UTC' },
    ).toISODate() ?? period
  );
}

/** Orders periods by their first day, so monthly and weekly ones (a plan may change its cadence) mix right. */
export function comparePeriods(a: string, b: string): number {
  const x = periodStart(a);
  const y = periodStart(b);
  return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

/** The period containing instant `ms` in `zone`: `YYYY-MM` for monthly updates, the ISO week `YYYY-Www` for weekly. */
export function periodOf(ms: number, zone: string, every: Cadence): string {
  const t = DateTime.fromMillis(ms, { zone });
  return every === 'month' ? t.toFormat('yyyy-MM') : t.toFormat("kkkk-'W'WW");
}

// ---------------------------------------------------------------------------------------------
// The reporting state in a measure's memo

/**
 * What a measure publishes in its memo for the roll-up: its state, reduced to what the reports read.
 * The audit trail is dropped (only its length is kept), the notification log is cut to the escalation
 * records (the regulator report's escalation level) with counts of those records only, `people` to the
 * persons the state names, and the internal notes are left out. It is still a `MeasureState`, so the
 * report functions, the status rules and the public projection read it exactly as they read a live state.
 *
 * A reminder sent leaves it as it was (no report reads reminders or the whole-life counts), so the
 * measure workflow does not rewrite its memo and search attributes after every reminder: at a slot
 * shared by a thousand measures (the 09:00 burst) that is a thousand memo writes and visibility updates
 * the server does not have to make. `wholeLifeCounts` keeps the first version's log counts (the
 * notifications of the measure's whole life), for workflow histories recorded before that change.
 */
export function reportingState(state: MeasureState, opts: { wholeLifeCounts?: boolean } = {}): MeasureState {
  const named = new Set<string>([state.measure.owner, ...state.program.managers]);
  if (state.measure.sponsor) named.add(state.measure.sponsor);
  for (const ms of state.milestones) {
    if (ms.owner) named.add(ms.owner);
    if (ms.completed) named.add(ms.completed.by);
    if (ms.cancelled) named.add(ms.cancelled.by);
  }
  for (const c of state.changeLog) named.add(c.requestedBy).add(c.decidedBy);
  for (const p of state.pending) named.add(p.requestedBy);
  if (state.cancelled) named.add(state.cancelled.by);
  const people: Record<string, Person> = {};
  for (const id of [...named].sort()) {
    const p = own(state.people, id);
    if (p) people[id] = p;
  }
  const { internalNotes: _notes, ...measure } = state.measure;
  return {
    ...state,
    people,
    measure,
    actions: [],
    actionsDropped: state.actionsDropped + state.actions.length,
    notifications: escalationLog(state.notifications, opts.wholeLifeCounts ?? false),
    // The watermark moves at every wake; the reports do not read it, and the memo need not follow it.
    sentUntil: 0,
  };
}

/** The escalation records of `log`, counted (or with `log`'s whole-life counts). */
function escalationLog(log: NotificationLog, wholeLifeCounts: boolean): NotificationLog {
  const recent = log.recent.filter((n) => n.kind === 'escalation');
  if (wholeLifeCounts) return { ...log, recent };
  return { recent, total: recent.length, failed: recent.filter((n) => n.failed !== undefined).length };
}

// ---------------------------------------------------------------------------------------------
// Baselines

/** One milestone as a published update said it: what the next update compares with. */
export type BaselineMilestone = Pick<PublicMilestone, 'id' | 'due' | 'completedOn' | 'status'>;
/** One measure as a published update said it. */
export type BaselineMeasure = Pick<PublicMeasure, 'id' | 'status'> & { milestones: BaselineMilestone[] };
/** What a published update keeps so that the next can say what changed (`publicChanges` reads no more). */
export interface PublicBaseline {
  asOf: LocalDate;
  measures: BaselineMeasure[];
}

/** The baseline of a public projection: ids, committed dates, completion dates and statuses, nothing else. */
export function publicBaseline(p: PublicProgram): PublicBaseline {
  return {
    asOf: p.asOf,
    measures: p.measures.map((m) => ({
      id: m.id,
      status: m.status,
      milestones: m.milestones.map((ms) => ({
        id: ms.id,
        due: ms.due,
        completedOn: ms.completedOn,
        status: ms.status,
      })),
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// The program: its plan versions and its ledger of updates

export type UpdateStateName = 'compiling' | 'draft' | 'rejected' | 'approved' | 'published';

/** One progress update as the program's ledger holds it (`remediate update list`). */
export interface UpdateRecord {
  period: string;
  state: UpdateStateName;
  /** The revision of the draft (1 for the first compile, +1 for each recompile). */
  revision: number;
  /** Epoch milliseconds of the last change. */
  at: number;
  /** Who approved or rejected the current revision. */
  decidedBy?: string;
  /** The reason of a rejection. */
  reason?: string;
  publishedAt?: number;
  /** How many changes since the previous published update the current revision reports. */
  changes?: number;
}

/** What an update workflow tells its program about itself. */
export interface UpdateEvent {
  period: string;
  state: UpdateStateName;
  revision: number;
  at: number;
  by?: string;
  reason?: string;
  changes?: number;
  /** With `published`: where what the update said is kept, for the next one to compare with. */
  baseline?: BaselineRef;
}

/** A baseline kept as a file of its revision (`baseline.json`), and its sha256. */
export interface BaselineRef {
  file: string;
  sha256: string;
}

/** One applied version of the plan. */
export interface PlanVersion {
  version: string;
  at: number;
  by: string;
}

/** Everything the program settings the roll-up needs: the measures' context plus the directive and the cadence. */
export interface RollupProgram extends ProgramContext {
  directive: Plan['program']['directive'];
  updates: Plan['program']['updates'] | null;
  reports: Plan['program']['reports'];
  /** The name of the policy the program's own reminders follow. */
  policyName: string;
}

/** What `plan apply` gives the program workflow. */
export interface ProgramInit {
  program: RollupProgram;
  /** The people the program itself may write to: managers, comms, report owners. */
  people: Record<string, Person>;
  policy: Policy;
  /** sha256 of the plan as applied. */
  version: string;
  /** The report track's start input (see report-track.ts); null without reports. */
  reports: MeasureInit | null;
}

/** The program workflow's state. */
export interface ProgramState {
  program: RollupProgram;
  people: Record<string, Person>;
  policy: Policy;
  /** The applied versions, newest last (at most `PLAN_VERSIONS_KEPT`). */
  versions: PlanVersion[];
  /** Every progress update, by period (ascending). */
  updates: UpdateRecord[];
  /** The newest published update's baseline (kept as a file: at thousands of measures it is too big for history). */
  lastPublished: { period: string; baseline: BaselineRef } | null;
  /** The report deadlines, as the milestones of the report track (see report-track.ts). */
  reports: MeasureState | null;
}

/** Plan versions the program keeps in its state (the history keeps all). */
export const PLAN_VERSIONS_KEPT = 100;

/** The program workflow's input for `plan`, applied as `version`. */
export function programInit(plan: Plan, version: string): ProgramInit {
  const p = plan.program;
  const policyName = programPolicyName(plan);
  const policy = own(plan.policies, policyName);
  if (!policy) throw new Error(`unknown policy ${policyName}`);
  const ids = new Set([...p.managers, ...p.comms, ...p.reports.map((r) => r.owner)]);
  const people: Record<string, Person> = {};
  for (const id of [...ids].sort()) {
    const person = own(plan.people, id);
    if (person) people[id] = person;
  }
  return {
    program: {
      id: p.id,
      title: p.title,
      timezone: p.timezone,
      calendar: p.calendar,
      closedDates: p.closedDates,
      language: p.language,
      managers: p.managers,
      comms: p.comms,
      directive: p.directive,
      updates: p.updates ?? null,
      reports: p.reports,
      policyName,
    },
    people,
    policy,
    version,
    reports: reportTrackInit(plan) ?? null,
  };
}

/** The program's state when its workflow starts. */
export function initialProgramState(init: ProgramInit, at: number, by: string): ProgramState {
  return {
    program: init.program,
    people: init.people,
    policy: init.policy,
    versions: [{ version: init.version, at, by }],
    updates: [],
    lastPublished: null,
    reports: init.reports ? initialState({ ...init.reports, startedAt: at, actor: by }) : null,
  };
}

/** Why `actor` may not apply a new plan version to the running program (its managers decide). */
export function applyProblems(state: ProgramState, init: ProgramInit, actor: string): Problem[] {
  const out: Problem[] = [];
  if (init.program.id !== state.program.id)
    out.push(
      problem(
        'program.id',
        `this is program ${state.program.id}, not ${init.program.id}`,
        `このプログラムは ${state.program.id} です（${init.program.id} ではありません）`,
      ),
    );
  if (!state.program.managers.includes(actor))
    out.push(
      problem(
        '--as',
        `${actor} is not a manager of the running program ${state.program.id}`,
        `${actor} は実行中のプログラム ${state.program.id} の管理者ではありません`,
      ),
    );
  return out;
}

/** Applies a new plan version (checked by `applyProblems`); an unchanged version changes nothing. */
export function applyProgramInit(state: ProgramState, init: ProgramInit, at: number, by: string): boolean {
  if (state.versions.at(-1)?.version === init.version) return false;
  state.program = init.program;
  state.people = init.people;
  state.policy = init.policy;
  const merged = mergedReportTrack(state.reports, init.reports ?? undefined, at, by);
  // Kept as the same object: the notifier may be recording a send into it right now.
  if (state.reports && merged) Object.assign(state.reports, merged);
  else state.reports = merged;
  state.versions.push({ version: init.version, at, by });
  if (state.versions.length > PLAN_VERSIONS_KEPT) state.versions.splice(0, state.versions.length - PLAN_VERSIONS_KEPT);
  return true;
}

/** Records what an update workflow reported; the newest published baseline is kept for the next update. */
export function applyUpdateEvent(state: ProgramState, ev: UpdateEvent): void {
  let rec = state.updates.find((u) => u.period === ev.period);
  if (!rec) {
    rec = { period: ev.period, state: ev.state, revision: ev.revision, at: ev.at };
    state.updates.push(rec);
    state.updates.sort((a, b) => comparePeriods(a.period, b.period));
  }
  rec.state = ev.state;
  rec.revision = ev.revision;
  rec.at = ev.at;
  if (ev.state === 'approved' || ev.state === 'rejected') {
    if (ev.by !== undefined) rec.decidedBy = ev.by;
    else delete rec.decidedBy;
  }
  if (ev.state === 'rejected' && ev.reason !== undefined) rec.reason = ev.reason;
  else delete rec.reason;
  if (ev.state === 'draft' || ev.state === 'compiling') delete rec.decidedBy;
  if (ev.changes !== undefined) rec.changes = ev.changes;
  if (ev.state === 'published') {
    rec.publishedAt = ev.at;
    if (ev.baseline && (!state.lastPublished || comparePeriods(state.lastPublished.period, ev.period) <= 0))
      state.lastPublished = { period: ev.period, baseline: ev.baseline };
  }
}

/** The published update a compile of `period` compares with: the newest one published for an earlier period. */
export function baselineFor(state: ProgramState, period: string): { period: string; baseline: BaselineRef } | null {
  const last = state.lastPublished;
  return last && comparePeriods(last.period, period) < 0 ? last : null;
}

// ---------------------------------------------------------------------------------------------
// One update: its draft, the decision, the reminders

/** Who the update workflow knows of its program, from the compile. */
export interface UpdateContext {
  program: RollupProgram;
  people: Record<string, Person>;
  policy: Policy;
}

/** One compiled revision of an update, its documents and baseline kept outside history (claim check: path and hashes). */
export interface Revision {
  n: number;
  compiledAt: number;
  /** The directory holding the documents of this revision. */
  dir: string;
  /** sha256 of each file of `dir` (`ja.md`, `ja.html`, `en.md`, `en.html`, ...): what was approved is what is published. */
  files: Record<string, string>;
  measures: number;
  changes: number;
  /** The period of the published update it compares with, if any. */
  since: string | null;
}

/** The file of a revision that holds its baseline. */
export const BASELINE_FILE = 'baseline.json';

export interface Decision {
  decision: 'approve' | 'reject' | 'recompile';
  by: string;
  at: number;
  revision: number;
  reason?: string;
}

/** The update workflow's state. */
export interface UpdateState {
  program: string;
  period: string;
  state: UpdateStateName;
  context: UpdateContext | null;
  /** The current revision (older ones are in the history and on disk). */
  revision: Revision | null;
  decisions: Decision[];
  /** Reminders sent about the current revision. */
  reminders: number;
  /** When the current revision became the draft, on the workflow's clock: reminders count from it. */
  draftedAt?: number;
  publishedAt: number | null;
  /**
   * Who decides now, as the program last said (a plan applied after the compile may hand comms or
   * management over); absent: the compiled context's comms and managers.
   */
  deciders?: Deciders;
}

/** The people who may decide on an update: the program's comms and managers. */
export interface Deciders {
  managers: string[];
  comms: string[];
}

/** `raw` as deciders (the program's signal), or undefined when it is not one. */
export function parseDeciders(raw: unknown): Deciders | undefined {
  const r = raw as { managers?: unknown; comms?: unknown } | null;
  const ids = (v: unknown): v is string[] =>
    Array.isArray(v) &&
    v.length <= LIMITS.people &&
    v.every((x) => typeof x === 'string' && x.length <= LIMITS.idChars);
  if (!r || typeof r !== 'object' || !ids(r.managers) || !ids(r.comms)) return undefined;
  return { managers: [...r.managers], comms: [...r.comms] };
}

/** A decision as a person sends it (`remediate update approve|reject|compile`). */
export interface DecisionArgs {
  decision: 'approve' | 'reject' | 'recompile';
  actor: string;
  reason?: string;
  /**
   * The revision the person read and decided on (`--revision`, the approvals form): a decision on any
   * other revision than the current one is refused. Absent, the decision is on the current revision.
   */
  revision?: number;
}

const REASON_MAX = 2000;

/** Reads a decision's arguments; problems name the field. */
export function parseDecisionArgs(raw: unknown): { ok: true; args: DecisionArgs } | { ok: false; problems: Problem[] } {
  const out: Problem[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { ok: false, problems: [problem('', 'expected an object', 'オブジェクトではありません')] };
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r))
    if (!['decision', 'actor', 'reason', 'revision'].includes(k))
      out.push(problem(k, 'unknown field', '未知の項目です'));
  const decision = r.decision;
  if (decision !== 'approve' && decision !== 'reject' && decision !== 'recompile')
    out.push(problem('decision', 'must be approve, reject or recompile', 'approve・reject・recompile のいずれかです'));
  if (typeof r.actor !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,63}$/.test(r.actor))
    out.push(problem('--as', 'a person id is required', '人物 ID が必要です'));
  if (r.reason !== undefined && (typeof r.reason !== 'string' || r.reason.length > REASON_MAX))
    out.push(problem('--reason', `text of at most ${REASON_MAX} characters`, `${REASON_MAX} 文字以内の文字列です`));
  const revision = r.revision;
  if (
    revision !== undefined &&
    !(typeof revision === 'number' && Number.isInteger(revision) && revision >= 1 && revision <= LIMITS.revision)
  )
    out.push(
      problem(
        '--revision',
        `a revision number from 1 to ${LIMITS.revision}`,
        `1 から ${LIMITS.revision} までの版の番号です`,
      ),
    );
  if (out.length) return { ok: false, problems: out };
  return {
    ok: true,
    args: {
      decision: decision as DecisionArgs['decision'],
      actor: r.actor as string,
      ...(typeof r.reason === 'string' ? { reason: r.reason } : {}),
      ...(typeof revision === 'number' ? { revision } : {}),
    },
  };
}

/**
 * Why `args` cannot be taken on `state` now: comms or managers decide, a reject needs a reason, one
 * decision per draft, and a decision that names its revision is on the current one.
 */
export function decisionProblems(state: UpdateState, args: DecisionArgs): Problem[] {
  const ctx = state.context;
  const id = `${state.program}/${state.period}`;
  if (!ctx || !state.revision || state.state === 'compiling')
    return [
      problem(
        '',
        `update ${id} is being compiled: try again in a moment`,
        `更新 ${id} は作成中です。少し待ってからもう一度どうぞ`,
      ),
    ];
  const out: Problem[] = [];
  const { comms, managers } = state.deciders ?? ctx.program;
  if (!comms.includes(args.actor) && !managers.includes(args.actor))
    out.push(
      problem(
        '--as',
        `${args.actor} is neither comms nor a manager of ${state.program}: only they decide on its updates`,
        `${args.actor} は ${state.program} の広報担当でも管理者でもありません。更新を判断できるのはこの人たちだけです`,
      ),
    );
  if (state.state === 'published' || state.state === 'approved')
    out.push(
      problem(
        '',
        `update ${id} is already ${state.state}`,
        `更新 ${id} は既に${state.state === 'published' ? '公開' : '承認'}されています`,
      ),
    );
  else if (args.decision !== 'recompile' && state.state === 'rejected')
    out.push(
      problem(
        '',
        `revision ${state.revision.n} of ${id} was rejected: compile it again first (remediate update compile)`,
        `${id} の第 ${state.revision.n} 版は差し戻されました。先に作り直してください（remediate update compile）`,
      ),
    );
  // Whoever read revision n and decides on it must not approve or reject revision n+1 unread.
  if (args.revision !== undefined && args.revision !== state.revision.n)
    out.push(
      problem(
        '--revision',
        `revision ${args.revision} of ${id} was decided on, but the current revision is ${state.revision.n}: read r${state.revision.n} first`,
        `${id} の第 ${args.revision} 版への判断ですが、現在の版は第 ${state.revision.n} 版です。先に第 ${state.revision.n} 版を読んでください`,
      ),
    );
  if (args.decision === 'reject' && !(args.reason ?? '').trim())
    out.push(problem('--reason', 'a rejection needs a reason', '差し戻しには理由が必要です'));
  return out;
}

/** Takes a checked decision. */
export function applyDecision(state: UpdateState, args: DecisionArgs, at: number): void {
  const revision = state.revision?.n ?? 0;
  state.decisions.push({
    decision: args.decision,
    by: args.actor,
    at,
    revision,
    ...(args.reason !== undefined ? { reason: args.reason } : {}),
  });
  if (args.decision === 'approve') state.state = 'approved';
  else if (args.decision === 'reject') state.state = 'rejected';
  else state.state = 'compiling';
}

const calendars = new Map<string, BusinessCalendar>();
function calendarFor(p: ProgramContext): BusinessCalendar {
  const key = `${p.calendar}|${p.closedDates.join(',')}`;
  let cal = calendars.get(key);
  if (!cal) {
    if (calendars.size >= 16) calendars.clear();
    cal = new BusinessCalendar(p.calendar, p.closedDates);
    calendars.set(key, cal);
  }
  return cal;
}

/** A reminder about a waiting draft. */
export interface DraftReminder {
  at: number;
  /** 1 for the first reminder, and so on. */
  n: number;
  /** Person ids: comms, and the managers once the policy's ladder reaches beyond the owner. */
  to: string[];
}

/**
 * The `n`th reminder (from 1) about a draft compiled at `draftedAt` while nobody has decided: the
 * program policy's escalation ladder counted in business days from the draft's date, at its
 * `notifyAt`, then every `repeatEveryBusinessDays` after the last level. The draft's owners are the
 * comms team; a level that names anyone beyond the owner also writes to the managers. Without a
 * ladder, the first reminder comes after 2 business days and the next every `repeatEveryBusinessDays`
 * (default 2). Undefined when there is no `n`th reminder.
 */
export function draftReminder(ctx: UpdateContext, draftedAt: number, n: number): DraftReminder | undefined {
  if (n < 1) return undefined;
  const p = ctx.program;
  const ladder = ctx.policy.escalation.length
    ? ctx.policy.escalation
    : [{ afterBusinessDays: 2, notify: ['owner' as const] }];
  const repeat = ctx.policy.repeatEveryBusinessDays ?? (ctx.policy.escalation.length ? undefined : 2);
  const level = ladder[Math.min(n, ladder.length) - 1];
  if (!level) return undefined;
  let days: number;
  if (n <= ladder.length) days = level.afterBusinessDays;
  else if (repeat !== undefined) days = level.afterBusinessDays + (n - ladder.length) * repeat;
  else return undefined;
  const cal = calendarFor(p);
  const start = dateOf(draftedAt, p.timezone);
  const date = cal.addBusinessDays(start, days);
  if (date === undefined) return undefined;
  const beyondOwner = level.notify.some((r) => r !== 'owner');
  const to = [...new Set([...p.comms, ...(beyondOwner || p.comms.length === 0 ? p.managers : [])])];
  return { at: instantOf(date, ctx.policy.notifyAt, p.timezone), n, to };
}

/** A person as a message addresses them. */
export function recipientsOf(
  ctx: UpdateContext,
  ids: readonly string[],
): Array<{ id: string; name: string; email: string; lang: Lang }> {
  return ids.flatMap((id) => {
    const p = own(ctx.people, id);
    return p ? [{ id, name: p.name, email: p.email, lang: p.lang ?? ctx.program.language }] : [];
  });
}
