/**
 * The public progress update (design section 8): the explicit projection, the changes between two
 * published updates, the Markdown and HTML in both languages, escaping of plan texts, and a property
 * that no internal field (people, emails, notes, evidence, reasons, forecasts, pending re-plans,
 * notifications) ever reaches any format.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { addDays } from '../../src/domain/dates';
import type { MeasureState } from '../../src/domain/model';
import { parsePlanText, validatePlan, type Plan } from '../../src/domain/plan';
import { milestoneOwner } from '../../src/domain/planner';
import { formatProblem } from '../../src/domain/problems';
import { renderSite } from '../../src/domain/reports/site';
import { PUBLIC_FILES, updateDocuments, updateTitle } from '../../src/domain/reports/update';
import { publicBaseline, reportingState } from '../../src/domain/rollup';
import { timelineChart } from '../../src/domain/reports/chart';
import {
  PUBLIC_WORDS,
  escapeMarkdown,
  publicChanges,
  publicDocument,
  publicProjection,
  renderPublicHtml,
  renderPublicMarkdown,
  type PublicProgram,
} from '../../src/domain/reports/public';
import { statesFromPlan } from '../../src/domain/simulate';
import { accept, rawPlan, statesAt, tokyo } from './fixtures';

/** A validated plan from the fixtures' raw plan, changed by `edit` (for fields the overrides do not cover). */
function planFrom(edit: (raw: { program: Record<string, unknown>; measures: Array<Record<string, unknown>> }) => void) {
  const raw = rawPlan() as { program: Record<string, unknown>; measures: Array<Record<string, unknown>> };
  edit(raw);
  const r = validatePlan(raw);
  if (!r.ok) throw new Error(`invalid test plan:\n${r.problems.map(formatProblem).join('\n')}`);
  return r.plan;
}

const t = (ja: string, en: string) => ({ ja, en });

/** Two measures: one under directive item (1) with a summary and internal notes, one without an item. */
function smallPlan(): Plan {
  return planFrom((raw) => {
    raw.measures = [
      {
        id: 'auth-separation',
        title: t('認証基盤の分離', 'Separate the authentication infrastructure'),
        publicSummary: t('認証基盤を分離します。', 'We separate the authentication infrastructure.'),
        internalNotes: 'vendor quote pending; ask tanaka',
        directiveItems: ['(1)'],
        owner: 'sato',
        sponsor: 'yamada',
        policy: 'standard',
        milestones: [
          { id: 'head-company', title: t('本体', 'Head company'), due: '2025-03-31' },
          {
            id: 'domestic',
            title: t('国内子会社', 'Domestic subsidiaries'),
            due: '2026-03-31',
            forecast: '2026-05-29',
          },
          { id: 'overseas', title: t('海外子会社', 'Overseas subsidiaries'), due: '2026-12-31', owner: 'ito' },
        ],
      },
      {
        id: 'soc',
        title: t('SOC の国内移管', 'Move SOC Tier 1 to a domestic vendor'),
        owner: 'sato',
        policy: 'standard',
        milestones: [
          {
            id: 'end-contract',
            title: t('委託契約の終了', 'End the contract'),
            due: '2024-10-31',
            completed: { on: '2024-10-25', by: 'sato', evidence: 'CHG-1234' },
          },
        ],
      },
    ];
  });
}

const START = '2025-01-06T09:00';
const NOW = tokyo('2025-01-10T12:00');

describe('publicProjection', () => {
  it('copies only the allow-listed fields, with public statuses', () => {
    const plan = smallPlan();
    const p = publicProjection(statesAt(plan, START), NOW, plan.program);
    expect(p).toEqual({
      id: 'test-program',
      title: { ja: 'テスト', en: 'Test' },
      directive: { ref: '総基用第59号', issuer: 'MIC', issuedOn: '2024-04-16' },
      asOf: '2025-01-10',
      measures: [
        {
          id: 'auth-separation',
          title: { ja: '認証基盤の分離', en: 'Separate the authentication infrastructure' },
          summary: { ja: '認証基盤を分離します。', en: 'We separate the authentication infrastructure.' },
          directiveItems: ['(1)'],
          status: 'in-progress',
          milestones: [
            {
              id: 'head-company',
              title: { ja: '本体', en: 'Head company' },
              originalDue: '2025-03-31',
              due: '2025-03-31',
              completedOn: null,
              status: 'in-progress',
            },
            {
              // at risk internally (forecast after due): the forecast is not public, so "in progress"
              id: 'domestic',
              title: { ja: '国内子会社', en: 'Domestic subsidiaries' },
              originalDue: '2026-03-31',
              due: '2026-03-31',
              completedOn: null,
              status: 'in-progress',
            },
            {
              id: 'overseas',
              title: { ja: '海外子会社', en: 'Overseas subsidiaries' },
              originalDue: '2026-12-31',
              due: '2026-12-31',
              completedOn: null,
              status: 'in-progress',
            },
          ],
        },
        {
          id: 'soc',
          title: { ja: 'SOC の国内移管', en: 'Move SOC Tier 1 to a domestic vendor' },
          summary: null,
          directiveItems: [],
          status: 'completed',
          milestones: [
            {
              id: 'end-contract',
              title: { ja: '委託契約の終了', en: 'End the contract' },
              originalDue: '2024-10-31',
              due: '2024-10-31',
              completedOn: '2024-10-25',
              status: 'completed',
            },
          ],
        },
      ],
    });
  });

  it('shares no object with the state (a later change of the state does not change the projection)', () => {
    const plan = smallPlan();
    const states = statesAt(plan, START);
    const p = publicProjection(states, NOW);
    const before = JSON.stringify(p);
    states[0]!.measure.title.en = 'changed';
    states[0]!.measure.directiveItems.push('(9)');
    states[0]!.milestones[0]!.title.ja = '変更';
    expect(JSON.stringify(p)).toBe(before);
  });

  it('without the plan program: id and title from the states, no directive', () => {
    const p = publicProjection(statesAt(smallPlan(), START), NOW);
    expect([p.id, p.title.en, p.directive]).toEqual(['test-program', 'Test', null]);
  });

  it('refuses states of another program and an empty call', () => {
    const plan = smallPlan();
    const states = statesAt(plan, START);
    expect(() => publicProjection(states, NOW, { ...plan.program, id: 'other' })).toThrow(/belongs to test-program/);
    expect(() => publicProjection([], NOW)).toThrow(/no measure states/);
  });

  it('projects the whole example program', () => {
    const r = parsePlanText(readFileSync('examples/ly-2024.yaml', 'utf8'));
    if (!r.ok) throw new Error('example plan invalid');
    const now = tokyo('2024-09-02T09:00');
    const p = publicProjection(statesFromPlan(r.plan, now), now, r.plan.program);
    expect(p.measures).toHaveLength(r.plan.measures.length);
    expect(p.directive).toEqual({ ref: '総基用第59号', issuer: 'MIC', issuedOn: '2024-04-16' });
    // Nobody of the plan, by id, name or email, is in it.
    const json = JSON.stringify(p);
    for (const [id, person] of Object.entries(r.plan.people)) {
      expect(json).not.toContain(person.name);
      expect(json).not.toContain(person.email);
      expect(json).not.toMatch(new RegExp(`"${id}"`));
    }
    for (const m of r.plan.measures) if (m.internalNotes) expect(json).not.toContain(m.internalNotes.slice(0, 20));
  });
});

/** A plan with one milestone per status, and the states after the commands that make them. */
function statusStates(): { plan: Plan; states: MeasureState[] } {
  const plan = planFrom((raw) => {
    raw.measures = [
      {
        id: 'm',
        title: t('施策', 'Measure'),
        directiveItems: ['(1)'],
        owner: 'sato',
        policy: 'standard',
        milestones: [
          { id: 'done', title: t('完了したもの', 'Done one'), due: '2025-03-31' },
          { id: 'open', title: t('進行中のもの', 'Open one'), due: '2025-06-30' },
          { id: 'late', title: t('遅れたもの', 'Late one'), due: '2024-12-27' },
          { id: 'moved', title: t('変更したもの', 'Moved one'), due: '2025-04-30' },
        ],
      },
      {
        id: 'gone',
        title: t('中止した施策', 'Cancelled measure'),
        directiveItems: ['(2)'],
        owner: 'sato',
        policy: 'standard',
        milestones: [{ id: 'x', title: t('X', 'X'), due: '2025-05-30' }],
      },
    ];
  });
  const states = statesAt(plan, START);
  const [m, gone] = states as [MeasureState, MeasureState];
  accept(m, 'sato', '2025-01-08T10:00', { type: 'complete', milestone: 'done', evidence: 'CHG-1' });
  accept(m, 'suzuki', '2025-01-08T10:00', { type: 'replan', milestone: 'moved', date: '2025-09-30', reason: 'r' });
  accept(gone, 'suzuki', '2025-01-08T10:00', { type: 'cancel', reason: 'r' });
  return { plan, states };
}

describe('public statuses', () => {
  const { plan, states } = statusStates();
  const p = publicProjection(states, NOW, plan.program);

  it('are completed, in progress, delayed, rescheduled and cancelled', () => {
    expect(p.measures.map((m) => [m.id, m.status, m.milestones.map((ms) => ms.status)])).toEqual([
      ['m', 'delayed', ['completed', 'in-progress', 'delayed', 'rescheduled']],
      ['gone', 'cancelled', ['cancelled']],
    ]);
  });

  it('a measure is rescheduled when its worst open milestone is, and delayed wins over rescheduled', () => {
    const { states: s2 } = statusStates();
    accept(s2[0]!, 'suzuki', '2025-01-09T10:00', {
      type: 'replan',
      milestone: 'late',
      date: '2025-02-28',
      reason: 'r',
    });
    const q = publicProjection(s2, NOW);
    expect(q.measures[0]!.status).toBe('rescheduled');
    expect(q.measures[0]!.milestones.map((ms) => ms.status)).toEqual([
      'completed',
      'in-progress',
      'rescheduled',
      'rescheduled',
    ]);
    // Once the new date has passed too, it is delayed again.
    expect(publicProjection(s2, tokyo('2025-03-03T09:00')).measures[0]!.milestones[2]!.status).toBe('delayed');
  });

  it('are written in plain words in both languages', () => {
    expect(PUBLIC_WORDS.completed).toEqual({ ja: '完了', en: 'Completed' });
    expect(PUBLIC_WORDS['in-progress']).toEqual({ ja: '実施中', en: 'In progress' });
    expect(PUBLIC_WORDS.delayed).toEqual({ ja: '遅延', en: 'Delayed' });
    expect(PUBLIC_WORDS.rescheduled).toEqual({ ja: '計画変更', en: 'Rescheduled' });
    expect(PUBLIC_WORDS.cancelled).toEqual({ ja: '中止', en: 'Cancelled' });
    const ja = renderPublicMarkdown(p, [], 'ja', '2025-01');
    const en = renderPublicMarkdown(p, [], 'en', '2025-01');
    expect(ja).toContain('| 完了したもの | 2025-03-31 | 2025-03-31 | 2025-01-08 | 完了 |');
    expect(ja).toContain('| 進行中のもの | 2025-06-30 | 2025-06-30 | — | 実施中 |');
    expect(ja).toContain('| 遅れたもの | 2024-12-27 | 2024-12-27 | — | 遅延 |');
    expect(ja).toContain('| 変更したもの | 2025-04-30 | 2025-09-30 | — | 計画変更 |');
    expect(ja).toContain('| X | 2025-05-30 | 2025-05-30 | — | 中止 |');
    expect(ja).toContain('状況: **遅延**');
    expect(ja).toContain('状況: **中止**');
    expect(en).toContain('| Done one | 2025-03-31 | 2025-03-31 | 2025-01-08 | Completed |');
    expect(en).toContain('| Open one | 2025-06-30 | 2025-06-30 | — | In progress |');
    expect(en).toContain('| Late one | 2024-12-27 | 2024-12-27 | — | Delayed |');
    expect(en).toContain('| Moved one | 2025-04-30 | 2025-09-30 | — | Rescheduled |');
    expect(en).toContain('| X | 2025-05-30 | 2025-05-30 | — | Cancelled |');
    expect(en).toContain('Status: **Cancelled**');
  });
});

describe('publicChanges', () => {
  /** The small plan plus a measure the previous update did not have; the previous projection and the current one. */
  function twoUpdates(): { previous: PublicProgram; current: PublicProgram } {
    const plan = smallPlan();
    const all = statesAt(
      planFrom((raw) => {
        raw.measures = [
          ...smallPlan().measures.map((m) => ({ ...m })),
          {
            id: 'user-page',
            title: t('利用者向け特設ページ', 'Special page for users'),
            directiveItems: ['(3)'],
            owner: 'sato',
            policy: 'standard',
            milestones: [{ id: 'publish', title: t('公開', 'Publish'), due: '2025-04-30' }],
          },
        ];
      }),
      START,
    );
    const [auth, soc] = all as [MeasureState, MeasureState];
    const previous = publicProjection([auth, soc], NOW, plan.program);
    // What happened during the period.
    accept(auth, 'sato', '2025-01-20T10:00', { type: 'complete', milestone: 'head-company', evidence: 'CHG-9' });
    accept(auth, 'suzuki', '2025-01-20T10:00', {
      type: 'replan',
      milestone: 'domestic',
      date: '2026-01-30',
      reason: 'r',
    });
    accept(auth, 'sato', '2025-01-20T10:00', {
      type: 'replan',
      milestone: 'overseas',
      date: '2027-03-31',
      reason: 'r',
    });
    accept(auth, 'suzuki', '2025-01-21T10:00', { type: 'approve-replan', milestone: 'overseas' });
    accept(auth, 'suzuki', '2025-01-22T10:00', {
      type: 'amend',
      milestones: [{ id: 'audit', title: t('監査', 'Audit'), due: '2027-06-30', dependsOn: [] }],
      people: auth.people,
      external: {},
      dependents: {},
    });
    accept(soc, 'suzuki', '2025-01-23T10:00', { type: 'cancel', reason: 'r' });
    const current = publicProjection(all, tokyo('2025-02-03T09:00'), plan.program);
    return { previous, current };
  }

  it('lists completions, accelerations, extensions, new measures and milestones, cancellations, in order', () => {
    const { previous, current } = twoUpdates();
    expect(publicChanges(previous, current)).toEqual([
      { kind: 'completed', measure: 'auth-separation', milestone: 'head-company', on: '2025-01-20' },
      {
        kind: 'pulled-forward',
        measure: 'auth-separation',
        milestone: 'domestic',
        from: '2026-03-31',
        to: '2026-01-30',
      },
      { kind: 'moved-back', measure: 'auth-separation', milestone: 'overseas', from: '2026-12-31', to: '2027-03-31' },
      { kind: 'new-measure', measure: 'user-page' },
      { kind: 'new-milestone', measure: 'auth-separation', milestone: 'audit', due: '2027-06-30' },
      { kind: 'measure-cancelled', measure: 'soc' },
    ]);
  });

  it('is empty without a previous update and when nothing changed', () => {
    const { previous, current } = twoUpdates();
    expect(publicChanges(undefined, current)).toEqual([]);
    expect(publicChanges(current, current)).toEqual([]);
    expect(publicChanges(previous, previous)).toEqual([]);
  });

  it('reports a cancelled milestone of a measure that goes on', () => {
    const { current } = twoUpdates();
    const next: PublicProgram = JSON.parse(JSON.stringify(current)) as PublicProgram;
    next.measures[0]!.milestones[1]!.status = 'cancelled';
    expect(publicChanges(current, next)).toEqual([
      { kind: 'milestone-cancelled', measure: 'auth-separation', milestone: 'domestic' },
    ]);
  });

  it('are written in both languages', () => {
    const { previous, current } = twoUpdates();
    const changes = publicChanges(previous, current);
    const ja = renderPublicMarkdown(current, changes, 'ja', '2025-02');
    const en = renderPublicMarkdown(current, changes, 'en', '2025-02');
    expect(ja.slice(ja.indexOf('## 前回の更新からの変更'))).toBe(
      [
        '## 前回の更新からの変更',
        '',
        '- 完了: 認証基盤の分離 — 本体（2025-01-20）',
        '- 前倒し: 認証基盤の分離 — 国内子会社: 2026-03-31 → 2026-01-30',
        '- 延期: 認証基盤の分離 — 海外子会社: 2026-12-31 → 2027-03-31',
        '- 新しい施策: 利用者向け特設ページ',
        '- 新しいマイルストーン: 認証基盤の分離 — 監査（期日 2027-06-30）',
        '- 施策の中止: SOC の国内移管',
        '',
      ].join('\n'),
    );
    expect(en.slice(en.indexOf('## What changed'))).toBe(
      [
        '## What changed since the previous update',
        '',
        '- Completed: Separate the authentication infrastructure — Head company (2025-01-20)',
        '- Date pulled forward: Separate the authentication infrastructure — Domestic subsidiaries: 2026-03-31 → 2026-01-30',
        '- Date moved back: Separate the authentication infrastructure — Overseas subsidiaries: 2026-12-31 → 2027-03-31',
        '- New measure: Special page for users',
        '- New milestone: Separate the authentication infrastructure — Audit (due 2027-06-30)',
        '- Measure cancelled: Move SOC Tier 1 to a domestic vendor',
        '',
      ].join('\n'),
    );
    expect(renderPublicMarkdown(current, [], 'ja', '2025-02')).toContain('前回の更新からの変更はありません。');
    expect(renderPublicMarkdown(current, [], 'en', '2025-02')).toContain('Nothing changed since the previous update.');
  });
});

describe('renderPublicMarkdown', () => {
  const plan = smallPlan();
  const p = publicProjection(statesAt(plan, START), NOW, plan.program);

  it('in Japanese: the program, directive, items, titles, summaries, statuses and dates', () => {
    const md = renderPublicMarkdown(p, [], 'ja', '2025-01');
    expect(md.split('\n').slice(0, 4)).toEqual([
      '# テスト 進捗状況のお知らせ（2025-01）',
      '',
      'MIC 総基用第59号（2024-04-16）に基づく施策の進捗です。2025-01-10 時点の状況です。',
      '',
    ]);
    const order = ['## 指導事項 (1)', '### 認証基盤の分離', '認証基盤を分離します。', '状況: **実施中**'];
    order.push(
      '| マイルストーン | 当初の期日 | 現在の期日 | 完了日 | 状況 |',
      '| 本体 | 2025-03-31 | 2025-03-31 | — | 実施中 |',
    );
    order.push(
      '## その他の施策',
      '### SOC の国内移管',
      '| 委託契約の終了 | 2024-10-31 | 2024-10-31 | 2024-10-25 | 完了 |',
    );
    order.push('## 前回の更新からの変更');
    const at = order.map((s) => md.indexOf(s));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  it('in English: the same, in English', () => {
    const md = renderPublicMarkdown(p, [], 'en', '2025-01');
    expect(md).toContain('# Test: Progress update 2025-01');
    expect(md).toContain('Progress of the measures under MIC 総基用第59号 of 2024-04-16. Status as of 2025-01-10.');
    const order = ['## Directive item (1)', '### Separate the authentication infrastructure'];
    order.push('We separate the authentication infrastructure.', 'Status: **In progress**');
    order.push('| Milestone | Original date | Committed date | Completed on | Status |');
    order.push('| Domestic subsidiaries | 2026-03-31 | 2026-03-31 | — | In progress |');
    order.push('## Other measures', '### Move SOC Tier 1 to a domestic vendor', 'Status: **Completed**');
    order.push('| End the contract | 2024-10-31 | 2024-10-31 | 2024-10-25 | Completed |');
    const at = order.map((s) => md.indexOf(s));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    // Not a Japanese status word in the English update.
    expect(md).not.toMatch(/実施中|完了|指導事項/);
  });

  it('shows a measure under each of its directive items, in order of first appearance', () => {
    const two = JSON.parse(JSON.stringify(p)) as PublicProgram;
    two.measures[1]!.directiveItems = ['(2)', '(1)'];
    const md = renderPublicMarkdown(two, [], 'en', '2025-01');
    const headings = md.split('\n').filter((l) => l.startsWith('## ') || l.startsWith('### '));
    expect(headings).toEqual([
      '## Directive item (1)',
      '### Separate the authentication infrastructure',
      '### Move SOC Tier 1 to a domestic vendor',
      '## Directive item (2)',
      '### Move SOC Tier 1 to a domestic vendor',
      '## What changed since the previous update',
    ]);
  });

  it('escapes every Markdown construct of a plan text', () => {
    expect(escapeMarkdown('a*b*_c_ `d` [x](y) <b> &amp; | # ~~s~~ !')).toBe(
      'a\\*b\\*\\_c\\_ \\`d\\` \\[x\\](y) \\<b\\> \\&amp; \\| \\# \\~\\~s\\~\\~ \\!',
    );
    expect(escapeMarkdown('- list')).toBe('\\- list');
    expect(escapeMarkdown('1. list')).toBe('1\\. list');
    expect(escapeMarkdown('> quote')).toBe('\\> quote');
    expect(escapeMarkdown('line one\n\n# two\r\nthree \\')).toBe('line one \\# two three \\\\');
  });
});

describe('renderPublicHtml', () => {
  const EVIL = '<script>alert(1)</script> [x](javascript:alert(1)) a|b';
  const plan = planFrom((raw) => {
    const m = raw.measures[0]!;
    m.title = t(EVIL, EVIL);
    m.publicSummary = t('&lt;b&gt; ![i](x.png)', '<img src=x onerror=alert(1)> **bold** <https://evil.example>');
    m.directiveItems = ['<b>(1)</b>'];
    m.milestones = [{ id: 'head-company', title: t('a | b', '[y](javascript:alert(2))'), due: '2025-03-31' }];
  });
  const p = publicProjection(statesAt(plan, START), NOW, plan.program);

  for (const lang of ['ja', 'en'] as const) {
    it(`a page in ${lang}: complete, and a plan text cannot inject HTML, links or table cells`, () => {
      const html = renderPublicHtml(publicDocument(p, [], lang, '2025-01'), lang, `</title>${EVIL}`);
      expect(html.startsWith('<!DOCTYPE html>\n')).toBe(true);
      expect(html).toContain(`<html lang="${lang}">`);
      expect(html).toContain('<meta charset="utf-8">');
      expect(html).toContain(
        '<title>&#60;/title&#62;&#60;script&#62;alert(1)&#60;/script&#62; [x](javascript:alert(1)) a|b</title>',
      );
      expect(html.trimEnd().endsWith('</html>')).toBe(true);
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toMatch(/<img/i);
      expect(html).not.toMatch(/<a[\s>]/i);
      expect(html).not.toMatch(/href=/i);
      expect(html).not.toMatch(/<b>/);
      expect(html).toContain('<h3>&lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1)) a|b</h3>');
      expect(html).toContain('<h2>');
      // The milestone row has its five cells, whatever the title holds.
      const row = html.slice(html.indexOf('<tbody>'), html.indexOf('</tbody>'));
      expect(row.match(/<td>/g)).toHaveLength(5);
    });
  }

  it('renders a summary as text: no HTML, no entity, no image, no emphasis, no autolink', () => {
    const ja = renderPublicHtml(publicDocument(p, [], 'ja', '2025-01'), 'ja', 'x');
    expect(ja).toContain('<p>&amp;lt;b&amp;gt; ![i](x.png)</p>');
    const html = renderPublicHtml(publicDocument(p, [], 'en', '2025-01'), 'en', 'x');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; **bold** &lt;https://evil.example&gt;');
    expect(html).not.toContain('<strong>bold</strong>');
  });
});

/**
 * The property: random plans whose every internal field carries a marker `SECRET-<n>` (person ids,
 * names and emails, sponsors, policy names, internal notes, report titles, completion evidence, every
 * reason given with a command, failed-notification texts), forecasts in 2030 and pending or rejected
 * re-plan dates in 2029 (no other date is), with public texts drawn from an alphabet that cannot spell
 * "secret" but holds every Markdown-significant character. No format of the update holds any of them.
 */
describe('no internal field reaches the public update (property)', () => {
  const PUBLIC_CHARS = [...'abdfghijklmnopquvwxyz 1施策計画の完了<>[]()|*_#&!`~\\-+.=:/"\'\n'];
  const publicText = fc.string({ unit: fc.constantFrom(...PUBLIC_CHARS), minLength: 1, maxLength: 24 });
  const localizedArb = fc.record({ ja: publicText, en: publicText });
  const ACTIONS = [
    'none',
    'complete',
    'forecast',
    'replan-direct',
    'replan-approved',
    'replan-pending',
    'replan-rejected',
    'reassign',
  ] as const;
  const milestoneArb = fc.record({
    title: localizedArb,
    due: fc.integer({ min: 0, max: 600 }), // days after 2025-03-01
    owner: fc.option(fc.nat(3), { nil: undefined }),
    forecast: fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }),
    completed: fc.boolean(),
    action: fc.constantFrom(...ACTIONS),
    to: fc.integer({ min: 0, max: 900 }), // days after 2025-06-10 (a re-plan's new date) or after 2029-01-01
  });
  const measureArb = fc.record({
    title: localizedArb,
    summary: fc.option(localizedArb, { nil: undefined }),
    items: fc.subarray(['(1)', '(2)', '(3)', '<i>x</i>']),
    owner: fc.nat(3),
    sponsor: fc.option(fc.nat(4), { nil: undefined }),
    cancel: fc.boolean(),
    milestones: fc.array(milestoneArb, { minLength: 1, maxLength: 3 }),
  });
  const programArb = fc.record({
    people: fc.array(
      fc.record({ name: fc.string({ minLength: 1, maxLength: 8 }), local: fc.stringMatching(/^[a-z0-9]{1,8}$/) }),
      { minLength: 5, maxLength: 6 },
    ),
    measures: fc.array(measureArb, { minLength: 1, maxLength: 4 }),
    later: fc.integer({ min: 1, max: 500 }),
  });

  type Spec = typeof programArb extends fc.Arbitrary<infer T> ? T : never;

  /** The plan and states of `spec`, with every command applied; every internal text carries a fresh marker. */
  function build(spec: Spec): { plan: Plan; states: MeasureState[]; start: MeasureState[] } {
    let n = 0;
    const mark = () => `SECRET-${++n}`;
    // Person 0 is the program manager; owners are never managers (so an owner's re-plan waits for approval).
    const ids = spec.people.map(() => `secret-${++n}`);
    const person = (i: number) => ids[i % ids.length]!;
    const owner = (i: number) => ids[1 + (i % (ids.length - 1))]!;
    const people = Object.fromEntries(
      spec.people.map((p, i): [string, { name: string; email: string }] => [
        ids[i]!,
        { name: `${p.name} ${mark()}`, email: `secret-${++n}.${p.local}@example.jp` },
      ]),
    );
    const policy = `secret-${++n}`;
    const raw = {
      program: {
        id: 'public-program',
        title: { ja: '公開', en: 'Public' },
        directive: { ref: '総基用第59号', issuer: 'MIC', issuedOn: '2024-04-16' },
        timezone: 'Asia/Tokyo',
        calendar: 'jp',
        managers: [ids[0]],
        comms: [person(1)],
        reports: [{ id: 'r1', title: { ja: mark(), en: mark() }, due: '2025-07-01', owner: ids[0] }],
      },
      people,
      policies: {
        [policy]: {
          notifyAt: '09:00',
          remindBefore: [7],
          escalation: [{ afterBusinessDays: 1, notify: ['owner', 'manager'] }],
        },
      },
      measures: spec.measures.map((m, i) => ({
        id: `m${i}`,
        title: m.title,
        ...(m.summary ? { publicSummary: m.summary } : {}),
        internalNotes: `${mark()} notes`,
        directiveItems: m.items,
        owner: owner(m.owner),
        ...(m.sponsor !== undefined ? { sponsor: person(m.sponsor) } : {}),
        policy,
        milestones: m.milestones.map((ms, j) => ({
          id: `k${j}`,
          title: ms.title,
          due: addDays('2025-03-01', ms.due),
          ...(ms.owner !== undefined ? { owner: owner(ms.owner) } : {}),
          ...(ms.forecast !== undefined ? { forecast: addDays('2030-01-01', ms.forecast) } : {}),
          ...(ms.completed ? { completed: { on: '2025-02-14', by: owner(m.owner), evidence: mark() } } : {}),
        })),
      })),
    };
    const r = validatePlan(raw);
    if (!r.ok) throw new Error(`invalid generated plan:\n${r.problems.map(formatProblem).join('\n')}`);
    const at = '2025-06-02T10:00';
    const start = statesFromPlan(r.plan, tokyo(at));
    const states = statesFromPlan(r.plan, tokyo(at));
    const manager = ids[0]!;
    spec.measures.forEach((m, i) => {
      const s = states[i]!;
      m.milestones.forEach((ms, j) => {
        const state = s.milestones[j]!;
        const milestone = state.id;
        const measureOwner = s.measure.owner;
        let to = addDays('2025-06-10', ms.to);
        if (to === state.due) to = addDays(to, 1);
        const hidden = addDays('2029-01-01', ms.to % 365);
        if (!state.completed)
          switch (ms.action) {
            case 'none':
              break;
            case 'complete':
              accept(s, measureOwner, at, { type: 'complete', milestone, evidence: mark() });
              break;
            case 'forecast':
              accept(s, measureOwner, at, { type: 'forecast', milestone, date: addDays('2030-06-01', ms.to % 200) });
              break;
            case 'replan-direct':
              accept(s, manager, at, { type: 'replan', milestone, date: to, reason: mark() });
              break;
            case 'replan-approved':
              accept(s, measureOwner, at, { type: 'replan', milestone, date: to, reason: mark() });
              accept(s, manager, at, { type: 'approve-replan', milestone, reason: mark() });
              break;
            case 'replan-pending':
              accept(s, measureOwner, at, { type: 'replan', milestone, date: hidden, reason: mark() });
              break;
            case 'replan-rejected':
              accept(s, measureOwner, at, { type: 'replan', milestone, date: hidden, reason: mark() });
              accept(s, manager, at, { type: 'reject-replan', milestone, reason: mark() });
              break;
            case 'reassign': {
              const current = milestoneOwner(s, state);
              const next = ids.find((id) => id !== current && id !== manager)!;
              accept(s, manager, at, { type: 'reassign', milestone, to: next, reason: mark() });
              break;
            }
          }
        // What the notifier would have recorded: an escalation that could not be sent.
        s.notifications.recent.push({
          key: `${s.measure.id}/${milestone}/escalation/1/${mark()}`,
          at: tokyo(at),
          kind: 'escalation',
          milestone,
          level: 1,
          to: [measureOwner, manager],
          failed: mark(),
        });
        s.notifications.total += 1;
        s.notifications.failed += 1;
      });
      if (m.cancel) accept(s, manager, at, { type: 'cancel', reason: mark() });
    });
    return { plan: r.plan, states, start };
  }

  it('holds for the projection, the changes, the Markdown, the HTML, the chart, the compiled files and the site (ja, en)', () => {
    fc.assert(
      fc.property(programArb, (spec) => {
        const { plan, states, start } = build(spec);
        // The generator put markers and hidden dates where the test says it did.
        expect(JSON.stringify(states)).toMatch(/SECRET-\d+/);
        const previous = publicProjection(start, tokyo('2025-06-02T10:00'), plan.program);
        const current = publicProjection(states, tokyo(addDays('2025-06-02', spec.later)) + 36e6, plan.program);
        const changes = publicChanges(previous, current);
        const outputs: Record<string, string> = {
          previous: JSON.stringify(previous),
          current: JSON.stringify(current),
          changes: JSON.stringify(changes),
        };
        for (const lang of ['ja', 'en'] as const) {
          const doc = publicDocument(current, changes, lang, '2025-06');
          outputs[`md-${lang}`] = renderPublicMarkdown(current, changes, lang, '2025-06');
          outputs[`html-${lang}`] = renderPublicHtml(doc, lang, `${current.title[lang]} 2025-06`);
          const chart = timelineChart(current, lang);
          outputs[`chart-svg-${lang}`] = chart.svg;
          outputs[`chart-alt-${lang}`] = chart.alt;
          outputs[`html-chart-${lang}`] = renderPublicHtml(doc, lang, 'x', chart);
          outputs[`md-first-${lang}`] = renderPublicMarkdown(previous, [], lang, '2025-05');
        }
        // The compile's own path: memo snapshots, the public files and baseline, and the published site.
        const now = tokyo(addDays('2025-06-02', spec.later)) + 36e6;
        const docs = updateDocuments(
          states.map((st) => reportingState(st)),
          now,
          plan.program,
          '2025-06',
          publicBaseline(previous),
        );
        for (const name of PUBLIC_FILES) outputs[`compile-${name}`] = docs.files[name] ?? '';
        outputs['compile-baseline'] = JSON.stringify(docs.baseline);
        const page = (lang: 'ja' | 'en') => ({
          html: docs.files[`${lang}.html`] ?? '',
          markdown: docs.files[`${lang}.md`] ?? '',
          title: updateTitle(plan.program, '2025-06', lang),
        });
        const site = renderSite({
          program: { id: plan.program.id, title: plan.program.title },
          updates: [
            {
              period: '2025-06',
              publishedAt: now,
              timezone: plan.program.timezone,
              pages: { ja: page('ja'), en: page('en') },
            },
          ],
        });
        for (const [file, text] of site) outputs[`site-${file}`] = text;
        for (const [format, text] of Object.entries(outputs)) {
          const leaks = text.match(/secret-\d+|20(29|30)-\d\d-\d\d/gi);
          expect(leaks, format).toBeNull();
        }
      }),
      { numRuns: 50 },
    );
  });
});
