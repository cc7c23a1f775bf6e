/**
 * The confidential regulator report (design.md section 8, issue 6 §5): rows and change log of a small
 * program that went through a completion, an acceleration by a manager, an owner's extension that was
 * approved, a rejected re-plan, a pending re-plan, an overdue milestone that escalated and a
 * dependency risk; the CSV, JSON and Markdown renderings; and the ly-2024 example. The notifications
 * are produced by the engine rules the workflow uses (`dueNotifications`, `recordNotification`,
 * `markDealtWith`), the commands by the reducer, dependency news as the workflows pass it on.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { MeasureState } from '../../src/domain/model';
import { parsePlanText, validatePlan, type Plan } from '../../src/domain/plan';
import { formatProblem } from '../../src/domain/problems';
import {
  regulatorCsv,
  regulatorJson,
  regulatorMarkdown,
  regulatorReport,
  type RegulatorReport,
  type RegulatorRow,
} from '../../src/domain/reports/regulator';
import { statesFromPlan } from '../../src/domain/simulate';
import { basePlan, rawPlan, statesAt, tokyo, runEngine, step } from './fixtures';

const EXTENSION_REASON = 'Vendor delay, "phase 2" slipped\nContract signed 2025-04-09';
const PENDING_REASON = 'Test window | needs <two> weeks';

/** Two measures with real titles and directive items. */
function programPlan(): Plan {
  const raw = rawPlan({
    milestones: [
      { id: 'head-company', due: '2025-03-31' },
      { id: 'domestic', due: '2025-09-30' },
      { id: 'overseas', due: '2025-04-30', owner: 'ito' },
    ],
    measures: [
      {
        id: 'soc-migration',
        owner: 'nakamura',
        milestones: [{ id: 'contract-end', due: '2025-06-20', dependsOn: ['auth-separation/overseas'] }],
      },
    ],
  });
  const measures = raw.measures as Array<Record<string, unknown> & { milestones: Array<Record<string, unknown>> }>;
  const titles: Record<string, { ja: string; en: string }> = {
    'auth-separation': { ja: '認証基盤の分離', en: 'Separate the authentication infrastructure' },
    'head-company': { ja: '本社', en: 'Head company' },
    domestic: { ja: '国内子会社', en: 'Domestic subsidiaries' },
    overseas: { ja: '海外子会社', en: 'Overseas subsidiaries' },
    'soc-migration': { ja: 'SOC の国内移管', en: 'Move SOC Tier 1 to a domestic vendor' },
    'contract-end': { ja: '委託契約の終了', en: 'End the partner contract' },
  };
  for (const m of measures) {
    m.title = titles[m.id as string];
    m.directiveItems = m.id === 'auth-separation' ? ['(1)', '(2)'] : ['(1)'];
    for (const ms of m.milestones) ms.title = titles[ms.id as string];
  }
  const r = validatePlan(raw);
  if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.plan;
}

const NOW = '2025-06-10T12:00';

/** The program's states at NOW, after everything the report must tell. */
function programStates(): MeasureState[] {
  const states = statesAt(programPlan(), '2025-01-06T09:00');
  step(states, 'auth-separation', 'suzuki', '2025-02-03T10:00', {
    type: 'replan',
    milestone: 'domestic',
    date: '2025-08-29',
    reason: 'Vendor ready early',
  });
  step(states, 'auth-separation', 'sato', '2025-03-28T15:00', {
    type: 'complete',
    milestone: 'head-company',
    evidence: 'CHG-1234, "signed off"',
  });
  step(states, 'auth-separation', 'ito', '2025-04-10T11:00', {
    type: 'replan',
    milestone: 'overseas',
    date: '2025-05-30',
    reason: EXTENSION_REASON,
  });
  step(states, 'auth-separation', 'suzuki', '2025-04-11T09:30', { type: 'approve-replan', milestone: 'overseas' });
  step(states, 'auth-separation', 'ito', '2025-05-20T14:00', {
    type: 'replan',
    milestone: 'overseas',
    date: '2025-07-31',
    reason: 'Second slip',
  });
  step(states, 'auth-separation', 'suzuki', '2025-05-22T16:00', {
    type: 'reject-replan',
    milestone: 'overseas',
    reason: 'No further delay',
  });
  step(states, 'auth-separation', 'ito', '2025-05-26T10:00', {
    type: 'forecast',
    milestone: 'overseas',
    date: '2025-06-30',
  });
  step(states, 'auth-separation', 'sato', '2025-06-02T10:00', {
    type: 'replan',
    milestone: 'domestic',
    date: '2025-09-12',
    reason: PENDING_REASON,
  });
  runEngine(states, tokyo(NOW));
  return states;
}

const DIRECTIVE = { ref: '総基用第59号', issuer: 'MIC', issuedOn: '2024-04-16' };
const report = () => regulatorReport(programStates(), tokyo(NOW), { directive: DIRECTIVE });

const P = {
  suzuki: { id: 'suzuki', name: '鈴木 一郎' },
  sato: { id: 'sato', name: '佐藤 花子' },
  ito: { id: 'ito', name: '伊藤 四郎' },
  nakamura: { id: 'nakamura', name: '中村 六郎' },
  yamada: { id: 'yamada', name: '山田 三郎' },
};

const AUTH = {
  measureId: 'auth-separation',
  measureTitle: { ja: '認証基盤の分離', en: 'Separate the authentication infrastructure' },
  directiveItems: ['(1)', '(2)'],
};

const EXPECTED_ROWS: RegulatorRow[] = [
  {
    ...AUTH,
    milestoneId: 'head-company',
    milestoneTitle: { ja: '本社', en: 'Head company' },
    owner: P.sato,
    originalDue: '2025-03-31',
    due: '2025-03-31',
    forecast: null,
    completedOn: '2025-03-28',
    completedBy: P.sato,
    evidence: 'CHG-1234, "signed off"',
    status: 'done',
    escalationLevel: null,
    dependsOn: [],
    dependencyRisks: [],
    changes: [],
    pendingReplan: null,
    cancelled: null,
  },
  {
    ...AUTH,
    milestoneId: 'domestic',
    milestoneTitle: { ja: '国内子会社', en: 'Domestic subsidiaries' },
    owner: P.sato,
    originalDue: '2025-09-30',
    due: '2025-08-29',
    forecast: null,
    completedOn: null,
    completedBy: null,
    evidence: null,
    status: 'on-track',
    escalationLevel: null,
    dependsOn: [],
    dependencyRisks: [],
    changes: [
      {
        n: 1,
        seq: 1,
        type: 'acceleration',
        from: '2025-09-30',
        to: '2025-08-29',
        reason: 'Vendor ready early',
        requestedBy: P.suzuki,
        requestedAt: '2025-02-03T10:00:00+09:00',
        decidedBy: P.suzuki,
        decidedAt: '2025-02-03T10:00:00+09:00',
        decision: 'approved',
      },
    ],
    pendingReplan: {
      type: 'extension',
      to: '2025-09-12',
      reason: PENDING_REASON,
      requestedBy: P.sato,
      requestedAt: '2025-06-02T10:00:00+09:00',
    },
    cancelled: null,
  },
  {
    ...AUTH,
    milestoneId: 'overseas',
    milestoneTitle: { ja: '海外子会社', en: 'Overseas subsidiaries' },
    owner: P.ito,
    originalDue: '2025-04-30',
    due: '2025-05-30',
    forecast: '2025-06-30',
    completedOn: null,
    completedBy: null,
    evidence: null,
    status: 'overdue',
    // Level 1 went out on Mon 2025-06-02 and level 2 on Fri 2025-06-06 (1 and 5 business days after 05-30).
    escalationLevel: 2,
    dependsOn: [],
    dependencyRisks: [],
    changes: [
      {
        n: 1,
        seq: 2,
        type: 'extension',
        from: '2025-04-30',
        to: '2025-05-30',
        reason: EXTENSION_REASON,
        requestedBy: P.ito,
        requestedAt: '2025-04-10T11:00:00+09:00',
        decidedBy: P.suzuki,
        decidedAt: '2025-04-11T09:30:00+09:00',
        decision: 'approved',
      },
      {
        n: 2,
        seq: 3,
        type: 'extension',
        from: '2025-05-30',
        to: '2025-07-31',
        reason: 'Second slip',
        requestedBy: P.ito,
        requestedAt: '2025-05-20T14:00:00+09:00',
        decidedBy: P.suzuki,
        decidedAt: '2025-05-22T16:00:00+09:00',
        decision: 'rejected',
      },
    ],
    pendingReplan: null,
    cancelled: null,
  },
  {
    measureId: 'soc-migration',
    measureTitle: { ja: 'SOC の国内移管', en: 'Move SOC Tier 1 to a domestic vendor' },
    directiveItems: ['(1)'],
    milestoneId: 'contract-end',
    milestoneTitle: { ja: '委託契約の終了', en: 'End the partner contract' },
    owner: P.nakamura,
    originalDue: '2025-06-20',
    due: '2025-06-20',
    forecast: null,
    completedOn: null,
    completedBy: null,
    evidence: null,
    status: 'at-risk',
    escalationLevel: null,
    dependsOn: ['auth-separation/overseas'],
    // overseas is forecast for 2025-06-30, after contract-end's 2025-06-20.
    dependencyRisks: ['auth-separation/overseas'],
    changes: [],
    pendingReplan: null,
    cancelled: null,
  },
];

describe('regulatorReport', () => {
  it('has the program, its measures and one row per milestone, exactly', () => {
    const r = report();
    expect(r.program).toEqual({
      id: 'test-program',
      title: { ja: 'テスト', en: 'Test' },
      timezone: 'Asia/Tokyo',
      directive: DIRECTIVE,
    });
    expect(r.asOf).toBe('2025-06-10T12:00:00+09:00');
    expect(r.measures).toEqual([
      {
        id: 'auth-separation',
        title: AUTH.measureTitle,
        directiveItems: ['(1)', '(2)'],
        owner: P.sato,
        sponsor: P.yamada,
        status: 'overdue',
      },
      {
        id: 'soc-migration',
        title: EXPECTED_ROWS[3]?.measureTitle,
        directiveItems: ['(1)'],
        owner: P.nakamura,
        sponsor: null,
        status: 'at-risk',
      },
    ]);
    expect(r.rows).toEqual(EXPECTED_ROWS);
  });

  it('orders measures by id whatever the order of the states, and milestones as the measure has them', () => {
    const states = programStates().reverse();
    expect(regulatorReport(states, tokyo(NOW), { directive: DIRECTIVE })).toEqual(report());
    expect(regulatorReport(states, tokyo(NOW)).program.directive).toBeNull();
  });

  it('refuses no states and states of two programs', () => {
    expect(() => regulatorReport([], tokyo(NOW))).toThrow(/at least one measure/);
    const [a] = statesAt(basePlan(), '2025-01-06T09:00');
    const b = structuredClone(a as MeasureState);
    b.program = { ...b.program, id: 'other' };
    expect(() => regulatorReport([a as MeasureState, b], tokyo(NOW))).toThrow(/two programs/);
  });

  it('counts escalations since the current due date only, and only those that went out', () => {
    // head-company (due Mon 2025-03-31) escalates to level 2 on 2025-04-07, then is extended to 2025-04-15.
    const states = statesAt(basePlan(), '2025-03-01T09:00');
    const level = (at: string) => regulatorReport(states, tokyo(at)).rows[0]?.escalationLevel;
    runEngine(states, tokyo('2025-04-08T00:00'));
    expect(level('2025-04-08T00:00')).toBe(2);
    step(states, 'auth-separation', 'sato', '2025-04-08T10:00', {
      type: 'replan',
      milestone: 'head-company',
      date: '2025-04-15',
      reason: 'late vendor',
    });
    step(states, 'auth-separation', 'suzuki', '2025-04-08T11:00', {
      type: 'approve-replan',
      milestone: 'head-company',
    });
    expect(level('2025-04-08T12:00')).toBeNull(); // not overdue any more
    runEngine(states, tokyo('2025-04-16T08:00'));
    expect(level('2025-04-16T08:00')).toBe(0); // overdue since 00:00, the first level goes out at 09:00
    const early = regulatorReport(states, tokyo('2025-04-16T08:00'));
    expect(regulatorMarkdown(early, 'en')).toContain(
      '- head-company (Current 2025-04-15, Owner 佐藤 花子 (sato)): no escalation sent yet',
    );
    runEngine(states, tokyo('2025-04-16T12:00'));
    expect(level('2025-04-16T12:00')).toBe(1);
    const state = states[0] as MeasureState;
    const last = state.notifications.recent.at(-1);
    expect(last).toMatchObject({ kind: 'escalation', level: 1 });
    if (last) {
      last.failed = 'smtp down';
      expect(level('2025-04-16T12:00')).toBe(0);
    }
  });
});

/** What the CSV must hold for a row, written out here rather than taken from the module's column table. */
function expectedRecord(r: RegulatorRow): Record<string, string> {
  const change = (c: RegulatorRow['changes'][number]) =>
    `(${c.n}) [${c.type}] [${c.to}]: ${c.reason} (requested by ${c.requestedBy.name} on ${c.requestedAt}, ` +
    `decided by ${c.decidedBy.name} on ${c.decidedAt}, ${c.decision})`;
  const p = r.pendingReplan;
  return {
    measure_id: r.measureId,
    measure_title_ja: r.measureTitle.ja,
    measure_title_en: r.measureTitle.en,
    directive_items: r.directiveItems.join('; '),
    milestone_id: r.milestoneId,
    milestone_title_ja: r.milestoneTitle.ja,
    milestone_title_en: r.milestoneTitle.en,
    owner_id: r.owner.id,
    owner_name: r.owner.name,
    original_due: r.originalDue,
    current_due: r.due,
    forecast: r.forecast ?? '',
    completed_on: r.completedOn ?? '',
    completed_by_id: r.completedBy?.id ?? '',
    completed_by_name: r.completedBy?.name ?? '',
    evidence: r.evidence ?? '',
    status: r.status,
    escalation_level: r.escalationLevel === null ? '' : String(r.escalationLevel),
    depends_on: r.dependsOn.join('; '),
    dependency_risks: r.dependencyRisks.join('; '),
    changes: r.changes.map(change).join('; '),
    pending_replan: p
      ? `[${p.type}] [${p.to}]: ${p.reason} (requested by ${p.requestedBy.name} on ${p.requestedAt}, pending)`
      : '',
    cancelled: r.cancelled ? `${r.cancelled.at} by ${r.cancelled.by.name}: ${r.cancelled.reason}` : '',
  };
}

const parseCsv = (csv: string) => parse<Record<string, string>>(csv, { columns: true });

describe('regulatorCsv', () => {
  it('round-trips through csv-parse with every field of every row', () => {
    const r = report();
    const csv = regulatorCsv(r);
    const records = parseCsv(csv);
    expect(records).toEqual(r.rows.map(expectedRecord));
    expect(Object.keys(records[0] ?? {})).toEqual(Object.keys(expectedRecord(EXPECTED_ROWS[0] as RegulatorRow)));
  });

  it('writes the change column in the POA&M style, quoting commas, quotes and line breaks', () => {
    const csv = regulatorCsv(report());
    const overseas = parseCsv(csv).find((x) => x.milestone_id === 'overseas');
    expect(overseas?.changes).toBe(
      '(1) [extension] [2025-05-30]: Vendor delay, "phase 2" slipped\nContract signed 2025-04-09 ' +
        '(requested by 伊藤 四郎 on 2025-04-10T11:00:00+09:00, decided by 鈴木 一郎 on 2025-04-11T09:30:00+09:00, approved); ' +
        '(2) [extension] [2025-07-31]: Second slip ' +
        '(requested by 伊藤 四郎 on 2025-05-20T14:00:00+09:00, decided by 鈴木 一郎 on 2025-05-22T16:00:00+09:00, rejected)',
    );
    expect(overseas?.escalation_level).toBe('2');
    const domestic = parseCsv(csv).find((x) => x.milestone_id === 'domestic');
    expect(domestic?.changes).toBe(
      '(1) [acceleration] [2025-08-29]: Vendor ready early ' +
        '(requested by 鈴木 一郎 on 2025-02-03T10:00:00+09:00, decided by 鈴木 一郎 on 2025-02-03T10:00:00+09:00, approved)',
    );
    // The raw text quotes the cell and doubles the quotes inside it.
    expect(csv).toContain('"(1) [extension] [2025-05-30]: Vendor delay, ""phase 2"" slipped\nContract signed');
    expect(csv.split('\r\n')[0]).toBe(
      'measure_id,measure_title_ja,measure_title_en,directive_items,milestone_id,milestone_title_ja,' +
        'milestone_title_en,owner_id,owner_name,original_due,current_due,forecast,completed_on,completed_by_id,' +
        'completed_by_name,evidence,status,escalation_level,depends_on,dependency_risks,changes,pending_replan,cancelled',
    );
  });
});

describe('regulatorJson', () => {
  it('round-trips through JSON.parse', () => {
    const r = report();
    const json = regulatorJson(r);
    expect(JSON.parse(json) as RegulatorReport).toEqual(r);
    expect(json).toContain('\n  "program": {');
  });
});

describe('regulatorMarkdown', () => {
  const dates = (r: RegulatorReport) =>
    r.rows.flatMap((row) => [
      row.originalDue,
      row.due,
      ...(row.forecast ? [row.forecast] : []),
      ...(row.completedOn ? [row.completedOn] : []),
      ...row.changes.flatMap((c) => [c.from, c.to, c.requestedAt, c.decidedAt]),
      ...(row.pendingReplan ? [row.pendingReplan.to, row.pendingReplan.requestedAt] : []),
    ]);

  it.each(['ja', 'en'] as const)('(%s) holds every date and reason, with table cells escaped', (lang) => {
    const r = report();
    const md = regulatorMarkdown(r, lang);
    for (const d of dates(r)) expect(md).toContain(d);
    expect(md).toContain('Vendor delay, "phase 2" slipped<br>Contract signed 2025-04-09');
    expect(md).toContain('Test window \\| needs &lt;two&gt; weeks');
    expect(md).toContain('Second slip');
    expect(md).toContain('Vendor ready early');
    expect(md).toContain('CHG-1234, "signed off"');
    expect(md).toContain('auth-separation/overseas');
    expect(md).not.toContain('<two>');
    // Every table line has as many unescaped separators as its header.
    for (const block of md.split('\n\n')) {
      const lines = block.split('\n').filter((l) => l.startsWith('|'));
      const cells = (l: string) => l.replace(/\\\|/g, '').split('|').length;
      for (const l of lines) expect(cells(l)).toBe(cells(lines[0] ?? ''));
    }
  });

  it('names the overdue milestone with its level, and the words of its language', () => {
    const r = report();
    const en = regulatorMarkdown(r, 'en');
    const ja = regulatorMarkdown(r, 'ja');
    expect(en).toContain('- overseas (Current 2025-05-30, Owner 伊藤 四郎 (ito)): escalation level 2');
    expect(ja).toContain('- overseas (現在の期限 2025-05-30, 責任者 伊藤 四郎 (ito)): エスカレーション段階 2');
    expect(en).toContain('| 2 | overseas | extension | 2025-05-30 → 2025-07-31 | Second slip |');
    expect(ja).toContain('| 1 | domestic | 前倒し | 2025-09-30 → 2025-08-29 | Vendor ready early |');
    expect(en).toContain('# Regulator report (confidential): Test');
    expect(ja).toContain('# 規制当局向け報告（機密）: テスト');
    expect(en).toContain('- Directive: 総基用第59号 (MIC, 2024-04-16)');
  });
});

describe('the ly-2024 example', () => {
  const text = readFileSync(join(__dirname, '../../examples/ly-2024.yaml'), 'utf8');
  const parsed = parsePlanText(text, 'examples/ly-2024.yaml');
  if (!parsed.ok) throw new Error(parsed.problems.map(formatProblem).join('\n'));
  const plan = parsed.plan;

  it('renders in every format, one CSV row per milestone', () => {
    const states = statesFromPlan(plan, tokyo('2024-04-01T09:00'));
    runEngine(states, tokyo('2025-05-01T00:00'));
    const r = regulatorReport(states, tokyo('2025-05-01T00:00'), { directive: plan.program.directive });
    const milestones = plan.measures.flatMap((m) => m.milestones.map((ms) => `${m.id}/${ms.id}`));
    expect(r.rows.map((x) => `${x.measureId}/${x.milestoneId}`)).toEqual(
      [...milestones].sort((a, b) => {
        const [ma, mb] = [a.split('/')[0] ?? '', b.split('/')[0] ?? ''];
        return ma < mb ? -1 : ma > mb ? 1 : milestones.indexOf(a) - milestones.indexOf(b);
      }),
    );
    const records = parseCsv(regulatorCsv(r));
    expect(records).toHaveLength(milestones.length);
    expect(records).toEqual(r.rows.map(expectedRecord));
    expect(JSON.parse(regulatorJson(r))).toEqual(r);
    expect(regulatorMarkdown(r, 'ja')).toContain('総基用第59号');
    expect(regulatorMarkdown(r, 'en')).toContain('Response to the MIC administrative guidance');
    expect(r.rows.some((x) => x.status === 'overdue' && (x.escalationLevel ?? 0) > 0)).toBe(true);
  });
});
