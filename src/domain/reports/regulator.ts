/**
 * The confidential regulator report (design section 8, issue 6 §5): every milestone of the program
 * with its original, current, forecast and completion dates, the full change log with reasons,
 * requesters and deciders (acceleration and extension told apart), pending re-plans, the escalation
 * level an overdue milestone has reached, and the dependencies that threaten its date. Built from the
 * measures' states at an instant, then rendered as JSON, CSV (one row per milestone, the change column
 * in the POA&M style) and a document for managers (ja or en), written as Markdown and as HTML.
 *
 * Pure and deterministic: the same states and instant give the same bytes on every machine.
 */
import { stringify } from 'csv-stringify/sync';
import { csvCell } from '../history';
import { addDays, dateOf, formatInstant, instantOf, type LocalDate } from '../dates';
import { reportDeadlines, type ReportDeadline } from '../report-track';
import { own } from '../limits';
import type { ChangeEntry, MeasureState, MilestoneState } from '../model';
import type { Lang, Localized, Plan } from '../plan';
import { cmp } from '../planner';
import { dependencyRisks, milestoneStatus, type MeasureStatus, type MilestoneStatus } from '../status';
import { measureView } from '../view';
import {
  documentMarkdown,
  heading,
  list,
  paragraph,
  table,
  text,
  type Block,
  type Content,
  type MarkdownDialect,
  type MarkdownDocument,
} from './doc';

/** A person as the report names them: the plan's id and name (the id again when the plan no longer knows them). */
export interface RegulatorPerson {
  id: string;
  name: string;
}

/** The directive a program answers (the plan's `program.directive`). */
export type RegulatorDirective = Plan['program']['directive'];

/** One entry of a milestone's change log: a re-plan that was decided, approved or rejected. */
export interface RegulatorChange {
  /** Position in the milestone's change log, from 1 (the `(n)` of the CSV change column). */
  n: number;
  /** The measure-wide sequence number of the change log entry. */
  seq: number;
  /** `acceleration` (前倒し) moves the date earlier, `extension` (延期) later. */
  type: ChangeEntry['kind'];
  /** The due date when the re-plan was decided. */
  from: LocalDate;
  /** The date asked for (the new due date when approved). */
  to: LocalDate;
  reason: string;
  requestedBy: RegulatorPerson;
  /** ISO 8601 with the program's offset, e.g. `2025-04-10T11:00:00+09:00`. */
  requestedAt: string;
  decidedBy: RegulatorPerson;
  /** ISO 8601 with the program's offset. */
  decidedAt: string;
  decision: ChangeEntry['decision'];
}

/** A re-plan waiting for a program manager's decision. */
export interface RegulatorPendingReplan {
  /** Relative to the current due date. */
  type: ChangeEntry['kind'];
  to: LocalDate;
  reason: string;
  requestedBy: RegulatorPerson;
  /** ISO 8601 with the program's offset. */
  requestedAt: string;
}

/** One milestone of the program: the row of the CSV and of the Markdown milestone table. */
export interface RegulatorRow {
  measureId: string;
  measureTitle: Localized;
  /** The directive items the measure answers, as the plan names them. */
  directiveItems: string[];
  milestoneId: string;
  milestoneTitle: Localized;
  /** The person responsible: the milestone's owner, else the measure owner. */
  owner: RegulatorPerson;
  /** The date first committed (never overwritten). */
  originalDue: LocalDate;
  /** The current committed date (after approved re-plans). */
  due: LocalDate;
  forecast: LocalDate | null;
  completedOn: LocalDate | null;
  completedBy: RegulatorPerson | null;
  evidence: string | null;
  status: MilestoneStatus;
  /**
   * When `status` is `overdue`: the highest escalation level among the escalation notifications the
   * measure has recorded as sent (not failed) for this milestone since its current due date passed
   * (00:00 the day after it, in the program's time zone), 0 when none has gone out yet; otherwise
   * null. It is what was actually sent, not what the policy ladder says should have been: a late
   * start or an outage shows as the level that did go out. The measure keeps only its newest
   * notification records (`LIMITS.recentNotifications`), which always hold the latest ladder steps.
   */
  escalationLevel: number | null;
  /** Every dependency (`measure/milestone` or a milestone of the same measure), as the plan writes it. */
  dependsOn: string[];
  /** The dependencies that threaten the due date: not done, and due or forecast after it. */
  dependencyRisks: string[];
  /** The milestone's change log, oldest first. */
  changes: RegulatorChange[];
  pendingReplan: RegulatorPendingReplan | null;
  /** Set when the milestone or its whole measure was cancelled. */
  cancelled: { at: string; by: RegulatorPerson; reason: string } | null;
}

/** One measure of the program, for the headings of the Markdown. */
export interface RegulatorMeasure {
  id: string;
  title: Localized;
  directiveItems: string[];
  owner: RegulatorPerson;
  sponsor: RegulatorPerson | null;
  status: MeasureStatus;
}

/** The regulator report of a program at an instant. */
export interface RegulatorReport {
  program: {
    id: string;
    title: Localized;
    timezone: string;
    /** Null when the caller did not give it (the measures' states do not carry it). */
    directive: RegulatorDirective | null;
  };
  /** The instant the report describes, ISO 8601 with the program's offset. */
  asOf: string;
  /** Measures ordered by id. */
  measures: RegulatorMeasure[];
  /** One row per milestone: by measure id, then in the measure's milestone order. */
  rows: RegulatorRow[];
  /** The program's reporting deadlines (`program.reports`), in the plan's order. */
  deadlines: RegulatorDeadline[];
}

/** What the states cannot say by themselves. */
export interface RegulatorReportOptions {
  /** The directive of the program (the plan's `program.directive`). */
  directive?: RegulatorDirective;
  /** The program's report track (the program workflow's `reports`), for the report deadlines met or missed. */
  reports?: MeasureState | null;
}

/** One fixed reporting deadline to the regulator, and whether it was met. */
export interface RegulatorDeadline {
  id: string;
  title: Localized;
  due: LocalDate;
  owner: RegulatorPerson;
  submittedOn: LocalDate | null;
  /** `met`: submitted by the due date; `missed`: submitted late, or not submitted once it passed; `open`: not due yet. */
  outcome: ReportDeadline['outcome'];
  evidence: string | null;
}

function person(state: MeasureState, id: string): RegulatorPerson {
  return { id, name: own(state.people, id)?.name ?? id };
}

/** The highest escalation level sent for `ms` since its current due date passed (see `RegulatorRow.escalationLevel`). */
function escalationLevel(state: MeasureState, ms: MilestoneState): number {
  const zone = state.program.timezone;
  const since = instantOf(addDays(ms.due, 1), '00:00', zone);
  let level = 0;
  for (const n of state.notifications.recent) {
    if (n.kind === 'escalation' && n.milestone === ms.id && n.at >= since && n.failed === undefined)
      level = Math.max(level, n.level);
  }
  return level;
}

function rowOf(state: MeasureState, ms: MilestoneState, owner: string, now: number): RegulatorRow {
  const zone = state.program.timezone;
  const at = (ms: number) => formatInstant(ms, zone);
  const status = milestoneStatus(state, ms, now);
  const pending = state.pending.find((p) => p.milestone === ms.id);
  const cancelled = ms.cancelled ?? state.cancelled;
  const changes = state.changeLog
    .filter((c) => c.milestone === ms.id)
    .map((c, i): RegulatorChange => ({
      n: i + 1,
      seq: c.seq,
      type: c.kind,
      from: c.from,
      to: c.to,
      reason: c.reason,
      requestedBy: person(state, c.requestedBy),
      requestedAt: at(c.requestedAt),
      decidedBy: person(state, c.decidedBy),
      decidedAt: at(c.decidedAt),
      decision: c.decision,
    }));
  return {
    measureId: state.measure.id,
    measureTitle: state.measure.title,
    directiveItems: [...state.measure.directiveItems],
    milestoneId: ms.id,
    milestoneTitle: ms.title,
    owner: person(state, owner),
    originalDue: ms.originalDue,
    due: ms.due,
    forecast: ms.forecast ?? null,
    completedOn: ms.completed?.on ?? null,
    completedBy: ms.completed ? person(state, ms.completed.by) : null,
    evidence: ms.completed?.evidence ?? null,
    status,
    escalationLevel: status === 'overdue' ? escalationLevel(state, ms) : null,
    dependsOn: [...ms.dependsOn],
    dependencyRisks: dependencyRisks(state, ms),
    changes,
    pendingReplan: pending
      ? {
          type: pending.to < ms.due ? 'acceleration' : 'extension',
          to: pending.to,
          reason: pending.reason,
          requestedBy: person(state, pending.requestedBy),
          requestedAt: at(pending.requestedAt),
        }
      : null,
    cancelled: cancelled ? { at: at(cancelled.at), by: person(state, cancelled.by), reason: cancelled.reason } : null,
  };
}

/**
 * The regulator report of the program the `states` belong to, at instant `now`. Throws when there is
 * no state or the states belong to different programs.
 */
export function regulatorReport(
  states: readonly MeasureState[],
  now: number,
  opts: RegulatorReportOptions = {},
): RegulatorReport {
  const first = states[0];
  if (!first) throw new Error('a regulator report needs at least one measure');
  const other = states.find((s) => s.program.id !== first.program.id);
  if (other) throw new Error(`measures of two programs: ${first.program.id} and ${other.program.id}`);
  const sorted = [...states].sort((a, b) => cmp(a.measure.id, b.measure.id));
  const measures: RegulatorMeasure[] = [];
  const rows: RegulatorRow[] = [];
  for (const state of sorted) {
    const view = measureView(state, now);
    measures.push({
      id: view.measure,
      title: view.title,
      directiveItems: [...view.directiveItems],
      owner: person(state, view.owner),
      sponsor: view.sponsor !== null ? person(state, view.sponsor) : null,
      status: view.status,
    });
    state.milestones.forEach((ms, i) => rows.push(rowOf(state, ms, view.milestones[i]?.owner ?? view.owner, now)));
  }
  return {
    program: {
      id: first.program.id,
      title: first.program.title,
      timezone: first.program.timezone,
      directive: opts.directive ? { ...opts.directive } : null,
    },
    asOf: formatInstant(now, first.program.timezone),
    measures,
    rows,
    deadlines: deadlinesOf(opts.reports ?? null, now),
  };
}

function deadlinesOf(track: MeasureState | null, now: number): RegulatorDeadline[] {
  if (!track) return [];
  const t = track;
  return reportDeadlines(t, dateOf(now, t.program.timezone)).map((d) => ({
    ...d,
    owner: person(t, d.owner),
  }));
}

/** The report as pretty-printed JSON (two spaces, a final newline); `JSON.parse` gives the report back. */
export function regulatorJson(report: RegulatorReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** Lists in one CSV cell are joined with this. */
export const CSV_LIST_SEPARATOR = '; ';

/** A person in the CSV texts: the name (the id when the plan no longer knows them). */
const who = (p: RegulatorPerson) => p.name;

/**
 * One change in the POA&M style: `(n) [type] [date]: reason (requested by X on <ISO>, decided by Y on
 * <ISO>, approved|rejected)`, where date is the date asked for.
 */
export function formatChange(c: RegulatorChange): string {
  return (
    `(${c.n}) [${c.type}] [${c.to}]: ${c.reason} ` +
    `(requested by ${who(c.requestedBy)} on ${c.requestedAt}, decided by ${who(c.decidedBy)} on ${c.decidedAt}, ${c.decision})`
  );
}

/** A pending re-plan in the style of `formatChange`: `[type] [date]: reason (requested by X on <ISO>, pending)`. */
export function formatPendingReplan(p: RegulatorPendingReplan): string {
  return `[${p.type}] [${p.to}]: ${p.reason} (requested by ${who(p.requestedBy)} on ${p.requestedAt}, pending)`;
}

/** The CSV columns, in order, with the value of each for a row. */
export const REGULATOR_CSV_COLUMNS: ReadonlyArray<{ header: string; value: (r: RegulatorRow) => string }> = [
  { header: 'measure_id', value: (r) => r.measureId },
  { header: 'measure_title_ja', value: (r) => r.measureTitle.ja },
  { header: 'measure_title_en', value: (r) => r.measureTitle.en },
  { header: 'directive_items', value: (r) => r.directiveItems.join(CSV_LIST_SEPARATOR) },
  { header: 'milestone_id', value: (r) => r.milestoneId },
  { header: 'milestone_title_ja', value: (r) => r.milestoneTitle.ja },
  { header: 'milestone_title_en', value: (r) => r.milestoneTitle.en },
  { header: 'owner_id', value: (r) => r.owner.id },
  { header: 'owner_name', value: (r) => r.owner.name },
  { header: 'original_due', value: (r) => r.originalDue },
  { header: 'current_due', value: (r) => r.due },
  { header: 'forecast', value: (r) => r.forecast ?? '' },
  { header: 'completed_on', value: (r) => r.completedOn ?? '' },
  { header: 'completed_by_id', value: (r) => r.completedBy?.id ?? '' },
  { header: 'completed_by_name', value: (r) => r.completedBy?.name ?? '' },
  { header: 'evidence', value: (r) => r.evidence ?? '' },
  { header: 'status', value: (r) => r.status },
  { header: 'escalation_level', value: (r) => (r.escalationLevel === null ? '' : String(r.escalationLevel)) },
  { header: 'depends_on', value: (r) => r.dependsOn.join(CSV_LIST_SEPARATOR) },
  { header: 'dependency_risks', value: (r) => r.dependencyRisks.join(CSV_LIST_SEPARATOR) },
  { header: 'changes', value: (r) => r.changes.map(formatChange).join(CSV_LIST_SEPARATOR) },
  { header: 'pending_replan', value: (r) => (r.pendingReplan ? formatPendingReplan(r.pendingReplan) : '') },
  {
    header: 'cancelled',
    value: (r) => (r.cancelled ? `${r.cancelled.at} by ${who(r.cancelled.by)}: ${r.cancelled.reason}` : ''),
  },
];

/**
 * The report as CSV (RFC 4180: CRLF line ends, a header row, one row per milestone). Absent values
 * are empty cells; lists are joined with `; `; the `changes` column holds the milestone's change log
 * in the POA&M style of `formatChange`. Texts with commas, quotes or line breaks are quoted, and a
 * cell a spreadsheet would run as a formula (`= + - @`...) starts with `'` (see `csvCell`).
 */
export function regulatorCsv(report: RegulatorReport): string {
  const header = REGULATOR_CSV_COLUMNS.map((c) => c.header);
  const body = report.rows.map((r) => REGULATOR_CSV_COLUMNS.map((c) => csvCell(c.value(r))));
  return stringify([header, ...body], { record_delimiter: 'windows' });
}

const LABELS = {
  ja: {
    title: '規制当局向け報告（機密）',
    program: 'プログラム',
    directive: '指導',
    asOf: '基準日時',
    measure: '施策',
    owner: '責任者',
    sponsor: 'スポンサー',
    directiveItems: '指導項目',
    status: '状況',
    milestones: 'マイルストーン',
    milestone: 'マイルストーン',
    original: '当初期限',
    current: '現在の期限',
    forecast: '見込み',
    completed: '完了日',
    evidence: '証跡',
    changes: '変更履歴',
    noChanges: '変更はありません。',
    type: '種別',
    change: '変更',
    reason: '理由',
    requested: '申請',
    decided: '決定',
    decision: '判断',
    pending: '承認待ちの計画変更',
    overdue: '期限超過とエスカレーション',
    level: 'エスカレーション段階',
    notEscalated: 'エスカレーション未発信',
    risks: '依存関係のリスク',
    riskLine: (ms: string, refs: string) => `${ms} は ${refs} に依存しており、期限が危ぶまれています`,
    cancelled: '中止',
    none: '—',
    summary: '概要',
    count: '件数',
    deadlines: '報告期限',
    report: '報告',
    submitted: '提出日',
    outcome: '期限内か',
  },
  en: {
    title: 'Regulator report (confidential)',
    program: 'Program',
    directive: 'Directive',
    asOf: 'As of',
    measure: 'Measure',
    owner: 'Owner',
    sponsor: 'Sponsor',
    directiveItems: 'Directive items',
    status: 'Status',
    milestones: 'Milestones',
    milestone: 'Milestone',
    original: 'Original',
    current: 'Current',
    forecast: 'Forecast',
    completed: 'Completed',
    evidence: 'Evidence',
    changes: 'Change log',
    noChanges: 'No changes.',
    type: 'Type',
    change: 'Change',
    reason: 'Reason',
    requested: 'Requested',
    decided: 'Decided',
    decision: 'Decision',
    pending: 'Re-plans awaiting approval',
    overdue: 'Overdue and escalation',
    level: 'escalation level',
    notEscalated: 'no escalation sent yet',
    risks: 'Dependency risks',
    riskLine: (ms: string, refs: string) => `${ms} depends on ${refs}, which threaten its date`,
    cancelled: 'Cancelled',
    none: '—',
    summary: 'Summary',
    count: 'Milestones',
    deadlines: 'Reporting deadlines',
    report: 'Report',
    submitted: 'Submitted on',
    outcome: 'Met?',
  },
} as const;

const DEADLINE_WORDS: Record<Lang, Record<ReportDeadline['outcome'], string>> = {
  ja: { met: '期限内に提出', missed: '期限超過', open: '未到来', cancelled: '中止' },
  en: { met: 'met', missed: 'missed', open: 'not yet due', cancelled: 'cancelled' },
};

const WORDS: Record<Lang, Record<MilestoneStatus | ChangeEntry['kind'] | ChangeEntry['decision'], string>> = {
  ja: {
    done: '完了',
    'awaiting-verification': '確認待ち',
    overdue: '期限超過',
    'at-risk': '遅延リスク',
    'on-track': '順調',
    cancelled: '中止',
    acceleration: '前倒し',
    extension: '延期',
    approved: '承認',
    rejected: '却下',
  },
  en: {
    done: 'done',
    'awaiting-verification': 'awaiting verification',
    overdue: 'overdue',
    'at-risk': 'at risk',
    'on-track': 'on track',
    cancelled: 'cancelled',
    acceleration: 'acceleration',
    extension: 'extension',
    approved: 'approved',
    rejected: 'rejected',
  },
};

/** Text made inert for Markdown: HTML special characters as entities, so no text becomes markup. */
function inert(s: string): string {
  if (!/[&<>]/.test(s)) return s;
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A table cell: `|` escaped, line breaks as `<br>` (the only markup added), HTML in the text made inert. */
export function markdownCell(s: string): string {
  if (!/[&<>\\|\r\n]/.test(s)) return s;
  return inert(s)
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r\n|\r|\n/g, '<br>');
}

/** Line breaks, with the white space around them, as one space. */
function oneLine(s: string): string {
  return /[\r\n]/.test(s) ? s.replace(/\s*(\r\n|\r|\n)\s*/g, ' ') : s;
}

/** Running text (headings, list items): line breaks as spaces, HTML made inert. */
function line(s: string): string {
  if (!/[&<>\r\n]/.test(s)) return s;
  return inert(oneLine(s));
}

/**
 * The regulator report's Markdown: plan texts with HTML made inert and line breaks as spaces in
 * running text (`line`), as `<br>` in table cells (`markdownCell`); tables with a `---` delimiter row.
 *
 * Plan texts are not Markdown-escaped here, so markdown-it used to read `*x*` in a reason as emphasis,
 * `[a](b)` as a link, a backslash before punctuation as an escape, `~~x~~` as strikethrough and a
 * heading's closing `#`s as markup. The HTML is now written from the blocks, and it shows every plan
 * text literally, as written: that is intended. A line break in a cell is a `<br>` element in the HTML
 * (markdown-it, with raw HTML off, showed the `<br>` of the Markdown as text).
 */
const REGULATOR_DIALECT: MarkdownDialect = {
  text: line,
  shownText: oneLine,
  cell: markdownCell,
  shownCell: (s) => (s.includes('\r') ? s.replace(/\r\n?/g, '\n') : s),
  delimiter: (columns) => `|${Array.from({ length: columns }, () => '---').join('|')}|`,
};

/** A row of cells that are each a text, as `markdownCell` writes it. */
const textRow = (cells: string[]): Content[] => cells.map((s) => text(s));

/** A table whose every cell is a text. */
const textTable = (header: string[], rows: string[][]): Block => table(textRow(header), rows.map(textRow));

/** The rows of each measure, in their order. */
export function rowsByMeasure(rows: readonly RegulatorRow[]): Map<string, RegulatorRow[]> {
  const out = new Map<string, RegulatorRow[]>();
  for (const r of rows) {
    const list = out.get(r.measureId);
    if (list) list.push(r);
    else out.set(r.measureId, [r]);
  }
  return out;
}

const named = (p: RegulatorPerson) => (p.name === p.id ? p.id : `${p.name} (${p.id})`);

/**
 * The report for managers, in `lang`, as a document (see `doc.ts`): a summary by status, then per
 * measure its milestone table (original, current, forecast, completed, status), its change log, the
 * re-plans awaiting approval, the overdue milestones with their escalation level and the dependency
 * risks. `regulatorMarkdown` writes it as Markdown, `renderPublicHtml` (public.ts) as an HTML page.
 */
export function regulatorDocument(report: RegulatorReport, lang: Lang): MarkdownDocument {
  const L = LABELS[lang];
  const W = WORDS[lang];
  const out: Block[] = [];
  const p = report.program;
  out.push(heading(1, [`${L.title}: `, text(p.title[lang])]));
  const facts: Content[] = [[`${L.program}: `, text(p.id)]];
  if (p.directive)
    facts.push([`${L.directive}: `, text(`${p.directive.ref} (${p.directive.issuer}, ${p.directive.issuedOn})`)]);
  facts.push(`${L.asOf}: ${report.asOf}`);
  out.push(list(facts));

  const counts = new Map<MilestoneStatus, number>();
  for (const r of report.rows) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const statuses: MilestoneStatus[] = ['overdue', 'at-risk', 'awaiting-verification', 'on-track', 'done', 'cancelled'];
  out.push(heading(2, L.summary));
  out.push(
    textTable(
      [L.status, L.count],
      statuses.map((s) => [W[s], String(counts.get(s) ?? 0)]),
    ),
  );

  if (report.deadlines.length) {
    out.push(heading(2, L.deadlines));
    out.push(
      textTable(
        [L.report, L.current, L.submitted, L.outcome, L.owner],
        report.deadlines.map((d) => [
          `${d.title[lang]} (${d.id})`,
          d.due,
          d.submittedOn ?? L.none,
          DEADLINE_WORDS[lang][d.outcome],
          named(d.owner),
        ]),
      ),
    );
  }

  const byMeasure = rowsByMeasure(report.rows);
  for (const m of report.measures) {
    const rows = byMeasure.get(m.id) ?? [];
    out.push(heading(2, [`${L.measure} `, text(m.id), ': ', text(m.title[lang])]));
    const about: Content[] = [[`${L.owner}: `, text(named(m.owner))]];
    if (m.sponsor) about.push([`${L.sponsor}: `, text(named(m.sponsor))]);
    if (m.directiveItems.length) about.push([`${L.directiveItems}: `, text(m.directiveItems.join(', '))]);
    about.push(`${L.status}: ${W[m.status]}`);
    out.push(list(about));

    out.push(heading(3, L.milestones));
    out.push(
      textTable(
        [L.milestone, L.owner, L.original, L.current, L.forecast, L.completed, L.status, L.evidence],
        rows.map((r) => [
          `${r.milestoneId}: ${r.milestoneTitle[lang]}`,
          named(r.owner),
          r.originalDue,
          r.due,
          r.forecast ?? L.none,
          r.completedOn ?? L.none,
          r.status === 'cancelled' && r.cancelled
            ? `${W.cancelled} (${r.cancelled.at}, ${named(r.cancelled.by)}: ${r.cancelled.reason})`
            : W[r.status],
          r.evidence ?? L.none,
        ]),
      ),
    );

    out.push(heading(3, L.changes));
    const changes = rows.flatMap((r) => r.changes.map((c) => ({ r, c })));
    if (changes.length === 0) out.push(paragraph(L.noChanges));
    else
      out.push(
        textTable(
          ['#', L.milestone, L.type, L.change, L.reason, L.requested, L.decided, L.decision],
          changes.map(({ r, c }) => [
            String(c.n),
            r.milestoneId,
            W[c.type],
            `${c.from} → ${c.to}`,
            c.reason,
            `${named(c.requestedBy)}, ${c.requestedAt}`,
            `${named(c.decidedBy)}, ${c.decidedAt}`,
            W[c.decision],
          ]),
        ),
      );

    const pending = rows.filter((r) => r.pendingReplan);
    if (pending.length) {
      out.push(heading(3, L.pending));
      out.push(
        textTable(
          [L.milestone, L.type, L.change, L.reason, L.requested],
          pending.map((r) => {
            const q = r.pendingReplan as RegulatorPendingReplan;
            return [
              r.milestoneId,
              W[q.type],
              `${r.due} → ${q.to}`,
              q.reason,
              `${named(q.requestedBy)}, ${q.requestedAt}`,
            ];
          }),
        ),
      );
    }

    const overdue = rows.filter((r) => r.status === 'overdue');
    if (overdue.length) {
      out.push(heading(3, L.overdue));
      out.push(
        list(
          overdue.map((r) => [
            text(r.milestoneId),
            ` (${L.current} ${r.due}, ${L.owner} `,
            text(named(r.owner)),
            `): ${r.escalationLevel ? `${L.level} ${r.escalationLevel}` : L.notEscalated}`,
          ]),
        ),
      );
    }

    const risky = rows.filter((r) => r.dependencyRisks.length);
    if (risky.length) {
      out.push(heading(3, L.risks));
      out.push(list(risky.map((r) => text(L.riskLine(`${r.milestoneId} (${r.due})`, r.dependencyRisks.join(', '))))));
    }
  }
  return { dialect: REGULATOR_DIALECT, blocks: out };
}

/** The report for managers of `regulatorDocument` as Markdown. */
export function regulatorMarkdown(report: RegulatorReport, lang: Lang): string {
  return documentMarkdown(regulatorDocument(report, lang));
}
