/**
 * The history export (src/domain/history.ts): one list in time order of actions, change-log decisions
 * and notifications; the counts of what a bounded state no longer holds; and the CSV, read back
 * through csv-parse with hostile text (commas, quotes, line breaks, `;`, `\`, `=`, and cells that a
 * spreadsheet would run as formulas). Base plan: see fixtures.ts (auth-separation/head-company due
 * Mon 2025-03-31, owner sato, manager tanaka, program manager suzuki).
 */
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { recordNotification } from '../../src/domain/engine';
import { historyCsv, historyOmitted, historyRecords, type HistoryRecord } from '../../src/domain/history';
import type { MeasureState } from '../../src/domain/model';
import { validatePlan } from '../../src/domain/plan';
import { formatProblem } from '../../src/domain/problems';
import { initialState } from '../../src/domain/reducer';
import { REPORT_TRACK, reportTrackInit } from '../../src/domain/report-track';
import { accept, basePlan, between, iso, MEASURE, MILESTONE, rawPlan, stateAt, tokyo } from './fixtures';

const HOSTILE = 'a, "quoted" =1+2; x=y \\ back\r\nnext line';

/**
 * A measure with every kind of record: created; a re-plan requested by the owner and approved by the
 * manager (an action and a decision at the same instant); the reminders and escalations up to the
 * completion, one of them failed; a completion with hostile evidence.
 */
function richState(): MeasureState {
  const s = stateAt(basePlan(), '2025-01-06T10:00');
  accept(s, 'sato', '2025-03-10T10:00', { type: 'replan', milestone: MILESTONE, date: '2025-04-04', reason: HOSTILE });
  accept(s, 'suzuki', '2025-03-12T15:00', { type: 'approve-replan', milestone: MILESTONE });
  for (const n of between(s, '2025-01-06T10:00', '2025-04-10T00:00'))
    recordNotification(s, n, n.kind === 'escalation' ? 'SMTP 550, "mailbox full"' : undefined);
  accept(s, 'sato', '2025-04-09T11:00', { type: 'complete', milestone: MILESTONE, evidence: HOSTILE });
  return s;
}

/** The details cell read back: split on `; ` not preceded by `\`, then unescape. */
function readDetails(cell: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (cell === '') return out;
  for (const part of cell.split(/(?<!\\); /)) {
    const i = part.indexOf('=');
    out[part.slice(0, i)] = part.slice(i + 1).replace(/\\(.)/gs, '$1');
  }
  return out;
}

/** A cell read back: the formula guard's one leading `'` dropped. */
const unguard = (cell: string) => (cell.startsWith("'") ? cell.slice(1) : cell);

function readCsv(csv: string): Array<Record<string, string>> {
  return parse<Record<string, string>>(csv, { columns: true });
}

/** What a record's CSV row must say, from the record itself. */
function expectedRow(r: HistoryRecord) {
  const base = { at: r.at, type: r.type, kind: r.kind, measure: r.measure, milestone: r.milestone ?? '' };
  if (r.type === 'action')
    return { ...base, seq: String(r.seq), actor: r.actor, level: '', to: '', details: r.details };
  if (r.type === 'decision') {
    const { decision, from, to, reason, requestedBy, requestedAt } = r;
    return {
      ...base,
      seq: String(r.seq),
      actor: r.actor,
      level: '',
      to: '',
      details: { decision, from, to, reason, requestedBy, requestedAt },
    };
  }
  return {
    ...base,
    seq: '',
    actor: '',
    level: String(r.level),
    to: r.to.join('; '),
    details: { key: r.key, ...(r.failed !== null ? { failed: r.failed } : {}) },
  };
}

describe('historyRecords', () => {
  it('merges actions, decisions and notifications in time order, an action before the decision it made', () => {
    const records = historyRecords(richState());
    const instants = records.map((r) => Date.parse(r.at));
    expect(instants).toEqual([...instants].sort((a, b) => a - b));
    expect(new Set(records.map((r) => r.type))).toEqual(new Set(['action', 'decision', 'notification']));
    const approved = records.findIndex((r) => r.type === 'action' && r.kind === 'replanned');
    expect(records[approved + 1]).toMatchObject({ type: 'decision', at: records[approved]?.at });
    // Actions keep their sequence order.
    const seqs = records.flatMap((r) => (r.type === 'action' ? [r.seq] : []));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('gives every record its actor (none for a notification) and an ISO time with the program offset', () => {
    const records = historyRecords(richState());
    for (const r of records) expect(r.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$/);
    expect(records.find((r) => r.type === 'action' && r.kind === 'completed')).toEqual({
      type: 'action',
      at: iso(tokyo('2025-04-09T11:00')),
      seq: expect.any(Number) as number,
      kind: 'completed',
      measure: MEASURE,
      milestone: MILESTONE,
      actor: 'sato',
      details: { evidence: HOSTILE, on: '2025-04-09' },
    });
    expect(records.find((r) => r.type === 'decision')).toEqual({
      type: 'decision',
      at: '2025-03-12T15:00:00+09:00',
      seq: 1,
      kind: 'extension',
      measure: MEASURE,
      milestone: MILESTONE,
      actor: 'suzuki',
      decision: 'approved',
      from: '2025-03-31',
      to: '2025-04-04',
      reason: HOSTILE,
      requestedBy: 'sato',
      requestedAt: '2025-03-10T10:00:00+09:00',
    });
    const notifications = records.filter((r) => r.type === 'notification');
    expect(notifications.find((r) => r.kind === 'reminder')).toMatchObject({ level: 0, to: ['sato'], failed: null });
    expect(notifications.find((r) => r.kind === 'escalation')).toMatchObject({
      level: 1,
      to: ['sato', 'tanaka'],
      failed: 'SMTP 550, "mailbox full"',
      key: expect.stringMatching(/^auth-separation\/head-company\/escalation\/1\//) as string,
    });
    for (const n of notifications) expect(n).not.toHaveProperty('actor');
  });

  it('counts what the bounded state no longer holds', () => {
    const s = richState();
    expect(historyOmitted(s)).toEqual({ actions: 0, decisions: 0, notifications: 0 });
    const [first] = s.notifications.recent.splice(0, 1);
    expect(first).toBeDefined();
    s.actionsDropped = 7;
    s.changeLog.forEach((c) => (c.seq += 3));
    expect(historyOmitted(s)).toEqual({ actions: 7, decisions: 3, notifications: 1 });
    expect(historyRecords(s)).toHaveLength(s.actions.length + s.changeLog.length + s.notifications.recent.length);
  });
});

describe('historyCsv', () => {
  it('is RFC 4180 (CRLF, a header, one row per record) and reads back to the records', () => {
    const s = richState();
    const csv = historyCsv(s);
    expect(csv.split('\r\n')[0]).toBe('at,seq,type,kind,measure,milestone,actor,level,to,details');
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = readCsv(csv);
    const records = historyRecords(s);
    expect(rows).toHaveLength(records.length);
    rows.forEach((row, i) => {
      const r = records[i];
      if (!r) throw new Error('row without record');
      const read = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, unguard(v)]));
      expect({ ...read, details: readDetails(read.details ?? '') }).toEqual(expectedRow(r));
    });
  });

  it("writes details as key=value in key order, escaping ';' and '\\' so free text cannot forge a key", () => {
    const rows = readCsv(historyCsv(richState()));
    const completed = rows.find((r) => r.kind === 'completed');
    expect(completed?.details).toBe('evidence=a, "quoted" =1+2\\; x=y \\\\ back\r\nnext line; on=2025-04-09');
    expect(readDetails(completed?.details ?? '')).toEqual({ evidence: HOSTILE, on: '2025-04-09' });
  });

  it("prefixes with ' every cell a spreadsheet would run as a formula (= + - @ tab CR), and ' itself", () => {
    const s = richState();
    const hostile = ['=HYPERLINK("http://evil")', '+1+1', '-2+3', '@SUM(A1)', '\tx', '\rx', "'quoted"];
    s.actions.splice(
      1,
      0,
      ...hostile.map((actor, i) => ({ seq: 100 + i, at: s.startedAt, actor, kind: 'forecast' as const, details: {} })),
    );
    const rows = readCsv(historyCsv(s));
    const actors = rows.filter((r) => r.type === 'action').map((r) => r.actor ?? '');
    for (const h of hostile) expect(actors).toContain(`'${h}`);
    for (const row of rows)
      for (const cell of Object.values(row)) if (/^[=+\-@\t\r]/.test(cell)) throw new Error(`unguarded: ${cell}`);
    // Harmless leading characters stay as they are.
    expect(actors).toContain('sato');
  });

  it('exports the report track; its measure id @reports is guarded like any cell', () => {
    const raw = rawPlan();
    raw.program = {
      ...(raw.program as Record<string, unknown>),
      reports: [{ id: 'q1', title: { ja: '第1四半期', en: 'Q1' }, due: '2025-04-15', owner: 'sato' }],
    };
    const r = validatePlan(raw);
    if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
    const init = reportTrackInit(r.plan);
    if (!init) throw new Error('no report track');
    const track = initialState({ ...init, startedAt: tokyo('2025-01-06T10:00'), actor: 'suzuki' });
    accept(track, 'sato', '2025-04-14T10:00', { type: 'complete', milestone: 'q1', evidence: 'sent' });
    const records = historyRecords(track);
    expect(records.map((x) => [x.measure, x.kind])).toEqual([
      [REPORT_TRACK, 'created'],
      [REPORT_TRACK, 'completed'],
    ]);
    const rows = readCsv(historyCsv(track));
    expect(rows.map((x) => x.measure)).toEqual([`'${REPORT_TRACK}`, `'${REPORT_TRACK}`]);
  });
});
