/**
 * The public progress update (design section 8, issue 6 §2-3), as pure functions:
 *
 * - `publicProjection` builds the only thing the public update is ever rendered from: an explicit
 *   projection of the measure states, copied field by field from an allow-list. Nothing is spread, so
 *   a field added to the state later stays internal until someone adds it here on purpose. It holds no
 *   person, email, internal note, evidence, escalation, forecast, reason, pending re-plan or
 *   notification.
 * - `publicChanges` compares two projections: what changed since the previous published update.
 * - `publicDocument` builds the update in Japanese or English as one document (`doc.ts`), which
 *   `renderPublicMarkdown` writes as Markdown and `renderPublicHtml` as an HTML page. Every plan text is
 *   escaped before it enters the Markdown, and escaped as HTML text in the page, so a title cannot
 *   inject a link, an image, HTML or a table cell. The page can carry the timeline chart of `chart.ts`
 *   (built from the same projection) as inline SVG with its text alternative.
 */
import { addDays, dateOf, instantOf, type LocalDate } from '../dates';
import type { MeasureState, MilestoneState } from '../model';
import type { Lang, Localized } from '../plan';
import { milestoneStatus } from '../status';
import {
  blockHtml,
  documentMarkdown,
  heading,
  list,
  paragraph,
  strong,
  table,
  text,
  type Block,
  type Inline,
  type MarkdownDialect,
  type MarkdownDocument,
} from './doc';

/**
 * The status as the public reads it, in plain words (see `PUBLIC_WORDS`):
 * - `completed` 完了: done;
 * - `in-progress` 実施中: open and on its committed date (an internal "at risk" is shown as this: it
 *   comes from forecasts, which are not public);
 * - `delayed` 遅延: the committed date has passed and it is not done;
 * - `rescheduled` 計画変更: open, with a committed date that differs from the original one;
 * - `cancelled` 中止: the milestone or its measure was cancelled.
 *
 * A measure is cancelled when cancelled, completed when every milestone is completed or cancelled (and
 * one at least completed), else the most serious status of its open milestones (delayed, rescheduled,
 * in progress).
 */
export type PublicStatus = 'completed' | 'in-progress' | 'delayed' | 'rescheduled' | 'cancelled';

/** The directive a program answers, as the plan names it. */
export interface PublicDirective {
  ref: string;
  issuer: string;
  issuedOn: LocalDate;
}

/** One milestone as the public sees it: its dates and status. */
export interface PublicMilestone {
  id: string;
  title: Localized;
  /** The date first committed to the regulator (never changes). */
  originalDue: LocalDate;
  /** The date committed now (after approved re-plans). */
  due: LocalDate;
  completedOn: LocalDate | null;
  status: PublicStatus;
}

/** One measure as the public sees it. */
export interface PublicMeasure {
  id: string;
  title: Localized;
  /** The plan's `publicSummary`, if it has one. */
  summary: Localized | null;
  /** The directive items the measure answers (e.g. `(1)`); empty: shown under "other measures". */
  directiveItems: string[];
  status: PublicStatus;
  milestones: PublicMilestone[];
}

/**
 * The public projection of a program at one instant: all a public update is rendered from, and the
 * snapshot a published update keeps so that the next one can say what changed. JSON as it stands.
 */
export interface PublicProgram {
  /** The program id. */
  id: string;
  title: Localized;
  /** The directive, when the caller passed the plan's program (the measure states do not carry it). */
  directive: PublicDirective | null;
  /** The date of the projection in the program's time zone. */
  asOf: LocalDate;
  /** In the order given (the plan's order). */
  measures: PublicMeasure[];
}

/**
 * One thing that changed between two published updates. Ids refer to the current projection; the
 * renderer looks their titles up there.
 * - `completed`: a milestone was completed (`on` is its completion date);
 * - `pulled-forward` (前倒し) / `moved-back` (延期): its committed date moved from `from` to `to`;
 * - `new-measure`: a measure that the previous update did not have (its milestones are not listed again);
 * - `new-milestone`: a milestone added to a measure the previous update had;
 * - `measure-cancelled`: a measure was cancelled;
 * - `milestone-cancelled`: one milestone was cancelled while its measure goes on.
 */
export type PublicChange =
  | { kind: 'completed'; measure: string; milestone: string; on: LocalDate }
  | { kind: 'pulled-forward'; measure: string; milestone: string; from: LocalDate; to: LocalDate }
  | { kind: 'moved-back'; measure: string; milestone: string; from: LocalDate; to: LocalDate }
  | { kind: 'new-measure'; measure: string }
  | { kind: 'new-milestone'; measure: string; milestone: string; due: LocalDate }
  | { kind: 'measure-cancelled'; measure: string }
  | { kind: 'milestone-cancelled'; measure: string; milestone: string };

export type PublicChangeKind = PublicChange['kind'];

/** The program facts the projection takes from the plan, when given (`plan.program` will do). */
export interface PublicProgramSource {
  id: string;
  title: Localized;
  timezone: string;
  directive: PublicDirective;
}

/** Every word of the public update, in both languages: one table. */
export const PUBLIC_WORDS = {
  // statuses
  completed: { ja: '完了', en: 'Completed' },
  'in-progress': { ja: '実施中', en: 'In progress' },
  delayed: { ja: '遅延', en: 'Delayed' },
  rescheduled: { ja: '計画変更', en: 'Rescheduled' },
  cancelled: { ja: '中止', en: 'Cancelled' },
  // changes
  'change.completed': { ja: '完了', en: 'Completed' },
  'change.pulled-forward': { ja: '前倒し', en: 'Date pulled forward' },
  'change.moved-back': { ja: '延期', en: 'Date moved back' },
  'change.new-measure': { ja: '新しい施策', en: 'New measure' },
  'change.new-milestone': { ja: '新しいマイルストーン', en: 'New milestone' },
  'change.measure-cancelled': { ja: '施策の中止', en: 'Measure cancelled' },
  'change.milestone-cancelled': { ja: 'マイルストーンの中止', en: 'Milestone cancelled' },
  // the page
  update: { ja: '進捗状況のお知らせ', en: 'Progress update' },
  asOf: { ja: '時点の状況です。', en: 'Status as of' },
  directive: { ja: 'に基づく施策の進捗です。', en: 'Progress of the measures under' },
  item: { ja: '指導事項', en: 'Directive item' },
  other: { ja: 'その他の施策', en: 'Other measures' },
  status: { ja: '状況', en: 'Status' },
  milestone: { ja: 'マイルストーン', en: 'Milestone' },
  originalDue: { ja: '当初の期日', en: 'Original date' },
  due: { ja: '現在の期日', en: 'Committed date' },
  completedOn: { ja: '完了日', en: 'Completed on' },
  dueOn: { ja: '期日', en: 'due' },
  changes: { ja: '前回の更新からの変更', en: 'What changed since the previous update' },
  noChanges: { ja: '前回の更新からの変更はありません。', en: 'Nothing changed since the previous update.' },
  noMeasures: { ja: '公開する施策はまだありません。', en: 'There are no measures to report yet.' },
  none: { ja: '—', en: '—' },
  // the timeline chart's caption (the chart's own words are in chart.ts)
  chart: {
    ja: 'マイルストーンごとの当初の期日、現在の期日、完了日',
    en: 'Original, committed and completion dates of each milestone',
  },
  chartText: { ja: '図の内容（テキスト）', en: 'The chart as text' },
} as const satisfies Record<string, Localized>;

type Word = keyof typeof PUBLIC_WORDS;

const word = (key: Word, lang: Lang): string => PUBLIC_WORDS[key][lang];

const localized = (t: Localized): Localized => ({ ja: t.ja, en: t.en });

const rank: Record<PublicStatus, number> = {
  'in-progress': 0,
  rescheduled: 1,
  delayed: 2,
  completed: -1,
  cancelled: -2,
};

/** The public status of one milestone at `now`. */
function milestonePublicStatus(state: MeasureState, ms: MilestoneState, now: number): PublicStatus {
  switch (milestoneStatus(state, ms, now)) {
    case 'done':
      return 'completed';
    case 'cancelled':
      return 'cancelled';
    case 'overdue':
      return 'delayed';
    case 'awaiting-verification':
      // Not completed until a second person confirms it: the public sees it open, late once its date passed.
      if (now >= instantOf(addDays(ms.due, 1), '00:00', state.program.timezone)) return 'delayed';
      return ms.due !== ms.originalDue ? 'rescheduled' : 'in-progress';
    case 'at-risk':
    case 'on-track':
      return ms.due !== ms.originalDue ? 'rescheduled' : 'in-progress';
  }
}

/** The public status of a measure from those of its milestones (see `PublicStatus`). */
function measurePublicStatus(state: MeasureState, milestones: readonly PublicMilestone[]): PublicStatus {
  if (state.cancelled) return 'cancelled';
  const open = milestones.map((m) => m.status).filter((s) => s !== 'completed' && s !== 'cancelled');
  if (open.length === 0) return milestones.some((m) => m.status === 'completed') ? 'completed' : 'cancelled';
  return open.reduce((worst, s) => (rank[s] > rank[worst] ? s : worst));
}

/** One measure, copied field by field from the allow-list. */
function publicMeasure(state: MeasureState, now: number): PublicMeasure {
  const milestones = state.milestones.map((ms): PublicMilestone => ({
    id: ms.id,
    title: localized(ms.title),
    originalDue: ms.originalDue,
    due: ms.due,
    completedOn: ms.completed ? ms.completed.on : null,
    status: milestonePublicStatus(state, ms, now),
  }));
  const summary = state.measure.publicSummary;
  return {
    id: state.measure.id,
    title: localized(state.measure.title),
    summary: summary ? localized(summary) : null,
    directiveItems: state.measure.directiveItems.slice(),
    status: measurePublicStatus(state, milestones),
    milestones,
  };
}

/**
 * The public projection of a program's measure states at instant `now` (see `PublicProgram`). The
 * program's id and title come from `program` when given (its directive is only known there), else from
 * the states. Throws when the states belong to different programs, or when there is neither.
 */
export function publicProjection(
  states: readonly MeasureState[],
  now: number,
  program?: PublicProgramSource,
): PublicProgram {
  const first = states[0]?.program;
  const source = program ?? first;
  if (!source) throw new Error('publicProjection: no measure states and no program');
  const foreign = states.find((s) => s.program.id !== source.id);
  if (foreign)
    throw new Error(
      `publicProjection: measure ${foreign.measure.id} belongs to ${foreign.program.id}, not ${source.id}`,
    );
  const d = program?.directive;
  return {
    id: source.id,
    title: localized(source.title),
    directive: d ? { ref: d.ref, issuer: d.issuer, issuedOn: d.issuedOn } : null,
    asOf: dateOf(now, source.timezone),
    measures: states.map((s) => publicMeasure(s, now)),
  };
}

/** What `publicChanges` reads of the previous update: a projection, or the baseline a published update kept. */
export type ComparedMeasure = Pick<PublicMeasure, 'id' | 'status'> & {
  milestones: ReadonlyArray<Pick<PublicMilestone, 'id' | 'due' | 'completedOn' | 'status'>>;
};

const CHANGE_ORDER: readonly PublicChangeKind[] = [
  'completed',
  'pulled-forward',
  'moved-back',
  'new-measure',
  'new-milestone',
  'measure-cancelled',
  'milestone-cancelled',
];

/**
 * What changed from `previous` (the last published update's projection) to `current`, grouped by kind
 * in the order of `PublicChangeKind`'s documentation, each kind in the order of measures and milestones
 * in `current`. Without a previous update there is nothing to compare: the list is empty. A measure that
 * `current` no longer has is not reported (measures are cancelled, never removed).
 */
export function publicChanges(
  previous: { measures: readonly ComparedMeasure[] } | undefined,
  current: PublicProgram,
): PublicChange[] {
  if (!previous) return [];
  const before = new Map(previous.measures.map((m) => [m.id, m]));
  const out: PublicChange[] = [];
  for (const m of current.measures) {
    const was = before.get(m.id);
    if (!was) {
      out.push({ kind: 'new-measure', measure: m.id });
      continue;
    }
    if (m.status === 'cancelled' && was.status !== 'cancelled') out.push({ kind: 'measure-cancelled', measure: m.id });
    const wasMilestones = new Map(was.milestones.map((ms) => [ms.id, ms]));
    for (const ms of m.milestones) {
      const old = wasMilestones.get(ms.id);
      const ref = { measure: m.id, milestone: ms.id };
      if (!old) {
        out.push({ kind: 'new-milestone', ...ref, due: ms.due });
        continue;
      }
      if (ms.completedOn !== null && old.completedOn === null)
        out.push({ kind: 'completed', ...ref, on: ms.completedOn });
      if (ms.due < old.due) out.push({ kind: 'pulled-forward', ...ref, from: old.due, to: ms.due });
      if (ms.due > old.due) out.push({ kind: 'moved-back', ...ref, from: old.due, to: ms.due });
      if (ms.status === 'cancelled' && old.status !== 'cancelled' && m.status !== 'cancelled')
        out.push({ kind: 'milestone-cancelled', ...ref });
    }
  }
  const order = (c: PublicChange) => CHANGE_ORDER.indexOf(c.kind);
  return out.sort((a, b) => order(a) - order(b)); // stable: measure and milestone order within a kind
}

/** Characters that open an inline construct anywhere in a line (emphasis, code, links, images, HTML, entities, table cells, headings' closing #). */
const INLINE_SPECIAL = /[\\`*_[\]<>|&!~#]/g;

/** What `oneLine` changes: a line break or tab, or white space at either end. */
const NOT_ONE_LINE = /[\t\r\n\u2028\u2029]|^\s|\s$/;
/** What `escapeMarkdown` changes: what `oneLine` changes, a special character, or a line start that could open a block. */
const NOT_LITERAL = /[\\`*_[\]<>|&!~#\t\r\n\u2028\u2029]|^[-+=>\d\s]|\s$/;

/** A plan text on one line: line breaks and tabs as spaces, no white space at the ends (what a reader sees of `escapeMarkdown`). */
function oneLine(s: string): string {
  if (!NOT_ONE_LINE.test(s)) return s;
  return s
    .replace(/[ \t]*[\r\n\u2028\u2029]+[ \t]*/g, ' ')
    .replace(/\t/g, ' ')
    .trim();
}

/**
 * A plan text as literal Markdown inline text: one line (line breaks become spaces), every character
 * that could open a Markdown construct backslash-escaped, and a line start that could open a block
 * (list, quote, heading underline, ordered list) escaped too.
 */
export function escapeMarkdown(s: string): string {
  if (!NOT_LITERAL.test(s)) return s;
  return oneLine(s)
    .replace(INLINE_SPECIAL, (c) => `\\${c}`)
    .replace(/^[-+=>]/, (c) => `\\${c}`)
    .replace(/^(\d+)([.)])/, '$1\\$2');
}

/**
 * The public update's Markdown: every plan text escaped by `escapeMarkdown`, so that it reads as written
 * (on one line) and cannot open a construct; tables with a ` --- ` delimiter row.
 */
export const PUBLIC_DIALECT: MarkdownDialect = {
  text: escapeMarkdown,
  shownText: oneLine,
  cell: escapeMarkdown,
  shownCell: oneLine,
  delimiter: (columns) => `|${' --- |'.repeat(columns)}`,
};

/** The blocks of one measure: title, summary, status and the table of its milestones. */
function measureBlocks(m: PublicMeasure, lang: Lang): Block[] {
  const out = [heading(3, text(m.title[lang]))];
  if (m.summary) out.push(paragraph(text(m.summary[lang])));
  out.push(paragraph([`${word('status', lang)}: `, strong(word(m.status, lang))]));
  const head = [word('milestone', lang), word('originalDue', lang), word('due', lang), word('completedOn', lang)];
  out.push(
    table(
      [...head, word('status', lang)],
      m.milestones.map((ms) => [
        text(ms.title[lang]),
        ms.originalDue,
        ms.due,
        ms.completedOn ?? word('none', lang),
        word(ms.status, lang),
      ]),
    ),
  );
  return out;
}

/** One item of "what changed", with the titles looked up in `byId`. */
function changeItem(c: PublicChange, byId: ReadonlyMap<string, PublicMeasure>, lang: Lang): Inline[] {
  const m = byId.get(c.measure);
  const measure = text(m ? m.title[lang] : c.measure);
  const label = `${word(`change.${c.kind}`, lang)}: `;
  if (c.kind === 'new-measure' || c.kind === 'measure-cancelled') return [label, measure];
  const ms = m?.milestones.find((x) => x.id === c.milestone);
  const what = [label, measure, ' — ', text(ms ? ms.title[lang] : c.milestone)];
  const [open, close] = lang === 'ja' ? ['（', '）'] : [' (', ')'];
  switch (c.kind) {
    case 'completed':
      return [...what, `${open}${c.on}${close}`];
    case 'pulled-forward':
    case 'moved-back':
      return [...what, `: ${c.from} → ${c.to}`];
    case 'new-milestone':
      return [...what, `${open}${word('dueOn', lang)} ${c.due}${close}`];
    case 'milestone-cancelled':
      return what;
  }
}

/**
 * The public progress update for `period` (e.g. `2025-06`) in `lang`, as a document (see `doc.ts`): the
 * program and its directive, then per directive item (in order of first appearance; a measure with
 * several items is shown under each, measures without one under "other measures" at the end) each
 * measure's title, summary, status and milestone table (original, committed and completion dates,
 * status), and last what changed since the previous update (`changes`, from `publicChanges`). Plan texts
 * are escaped in its Markdown (`PUBLIC_DIALECT`). `renderPublicMarkdown` and `renderPublicHtml` write it.
 */
export function publicDocument(
  p: PublicProgram,
  changes: readonly PublicChange[],
  lang: Lang,
  period: string,
): MarkdownDocument {
  const out: Block[] = [];
  out.push(
    heading(
      1,
      lang === 'ja'
        ? [text(p.title.ja), ` ${word('update', lang)}（`, text(period), '）']
        : [text(p.title.en), `: ${word('update', lang)} `, text(period)],
    ),
  );
  const d = p.directive;
  const directive: Inline[] = !d
    ? []
    : lang === 'ja'
      ? [text(d.issuer), ' ', text(d.ref), `（${d.issuedOn}）${word('directive', lang)}`]
      : [`${word('directive', lang)} `, text(d.issuer), ' ', text(d.ref), ` of ${d.issuedOn}. `];
  const asOf = lang === 'ja' ? `${p.asOf} ${word('asOf', lang)}` : `${word('asOf', lang)} ${p.asOf}.`;
  out.push(paragraph([...directive, asOf]));

  const groups = new Map<string, PublicMeasure[]>();
  const other: PublicMeasure[] = [];
  for (const m of p.measures) {
    if (m.directiveItems.length === 0) other.push(m);
    for (const item of new Set(m.directiveItems)) {
      const members = groups.get(item) ?? [];
      members.push(m);
      groups.set(item, members);
    }
  }
  for (const [item, measures] of groups) {
    out.push(heading(2, [`${word('item', lang)} `, text(item)]));
    for (const m of measures) out.push(...measureBlocks(m, lang));
  }
  if (other.length) {
    out.push(heading(2, word('other', lang)));
    for (const m of other) out.push(...measureBlocks(m, lang));
  }
  if (p.measures.length === 0) out.push(paragraph(word('noMeasures', lang)));

  out.push(heading(2, word('changes', lang)));
  if (changes.length === 0) out.push(paragraph(word('noChanges', lang)));
  else {
    // The first measure of an id, as a search from the start finds it.
    const byId = new Map<string, PublicMeasure>();
    for (const m of p.measures) if (!byId.has(m.id)) byId.set(m.id, m);
    out.push(list(changes.map((c) => changeItem(c, byId, lang))));
  }
  return { dialect: PUBLIC_DIALECT, blocks: out };
}

/** The public progress update of `publicDocument` as Markdown (plan texts escaped). */
export function renderPublicMarkdown(
  p: PublicProgram,
  changes: readonly PublicChange[],
  lang: Lang,
  period: string,
): string {
  return documentMarkdown(publicDocument(p, changes, lang, period));
}

/** Text as HTML text or attribute value. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = [
  'body{font-family:system-ui,sans-serif;line-height:1.6;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}',
  'table{border-collapse:collapse;margin:0.5rem 0 1.5rem}',
  'th,td{border:1px solid #bbb;padding:0.25rem 0.6rem;text-align:left}',
  'th{background:#f2f2f2}',
].join('');

/** Added to `STYLE` on a page with a chart: the SVG scales down to the page width. */
const CHART_STYLE = [
  'figure{margin:1rem 0 1.5rem}',
  'figure svg{display:block;max-width:100%;height:auto}',
  'figcaption{font-size:0.9rem;color:#444}',
  'figcaption pre{white-space:pre-wrap;font-family:inherit;margin:0.25rem 0}',
].join('');

/** The chart as a figure: the SVG, a caption, and the text alternative (escaped, its lines kept) to unfold. */
function chartFigure(chart: { svg: string; alt: string }, lang: Lang): string {
  return [
    '<figure>',
    chart.svg,
    `<figcaption>${escapeHtml(word('chart', lang))}`,
    `<details><summary>${escapeHtml(word('chartText', lang))}</summary><pre>${escapeHtml(chart.alt)}</pre></details>`,
    '</figcaption>',
    '</figure>',
  ].join('\n');
}

/**
 * Writes the page body to `lines`: the blocks of `doc` as HTML, with `figure` after the first paragraph
 * (the intro of `publicDocument`, under the heading) or, without one, at the end.
 */
function writeBody(doc: MarkdownDocument, figure: string | undefined, lines: string[]): void {
  let placed = figure === undefined;
  for (const b of doc.blocks) {
    if (blockHtml(b, doc.dialect, lines) && !placed && b.kind === 'paragraph') {
      lines.push(figure as string);
      placed = true;
    }
  }
  if (!placed) lines.push(figure as string);
}

/**
 * A complete HTML5 page of a document: `doc` (from `publicDocument`, or `regulatorDocument` for the
 * regulator report) written as HTML directly from its blocks (`doc.ts`: every text escaped, the elements
 * markdown-it gives for the document's Markdown, nothing parsed), in a page with `lang`, a UTF-8
 * charset, the escaped `title`, a small style sheet and a Content-Security-Policy that allows no script
 * and no remote resource.
 *
 * With `chart` (from `timelineChart` in `chart.ts`, in the same `lang`), the SVG is inlined, as is, in a
 * `<figure>` after the intro paragraph, with a caption and the text alternative in a `<details>`; inline
 * SVG needs nothing more from the policy. Pass only `timelineChart`'s output: its SVG is not escaped here.
 */
export function renderPublicHtml(
  doc: MarkdownDocument,
  lang: Lang,
  title: string,
  chart?: { svg: string; alt: string },
): string {
  const lines = [
    '<!DOCTYPE html>',
    `<html lang="${lang}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}${chart ? CHART_STYLE : ''}</style>`,
    '</head>',
    '<body>',
    '<main>',
  ];
  // One array of lines for the whole page, joined once: the body of 10,000 measures is large.
  writeBody(doc, chart && chartFigure(chart, lang), lines);
  lines.push('</main>', '</body>', '</html>', '');
  return lines.join('\n');
}
