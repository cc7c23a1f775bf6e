/**
 * The export of a measure's history (design section 9, issue 7 §2): every action with its actor, every
 * decision of the change log and every notification the state holds, as one list in time order, for
 * `remediate history --format json|csv`. Pure: the CLI reads the state and prints or writes the text.
 *
 * A state is bounded (LIMITS): it keeps the newest actions, change-log entries and notifications.
 * `historyOmitted` counts the older ones it no longer holds; they are in the measure workflow's history
 * in Temporal (the notifications also in the mail activity's sent ledger), not in this export.
 */
import { stringify } from 'csv-stringify/sync';
import { formatInstant, type LocalDate } from './dates';
import type { ActionKind, ChangeEntry, MeasureState, NotificationKind } from './model';
import { CSV_LIST_SEPARATOR } from './reports/regulator';

/** An accepted action of the audit trail. */
export interface ActionHistoryRecord {
  type: 'action';
  /** ISO 8601 with the program's offset. */
  at: string;
  /** The action's sequence number in the measure. */
  seq: number;
  kind: ActionKind;
  measure: string;
  milestone: string | null;
  actor: string;
  details: Record<string, string>;
}

/** A decided re-plan of the change log: `at` and `actor` are when and by whom it was decided. */
export interface DecisionHistoryRecord {
  type: 'decision';
  at: string;
  /** The change log's own sequence number (not an action's). */
  seq: number;
  kind: ChangeEntry['kind'];
  measure: string;
  milestone: string;
  actor: string;
  decision: ChangeEntry['decision'];
  from: LocalDate;
  to: LocalDate;
  reason: string;
  requestedBy: string;
  requestedAt: string;
}

/** A notification dealt with: sent, or failed with the reason. The tracker sends it: it has no actor. */
export interface NotificationHistoryRecord {
  type: 'notification';
  at: string;
  kind: NotificationKind;
  measure: string;
  milestone: string;
  /** 0 for a reminder, k for escalation level k. */
  level: number;
  /** Person ids. */
  to: string[];
  /** The idempotency key, as the mail activity's sent ledger holds it. */
  key: string;
  failed: string | null;
}

/** One entry of a measure's exported history. */
export type HistoryRecord = ActionHistoryRecord | DecisionHistoryRecord | NotificationHistoryRecord;

/** At the same instant an action comes first, then the decision it made, then notifications. */
const TYPE_ORDER = { action: 0, decision: 1, notification: 2 } as const;

/**
 * Every action, change-log decision and notification of `state`, ordered by time, then type (see
 * TYPE_ORDER), then sequence number within the type, then notification key.
 */
export function historyRecords(state: MeasureState): HistoryRecord[] {
  const zone = state.program.timezone;
  const iso = (ms: number) => formatInstant(ms, zone);
  const measure = state.measure.id;
  const keyed: Array<{ ms: number; seq: number; key: string; record: HistoryRecord }> = [];
  for (const a of state.actions)
    keyed.push({
      ms: a.at,
      seq: a.seq,
      key: '',
      record: {
        type: 'action',
        at: iso(a.at),
        seq: a.seq,
        kind: a.kind,
        measure,
        milestone: a.milestone ?? null,
        actor: a.actor,
        details: { ...a.details },
      },
    });
  for (const c of state.changeLog)
    keyed.push({
      ms: c.decidedAt,
      seq: c.seq,
      key: '',
      record: {
        type: 'decision',
        at: iso(c.decidedAt),
        seq: c.seq,
        kind: c.kind,
        measure,
        milestone: c.milestone,
        actor: c.decidedBy,
        decision: c.decision,
        from: c.from,
        to: c.to,
        reason: c.reason,
        requestedBy: c.requestedBy,
        requestedAt: iso(c.requestedAt),
      },
    });
  for (const s of state.notifications.recent)
    keyed.push({
      ms: s.at,
      seq: 0,
      key: s.key,
      record: {
        type: 'notification',
        at: iso(s.at),
        kind: s.kind,
        measure,
        milestone: s.milestone,
        level: s.level,
        to: [...s.to],
        key: s.key,
        failed: s.failed ?? null,
      },
    });
  keyed.sort(
    (x, y) =>
      x.ms - y.ms ||
      TYPE_ORDER[x.record.type] - TYPE_ORDER[y.record.type] ||
      x.seq - y.seq ||
      (x.key < y.key ? -1 : x.key > y.key ? 1 : 0),
  );
  return keyed.map((k) => k.record);
}

/** How many older records the state no longer holds (they are in the workflow history in Temporal). */
export interface HistoryOmitted {
  actions: number;
  /** Change-log entries are numbered from 1, so the first one kept tells how many went before it. */
  decisions: number;
  notifications: number;
}

/** The counts of records `historyRecords` cannot give, because the bounded state dropped them. */
export function historyOmitted(state: MeasureState): HistoryOmitted {
  return {
    actions: state.actionsDropped,
    decisions: Math.max(0, (state.changeLog[0]?.seq ?? 1) - 1),
    notifications: Math.max(0, state.notifications.total - state.notifications.recent.length),
  };
}

/** The CSV columns, in order. */
const HISTORY_CSV_HEADER = [
  'at',
  'seq',
  'type',
  'kind',
  'measure',
  'milestone',
  'actor',
  'level',
  'to',
  'details',
] as const;

/**
 * The details of a record as `key=value; key=value`, keys in alphabetical order. Keys are the code's
 * own names; in a value, `\` and `;` are written `\\` and `\;`, so free text (a reason, evidence)
 * cannot pass for another key.
 */
export function detailsText(details: Record<string, string>): string {
  return Object.entries(details)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v.replace(/[\\;]/g, (ch) => `\\${ch}`)}`)
    .join(CSV_LIST_SEPARATOR);
}

/** What a spreadsheet would read as a formula (OWASP "CSV injection"), and the text-prefix `'` itself. */
const FORMULA_START = /^[=+\-@\t\r']/;

/**
 * A cell as the CSV holds it: one starting with `= + - @`, a tab, a carriage return or `'` gets a
 * leading `'`, so a spreadsheet shows it as text and never runs it. A reader drops one leading `'`.
 */
export function csvCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

function csvRow(r: HistoryRecord): string[] {
  const seq = r.type === 'notification' ? '' : String(r.seq);
  const common = [r.at, seq, r.type, r.kind, r.measure, r.milestone ?? ''];
  if (r.type === 'action') return [...common, r.actor, '', '', detailsText(r.details)];
  if (r.type === 'decision') {
    const { decision, from, to, reason, requestedBy, requestedAt } = r;
    return [...common, r.actor, '', '', detailsText({ decision, from, to, reason, requestedBy, requestedAt })];
  }
  return [
    ...common,
    '',
    String(r.level),
    r.to.join(CSV_LIST_SEPARATOR),
    detailsText({ key: r.key, ...(r.failed !== null ? { failed: r.failed } : {}) }),
  ];
}

/**
 * The history as CSV (RFC 4180: CRLF line ends, a header row, then one row per record of
 * `historyRecords`, nothing else). Empty cells where a column does not apply (no actor for a
 * notification, no level or recipients for an action or a decision); recipients joined with `; `;
 * cells guarded against formulas by `csvCell`. What the state no longer holds is counted in the JSON
 * document only (`historyOmitted`).
 */
export function historyCsv(state: MeasureState): string {
  const rows = historyRecords(state).map((r) => csvRow(r).map(csvCell));
  return stringify([[...HISTORY_CSV_HEADER], ...rows], { record_delimiter: 'windows' });
}
