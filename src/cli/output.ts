/** Text output of the CLI for people (the `--json` forms print the same data as JSON). */
import { detailsText, historyOmitted, historyRecords, type HistoryRecord } from '../domain/history';
import type { MeasureState } from '../domain/model';
import type { SimEvent } from '../domain/simulate';
import { own } from '../domain/limits';
import type { UpdateRecord } from '../domain/rollup';
import type { MeasureView, UpdateOutcome } from '../domain/view';
import type { NextNotification } from './commands';

const statusLabel: Record<string, string> = {
  done: 'done 完了',
  cancelled: 'cancelled 中止',
  overdue: 'OVERDUE 期限超過',
  'at-risk': 'at-risk 要注意',
  'awaiting-verification': 'awaiting verification 確認待ち',
  'on-track': 'on-track 順調',
};

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => width(r[i] ?? '')))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c + ' '.repeat(Math.max(0, (widths[i] ?? 0) - width(c))))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `  next: 2026-12-03 09:00+09:00 reminder /head -> sato, tanaka`, or that nothing is planned. */
function nextLine(n: NextNotification | null): string {
  if (!n) return '    next: nothing planned / 次の通知: なし';
  const kind = n.kind === 'escalation' ? `escalation level ${n.level}` : n.kind;
  return `    next: ${n.at.replace('T', ' ')} ${kind} /${n.milestone} -> ${n.to.map((p) => p.id).join(', ') || '(nobody)'}`;
}

/** `remediate dev`'s "what happens next": the next slots, each with what it sends (at most `shown` lines a slot). */
export function renderNextSlots(
  slots: ReadonlyArray<{ at: string; notifications: ReadonlyArray<NextNotification & { measure: string }> }>,
  shown = 3,
): string {
  if (slots.length === 0) return 'next notifications: none planned / 予定された通知はありません';
  const lines = ['next notifications (nothing reaches the outbox before the first) / 次の通知:'];
  for (const slot of slots) {
    lines.push(`  ${slot.at.replace('T', ' ')}  ${slot.notifications.length} notification(s)`);
    for (const n of slot.notifications.slice(0, shown)) {
      const kind = n.kind === 'escalation' ? `escalation level ${n.level}` : n.kind;
      lines.push(`    ${kind} ${n.measure}/${n.milestone} -> ${n.to.map((p) => p.id).join(', ') || '(nobody)'}`);
    }
    if (slot.notifications.length > shown) lines.push(`    ... and ${slot.notifications.length - shown} more`);
  }
  return lines.join('\n');
}

/** Display width: East Asian wide characters take two columns. */
function width(s: string): number {
  let w = 0;
  for (const ch of s)
    w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch)
      ? 2
      : 1;
  return w;
}

/** The status table of a program. */
export function renderStatus(
  program: string,
  views: Array<MeasureView & { next?: NextNotification | null }>,
  lang: 'ja' | 'en',
): string {
  const rows = [['measure / milestone', 'status', 'original', 'due', 'forecast', 'completed', 'owner']];
  const nextLines = new Map<number, string>();
  for (const v of views) {
    rows.push([
      `${v.measure}  ${v.title[lang]}`,
      statusLabel[v.status] ?? v.status,
      '',
      v.nextDue ?? '',
      '',
      '',
      v.owner,
    ]);
    for (const m of v.milestones) {
      rows.push([
        `  /${m.id}  ${m.title[lang]}`,
        statusLabel[m.status] ?? m.status,
        m.originalDue,
        m.due,
        m.forecast ?? '',
        m.completedOn ?? '',
        m.owner +
          (m.pendingReplan ? `  (re-plan to ${m.pendingReplan.to} awaiting approval)` : '') +
          (m.dependencyRisks.length ? `  (depends on ${m.dependencyRisks.join(', ')})` : ''),
      ]);
    }
    if (v.next !== undefined) nextLines.set(rows.length - 1, nextLine(v.next));
  }
  // The next notification goes under its measure's rows, outside the table's columns.
  const lines = table(rows)
    .split('\n')
    .flatMap((line, i) => {
      const next = nextLines.get(i);
      return next === undefined ? [line] : [line, next];
    });
  return `program ${program}: ${views.length} measures\n${lines.join('\n')}`;
}

/**
 * The history of a measure: one line per record of `historyRecords` (actions, change-log decisions,
 * notifications with the recipients' addresses), in time order, after a line saying what the state no
 * longer holds.
 */
export function renderHistory(state: MeasureState): string {
  const omitted = historyOmitted(state);
  const log = state.notifications;
  const line = (r: HistoryRecord): string => {
    if (r.type === 'action')
      return `${r.at}  #${r.seq} ${r.kind}${r.milestone ? ` ${r.milestone}` : ''} by ${r.actor}  ${detailsText(r.details)}`;
    if (r.type === 'decision')
      return (
        `${r.at}  change #${r.seq} ${r.kind} ${r.milestone} ${r.from} -> ${r.to} ${r.decision} by ${r.actor}` +
        ` (requested by ${r.requestedBy} at ${r.requestedAt}: ${r.reason})`
      );
    const to = r.to.map((id) => own(state.people, id)?.email ?? id).join(', ');
    return `${r.at}  ${r.kind} L${r.level} ${r.milestone} -> ${to}${r.failed !== null ? `  FAILED: ${r.failed}` : ''}`;
  };
  const older = [
    omitted.actions ? `${omitted.actions} actions` : '',
    omitted.decisions ? `${omitted.decisions} decisions` : '',
    omitted.notifications ? `${omitted.notifications} notifications` : '',
  ].filter(Boolean);
  return [
    `history of ${state.program.id}/${state.measure.id}`,
    `notifications: ${log.total} in all, ${log.failed} failed; change log: ${state.changeLog.length + omitted.decisions}` +
      (older.length ? `; older records only in the workflow history: ${older.join(', ')}` : ''),
    ...historyRecords(state).map(line),
  ].join('\n');
}

/** One line per simulated event. */
export function renderEvents(events: SimEvent[]): string {
  return events
    .map((e) => {
      const target = `${e.measure}${e.milestone ? `/${e.milestone}` : ''}`;
      if (e.kind === 'reminder' || e.kind === 'escalation')
        return `${e.at}  ${e.kind.padEnd(10)}  L${e.level ?? 0}  ${target}  -> ${(e.to ?? []).join(', ')}`;
      const details = Object.entries(e.details ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      return `${e.at}  ${e.kind.padEnd(10)}      ${target}  by ${e.by ?? ''}  ${details}`;
    })
    .join('\n');
}

/** One line on the state a command left: the milestone's dates and status, or the measure's. */
export function renderOutcome(o: UpdateOutcome): string {
  const ms = o.milestone;
  if (!ms) return `${o.measure}: ${o.status}`;
  const parts = [
    `${o.measure}/${ms.id}: ${ms.status}; due ${ms.due} (original ${ms.originalDue})`,
    ms.forecast ? `, forecast ${ms.forecast}` : '',
    ms.completedOn ? `, completed ${ms.completedOn}` : '',
    ms.pendingReplan ? `, re-plan to ${ms.pendingReplan.to} awaiting approval / 承認待ち` : '',
  ];
  return parts.join('');
}

const updateStateLabel: Record<string, string> = {
  compiling: 'compiling 作成中',
  draft: 'draft 承認待ち',
  rejected: 'rejected 差し戻し',
  approved: 'approved 承認済み',
  published: 'published 公開済み',
};

/** The progress updates of a program (`remediate update list`). */
export function renderUpdates(program: string, updates: UpdateRecord[], _lang: 'ja' | 'en'): string {
  if (updates.length === 0) return `${program}: no progress update yet / 進捗更新はまだありません`;
  const rows = [['update', 'state', 'rev', 'changes', 'decided by', 'published', 'reason']];
  for (const u of updates)
    rows.push([
      `${program}/${u.period}`,
      updateStateLabel[u.state] ?? u.state,
      String(u.revision),
      u.changes === undefined ? '' : String(u.changes),
      u.decidedBy ?? '',
      u.publishedAt === undefined ? '' : new Date(u.publishedAt).toISOString().slice(0, 10),
      u.reason ?? '',
    ]);
  return table(rows);
}
