/**
 * The HTML pages of the public update and of the regulator report are written from the documents'
 * blocks (src/domain/reports/doc.ts), not by parsing their Markdown. markdown-it, which rendered the
 * pages before, is the oracle here: for the ly-2024 example, a fixture program that went through every
 * kind of change, and generated programs whose texts are full of Markdown and HTML special characters
 * and line breaks, the page body is exactly what markdown-it (raw HTML off) makes of the Markdown,
 * which itself is unchanged (`documentMarkdown` writes what the Markdown writers wrote).
 *
 * Two intended differences, in the regulator report only, are tested on their own: its plan texts are
 * not Markdown-escaped, so markdown-it read `*x*` as emphasis (and `[a](b)` as a link...), where the
 * page now shows the text as written; and a line break in a table cell, a `<br>` in the Markdown that
 * markdown-it showed as text, is now a `<br>` element. The generated regulator texts leave out the
 * characters of Markdown's inline constructs, and the oracle's `&lt;br&gt;` is read as `<br>`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { addDays } from '../../src/domain/dates';
import type { MeasureState } from '../../src/domain/model';
import { parsePlanText, validatePlan, type Plan } from '../../src/domain/plan';
import { formatProblem } from '../../src/domain/problems';
import { initialState } from '../../src/domain/reducer';
import { reportTrackInit } from '../../src/domain/report-track';
import { timelineChart } from '../../src/domain/reports/chart';
import { documentMarkdown } from '../../src/domain/reports/doc';
import {
  publicChanges,
  publicDocument,
  publicProjection,
  renderPublicHtml,
  renderPublicMarkdown,
  type PublicChange,
  type PublicProgram,
} from '../../src/domain/reports/public';
import {
  regulatorDocument,
  regulatorMarkdown,
  regulatorReport,
  type RegulatorReport,
} from '../../src/domain/reports/regulator';
import { PUBLIC_FILES, updateDocuments } from '../../src/domain/reports/update';
import { publicBaseline, reportingState } from '../../src/domain/rollup';
import { statesFromPlan } from '../../src/domain/simulate';
import { accept, rawPlan, runEngine, statesAt, step, tokyo } from './fixtures';

/** The renderer the pages used before, with the same options: the oracle. */
const markdownIt = new MarkdownIt({ html: false, linkify: false, typographer: false });
const oracle = (markdown: string) => markdownIt.render(markdown).trimEnd();

/** What is inside `<main>` of a page. */
function bodyOf(page: string): string {
  const start = page.indexOf('<main>\n');
  const end = page.lastIndexOf('\n</main>');
  expect(start).toBeGreaterThan(0);
  expect(end).toBeGreaterThan(start);
  return page.slice(start + '<main>\n'.length, end);
}

/** The body of a page with a chart without its figure, after checking the figure follows the first paragraph. */
function withoutFigure(body: string): string {
  const start = body.indexOf('\n<figure>\n');
  const end = body.indexOf('\n</figure>', start) + '\n</figure>'.length;
  expect(start).toBeGreaterThan(0);
  expect(body.slice(0, start)).toMatch(/<\/p>$/);
  expect(body.slice(0, start).match(/<p>/g)).toHaveLength(1);
  return body.slice(0, start) + body.slice(end);
}

/** markdown-it's rendering of the regulator Markdown, with the cells' `<br>` as the element the page now writes. */
const regulatorOracle = (markdown: string) => oracle(markdown).replace(/&lt;br&gt;/g, '<br>');

/** The public update of `p` in both languages, with and without the chart: the page says what markdown-it says. */
function expectPublicSameAsOracle(p: PublicProgram, changes: readonly PublicChange[]): void {
  for (const lang of ['ja', 'en'] as const) {
    const doc = publicDocument(p, changes, lang, '2025-06');
    const markdown = renderPublicMarkdown(p, changes, lang, '2025-06');
    expect(documentMarkdown(doc)).toBe(markdown);
    const expected = oracle(markdown);
    expect(bodyOf(renderPublicHtml(doc, lang, 'x')), lang).toBe(expected);
    expect(withoutFigure(bodyOf(renderPublicHtml(doc, lang, 'x', timelineChart(p, lang)))), lang).toBe(expected);
  }
}

/** The regulator report in both languages: the page says what markdown-it says (but for the cells' `<br>`). */
function expectRegulatorSameAsOracle(report: RegulatorReport): void {
  for (const lang of ['ja', 'en'] as const) {
    const doc = regulatorDocument(report, lang);
    const markdown = regulatorMarkdown(report, lang);
    expect(documentMarkdown(doc)).toBe(markdown);
    expect(bodyOf(renderPublicHtml(doc, lang, 'x')), lang).toBe(regulatorOracle(markdown));
  }
}

describe('the pages of the ly-2024 example', () => {
  const parsed = parsePlanText(readFileSync(join(__dirname, '../../examples/ly-2024.yaml'), 'utf8'), 'ly-2024.yaml');
  if (!parsed.ok) throw new Error(parsed.problems.map(formatProblem).join('\n'));
  const plan = parsed.plan;
  const now = tokyo('2025-05-01T00:00');
  const start = statesFromPlan(plan, tokyo('2024-04-01T09:00'));
  const states = statesFromPlan(plan, tokyo('2024-04-01T09:00'));
  runEngine(states, now);

  it('are what markdown-it makes of their Markdown (public update with its changes, regulator report)', () => {
    const previous = publicProjection(start, tokyo('2024-04-01T09:00'), plan.program);
    const current = publicProjection(states, now, plan.program);
    expectPublicSameAsOracle(current, publicChanges(previous, current));
    expectRegulatorSameAsOracle(regulatorReport(states, now, { directive: plan.program.directive }));
  });
});

describe('the pages of a fixture program', () => {
  /** Two measures that went through a completion, an approved, a direct, a rejected and a pending re-plan, a forecast and an escalation. */
  function program(): { plan: Plan; start: MeasureState[]; states: MeasureState[] } {
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
    }) as { measures: Array<Record<string, unknown>> };
    raw.measures[0]!.publicSummary = {
      ja: '認証基盤を分離します。',
      en: 'We separate the authentication infrastructure.',
    };
    raw.measures[0]!.directiveItems = ['(1)', '(2)'];
    const r = validatePlan(raw);
    if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
    const start = statesAt(r.plan, '2025-01-06T09:00');
    const states = statesAt(r.plan, '2025-01-06T09:00');
    const m = 'auth-separation';
    step(states, m, 'suzuki', '2025-02-03T10:00', {
      type: 'replan',
      milestone: 'domestic',
      date: '2025-08-29',
      reason: 'Early',
    });
    step(states, m, 'sato', '2025-03-28T15:00', { type: 'complete', milestone: 'head-company', evidence: 'CHG-1' });
    const slip = 'Vendor delay, "phase 2" slipped\nContract signed 2025-04-09';
    step(states, m, 'ito', '2025-04-10T11:00', {
      type: 'replan',
      milestone: 'overseas',
      date: '2025-05-30',
      reason: slip,
    });
    step(states, m, 'suzuki', '2025-04-11T09:30', { type: 'approve-replan', milestone: 'overseas' });
    step(states, m, 'ito', '2025-05-20T14:00', {
      type: 'replan',
      milestone: 'overseas',
      date: '2025-07-31',
      reason: 'Slip',
    });
    step(states, m, 'suzuki', '2025-05-22T16:00', { type: 'reject-replan', milestone: 'overseas', reason: 'No' });
    step(states, m, 'ito', '2025-05-26T10:00', { type: 'forecast', milestone: 'overseas', date: '2025-06-30' });
    const pending = 'Test window | needs <two> weeks & more';
    step(states, m, 'sato', '2025-06-02T10:00', {
      type: 'replan',
      milestone: 'domestic',
      date: '2025-09-12',
      reason: pending,
    });
    runEngine(states, tokyo('2025-06-10T12:00'));
    return { plan: r.plan, start, states };
  }

  it('are what markdown-it makes of their Markdown', () => {
    const { plan, start, states } = program();
    const now = tokyo('2025-06-10T12:00');
    const report = regulatorReport(states, now, { directive: plan.program.directive });
    expect(report.rows.some((r) => r.status === 'overdue' && (r.escalationLevel ?? 0) > 0)).toBe(true);
    expect(report.rows.some((r) => r.pendingReplan && r.changes.length)).toBe(true);
    expectRegulatorSameAsOracle(report);
    const previous = publicProjection(start, tokyo('2025-01-06T09:00'), plan.program);
    const current = publicProjection(states, now, plan.program);
    const changes = publicChanges(previous, current);
    expect(changes.length).toBeGreaterThan(1);
    expectPublicSameAsOracle(current, changes);
    expectPublicSameAsOracle(publicProjection(states, now), []); // no directive
  });
});

/**
 * Generated programs: texts of every kind (titles, summaries, directive items and reference, names,
 * reasons, evidence, report titles) drawn from `chars`, and every command the report tells of.
 */
const PUBLIC_CHARS = [...'ax 1施策 *_[]()<>&|\\#`~!-+=.:"\'\n\r\t\0\u3000\u00a0\u2028'];
/** No `*`, `_`, backtick, `[`, `]`, `~`, backslash or `#`: the regulator report's texts are not Markdown-escaped. */
const REGULATOR_CHARS = PUBLIC_CHARS.filter((c) => !'*_`[]~\\#'.includes(c));

const ACTIONS = [
  'none',
  'complete',
  'forecast',
  'replan-direct',
  'replan-approved',
  'replan-pending',
  'replan-rejected',
];

function programArb(chars: readonly string[], measures: { min: number; max: number }) {
  const txt = fc.string({ unit: fc.constantFrom(...chars), minLength: 1, maxLength: 20 });
  const localized = fc.record({ ja: txt, en: txt });
  /** A reason or evidence: something besides white space, as the reducer requires. */
  const said = fc
    .tuple(txt, fc.constantFrom(...chars.filter((c) => c.trim() !== '')), txt)
    .map(([a, c, b]) => `${a}${c}${b}`);
  const milestone = fc.record({
    title: localized,
    due: fc.integer({ min: 0, max: 300 }), // days after 2025-02-01
    owner: fc.option(fc.nat(3), { nil: undefined }),
    dependsOnPrevious: fc.boolean(),
    action: fc.constantFrom(...ACTIONS),
    to: fc.integer({ min: 1, max: 400 }), // days after 2025-03-10
    text: said, // the reason or evidence of the action
    decision: said,
  });
  const measure = fc.record({
    title: localized,
    summary: fc.option(localized, { nil: undefined }),
    items: fc.array(txt, { maxLength: 2 }),
    owner: fc.nat(3),
    sponsor: fc.option(fc.nat(4), { nil: undefined }),
    cancel: fc.option(said, { nil: undefined }),
    milestones: fc.array(milestone, { minLength: 1, maxLength: 3 }),
  });
  return fc.record({
    title: localized,
    directive: fc.record({ ref: txt, issuer: txt }),
    people: fc.array(txt, { minLength: 5, maxLength: 5 }),
    report: localized,
    measures: fc.array(measure, { minLength: measures.min, maxLength: measures.max }),
  });
}

type Spec = ReturnType<typeof programArb> extends fc.Arbitrary<infer T> ? T : never;

const NOW = '2025-06-10T12:00';

/** The plan, the states at the start and at NOW after every command, and the program's report track. */
function build(spec: Spec) {
  const ids = spec.people.map((_, i) => `p${i}`);
  const manager = 'p0';
  const owner = (i: number) => ids[1 + (i % 4)]!;
  const raw = {
    program: {
      id: 'generated',
      title: spec.title,
      directive: { ...spec.directive, issuedOn: '2024-04-16' },
      timezone: 'Asia/Tokyo',
      calendar: 'jp',
      managers: [manager],
      comms: ['p1'],
      reports: [{ id: 'r1', title: spec.report, due: '2025-04-01', owner: manager }],
    },
    people: Object.fromEntries(
      spec.people.map((name, i): [string, { name: string; email: string }] => [
        `p${i}`,
        { name, email: `p${i}@example.jp` },
      ]),
    ),
    policies: {
      standard: {
        notifyAt: '09:00',
        remindBefore: [7],
        escalation: [
          { afterBusinessDays: 1, notify: ['owner', 'manager'] },
          { afterBusinessDays: 3, notify: ['owner', 'manager', 'sponsor'] },
        ],
      },
    },
    measures: spec.measures.map((m, i) => ({
      id: `m${i}`,
      title: m.title,
      ...(m.summary ? { publicSummary: m.summary } : {}),
      directiveItems: m.items,
      owner: owner(m.owner),
      ...(m.sponsor !== undefined ? { sponsor: ids[m.sponsor] } : {}),
      policy: 'standard',
      milestones: m.milestones.map((ms, j) => ({
        id: `k${j}`,
        title: ms.title,
        due: addDays('2025-02-01', ms.due),
        ...(ms.owner !== undefined ? { owner: owner(ms.owner) } : {}),
        ...(ms.dependsOnPrevious && j > 0 ? { dependsOn: [`k${j - 1}`] } : {}),
      })),
    })),
  };
  const r = validatePlan(raw);
  if (!r.ok) throw new Error(`invalid generated plan:\n${r.problems.map(formatProblem).join('\n')}`);
  const plan = r.plan;
  const begin = '2025-01-06T09:00';
  const start = statesAt(plan, begin);
  const states = statesAt(plan, begin);
  const at = '2025-03-03T10:00';
  runEngine(states, tokyo(at));
  spec.measures.forEach((m, i) => {
    const s = states[i]!;
    m.milestones.forEach((ms, j) => {
      const milestone = `k${j}`;
      const current = s.milestones[j]!;
      if (current.completed) return;
      let to = addDays('2025-03-10', ms.to);
      if (to === current.due) to = addDays(to, 1);
      const byOwner = s.measure.owner;
      switch (ms.action) {
        case 'complete':
          accept(s, byOwner, at, { type: 'complete', milestone, evidence: ms.text });
          break;
        case 'forecast':
          accept(s, byOwner, at, { type: 'forecast', milestone, date: to });
          break;
        case 'replan-direct':
          accept(s, manager, at, { type: 'replan', milestone, date: to, reason: ms.text });
          break;
        case 'replan-approved':
          accept(s, byOwner, at, { type: 'replan', milestone, date: to, reason: ms.text });
          accept(s, manager, at, { type: 'approve-replan', milestone, reason: ms.decision });
          break;
        case 'replan-pending':
          accept(s, byOwner, at, { type: 'replan', milestone, date: to, reason: ms.text });
          break;
        case 'replan-rejected':
          accept(s, byOwner, at, { type: 'replan', milestone, date: to, reason: ms.text });
          accept(s, manager, at, { type: 'reject-replan', milestone, reason: ms.decision });
          break;
      }
    });
    if (m.cancel !== undefined) accept(s, manager, at, { type: 'cancel', reason: m.cancel });
  });
  runEngine(states, tokyo(NOW));
  const init = reportTrackInit(plan);
  if (!init) throw new Error('no report track');
  const track = initialState({ ...init, startedAt: tokyo(begin), actor: manager });
  runEngine([track], tokyo(NOW));
  return { plan, start, states, track };
}

/** The compile's own files (`updateDocuments`): every page is what markdown-it makes of its Markdown. */
function expectCompileSameAsOracle(spec: Spec, withRegulator: boolean): void {
  const { plan, start, states, track } = build(spec);
  const now = tokyo(NOW);
  // The previous update did not have the first measure: a "new measure" among the changes.
  const previous = publicProjection(start.slice(1), tokyo('2025-01-06T09:00'), plan.program);
  const docs = updateDocuments(
    states.map((s) => reportingState(s)),
    now,
    plan.program,
    '2025-06',
    publicBaseline(previous),
    track,
  );
  for (const lang of ['ja', 'en'] as const) {
    const md = docs.files[`${lang}.md`]!;
    expect(md).toBe(renderPublicMarkdown(docs.projection, docs.changes, lang, '2025-06'));
    expect(withoutFigure(bodyOf(docs.files[`${lang}.html`]!))).toBe(oracle(md));
    if (withRegulator) {
      const regulator = docs.files[`regulator.${lang}.md`]!;
      expect(bodyOf(docs.files[`regulator.${lang}.html`]!)).toBe(regulatorOracle(regulator));
    }
  }
  expect(PUBLIC_FILES.every((f) => docs.files[f])).toBe(true);
  expectPublicSameAsOracle(docs.projection, docs.changes);
}

describe('the pages of generated programs', () => {
  it('public update: texts full of Markdown and HTML special characters and line breaks read as markdown-it reads the escaped Markdown', () => {
    fc.assert(
      fc.property(programArb(PUBLIC_CHARS, { min: 1, max: 6 }), (spec) => expectCompileSameAsOracle(spec, false)),
      { numRuns: 40 },
    );
  });

  it('regulator report and public update: texts without Markdown inline constructs read as markdown-it reads them', () => {
    fc.assert(
      fc.property(programArb(REGULATOR_CHARS, { min: 1, max: 6 }), (spec) => expectCompileSameAsOracle(spec, true)),
      { numRuns: 40 },
    );
  });

  it('a program of 150 measures with changes, escalations and re-plans', () => {
    const [publicSpec] = fc.sample(programArb(PUBLIC_CHARS, { min: 150, max: 150 }), { seed: 7, numRuns: 1 });
    const [regulatorSpec] = fc.sample(programArb(REGULATOR_CHARS, { min: 150, max: 150 }), { seed: 8, numRuns: 1 });
    expectCompileSameAsOracle(publicSpec!, false);
    expectCompileSameAsOracle(regulatorSpec!, true);
    const { plan, states } = build(regulatorSpec!);
    const report = regulatorReport(states, tokyo(NOW), { directive: plan.program.directive });
    // The generated program tells of everything the report can hold.
    expect(report.rows.some((r) => r.status === 'overdue' && (r.escalationLevel ?? 0) > 0)).toBe(true);
    expect(report.rows.some((r) => r.changes.some((c) => c.decision === 'rejected'))).toBe(true);
    expect(report.rows.some((r) => r.changes.some((c) => c.decision === 'approved'))).toBe(true);
    expect(report.rows.some((r) => r.pendingReplan)).toBe(true);
    expect(report.rows.some((r) => r.cancelled)).toBe(true);
    expect(report.rows.some((r) => r.dependencyRisks.length)).toBe(true);
    expect(report.rows.some((r) => /[\r\n]/.test(r.changes.map((c) => c.reason).join('')))).toBe(true);
  });
});

describe('the regulator page shows plan texts as written', () => {
  /** The fixture program's report with hostile texts in a title, a reason and an evidence. */
  function hostileReport(): RegulatorReport {
    const raw = rawPlan({ milestones: [{ id: 'head-company', due: '2025-03-31' }] }) as {
      measures: Array<Record<string, unknown>>;
    };
    raw.measures[0]!.title = { ja: '*x* <b> #', en: '*x* <b> [a](https://example.com) ~~s~~ \\* #' };
    const r = validatePlan(raw);
    if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
    const states = statesAt(r.plan, '2025-01-06T09:00');
    step(states, 'auth-separation', 'suzuki', '2025-02-03T10:00', {
      type: 'replan',
      milestone: 'head-company',
      date: '2025-04-30',
      reason: '*x* <b>\n_y_ `z` & [a](https://example.com)',
    });
    step(states, 'auth-separation', 'sato', '2025-02-04T10:00', {
      type: 'complete',
      milestone: 'head-company',
      evidence: '**CHG-1** <i>',
    });
    return regulatorReport(states, tokyo('2025-02-05T12:00'));
  }

  it('a text like `*x* <b>` is shown literally, with no emphasis, link or markup (markdown-it read it as Markdown)', () => {
    const report = hostileReport();
    for (const lang of ['ja', 'en'] as const) {
      const html = bodyOf(renderPublicHtml(regulatorDocument(report, lang), lang, 'x'));
      expect(html).toContain('<td>*x* &lt;b&gt;<br>_y_ `z` &amp; [a](https://example.com)</td>');
      expect(html).toContain('<td>**CHG-1** &lt;i&gt;</td>');
      expect(html).not.toMatch(/<(em|strong|code|a|s|b|i)[\s>]/);
      // What markdown-it made of the same Markdown: emphasis, code and a link.
      expect(oracle(regulatorMarkdown(report, lang))).toMatch(/<em>x<\/em>[\s\S]*<code>z<\/code>[\s\S]*<a href=/);
    }
    const en = bodyOf(renderPublicHtml(regulatorDocument(report, 'en'), 'en', 'x'));
    expect(en).toContain('<h2>Measure auth-separation: *x* &lt;b&gt; [a](https://example.com) ~~s~~ \\* #</h2>');
    const ja = bodyOf(renderPublicHtml(regulatorDocument(report, 'ja'), 'ja', 'x'));
    expect(ja).toContain('<h2>施策 auth-separation: *x* &lt;b&gt; #</h2>');
  });

  it('a line break in a table cell is a <br> element (markdown-it showed the Markdown’s <br> as text)', () => {
    const html = bodyOf(renderPublicHtml(regulatorDocument(hostileReport(), 'en'), 'en', 'x'));
    expect(html).toContain('&lt;b&gt;<br>_y_');
    expect(html).not.toContain('&lt;br&gt;');
  });
});
