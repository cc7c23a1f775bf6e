/**
 * The timeline chart of the public progress update (design section 8, issue 6 §3): per milestone its
 * original date, its committed date and its completion date, drawn by ECharts' server-side SVG renderer
 * from the public projection only (`PublicProgram`), with a plain-text alternative in the same language.
 *
 * The SVG is made fit for inlining in the page:
 * - deterministic: zrender numbers its ids and CSS classes from counters that live as long as the
 *   process (`zr0-`, `zr1-`... per chart, `cls-N` across charts), so the same program would give other
 *   bytes on a second render. The hover style sheet those classes serve (pointless in a static page) is
 *   removed with the classes, and any other id is renamed to one fixed prefix: one chart per page;
 * - time-zone proof: dates are UTC midnights and the chart is drawn in UTC (`useUTC`), so the process's
 *   time zone cannot move a tick;
 * - accessible: `role="img"`, an `aria-label` and a `<title>`; the full content is in `alt`;
 * - safe: zrender escapes `& < > " '` in every text it writes; the attribute and `<title>` added here are
 *   escaped too, and no plan text reaches an ECharts string template (labels are data, not formatters).
 *
 * Very large programs: the chart draws at most `MAX_CHART_ROWS` milestones (the first, in plan order) and
 * says so under the plot; `alt` always lists every milestone.
 */
import * as echarts from 'echarts';
import type { LocalDate } from '../dates';
import type { Lang, Localized } from '../plan';
import { PUBLIC_WORDS, escapeHtml, type PublicProgram } from './public';

/** The most milestones the chart draws (about 3,300 px high); the rest are only in the text alternative. */
export const MAX_CHART_ROWS = 120;

/** Every word of the chart, in both languages. The legend uses the milestone table's column names. */
export const CHART_WORDS = {
  original: PUBLIC_WORDS.originalDue,
  current: PUBLIC_WORDS.due,
  actual: PUBLIC_WORDS.completedOn,
  none: PUBLIC_WORDS.none,
  timeline: { ja: 'マイルストーンのタイムライン', en: 'Timeline of the milestones' },
  asOf: { ja: '時点', en: 'As of' },
  noMilestones: { ja: 'マイルストーンはまだありません。', en: 'There are no milestones yet.' },
} as const satisfies Record<string, Localized>;

type ChartWord = keyof typeof CHART_WORDS;

const word = (key: ChartWord, lang: Lang): string => CHART_WORDS[key][lang];

const WIDTH = 880;
const ROW = 26;
/** Legend, then the date axis at the top (a tall chart is read from the top, like a Gantt chart). */
const TOP = 64;
const BOTTOM = 20;
/** Room under the plot for the "first N of M" note. */
const NOTE = 32;
const LABEL_WIDTH = 240;
/** Width units (see `units`) of the measure's part of a row label: a little over half the label column. */
const MEASURE_UNITS = 22;
const DAY = 86_400_000;

const COLORS = { original: '#6b7280', current: '#1d4ed8', actual: '#15803d', asOf: '#b45309', text: '#1a1a1a' };

/** A plan text on one line (a title may hold line breaks; the alternative has one line per milestone). */
const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();

const utc = (d: LocalDate): number => Date.parse(`${d}T00:00:00Z`);

interface Row {
  /** As drawn (possibly cut): computed for the drawn rows only (see `timelineChart`). */
  label: string;
  measure: string;
  milestone: string;
  /** As listed in the text alternative. */
  full: string;
  original: LocalDate;
  current: LocalDate;
  actual: LocalDate | null;
  status: string;
}

/** Width units of a character: 2 for East Asian wide characters, else 1 (about 6.5 px at 12 px). */
const units = (c: string): number =>
  /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(c) ? 2 : 1;

/** `s` cut to at most `max` width units, with an ellipsis when cut. */
function clip(s: string, max: number): string {
  let used = 0;
  let out = '';
  for (const c of s) {
    used += units(c);
    if (used > max) return `${out.trimEnd()}…`;
    out += c;
  }
  return out;
}

/**
 * The row label `measure — milestone`: the measure's title is cut so that the milestone's stays
 * readable in the label column (ECharts cuts what is still too wide); the full titles are in `alt`.
 */
const rowLabel = (measure: string, milestone: string): string =>
  `${clip(oneLine(measure), MEASURE_UNITS)} — ${oneLine(milestone)}`;

function rowsOf(p: PublicProgram, lang: Lang): Row[] {
  return p.measures.flatMap((m) =>
    m.milestones.map((ms) => ({
      label: '',
      measure: m.title[lang],
      milestone: ms.title[lang],
      full: `${oneLine(m.title[lang])} — ${oneLine(ms.title[lang])}`,
      original: ms.originalDue,
      current: ms.due,
      actual: ms.completedOn,
      status: PUBLIC_WORDS[ms.status][lang],
    })),
  );
}

/** The note under a capped chart. */
function capNote(shown: number, total: number, lang: Lang): string {
  return lang === 'ja'
    ? `図には全 ${total} 件のうち最初の ${shown} 件を示します。すべてはテキストの説明にあります。`
    : `The chart shows the first ${shown} of ${total} milestones; the text version lists them all.`;
}

/** The text alternative: a heading line, then one line per milestone with its three dates and status. */
function altText(p: PublicProgram, rows: readonly Row[], lang: Lang): string {
  const date = (d: LocalDate | null) => d ?? word('none', lang);
  const head =
    lang === 'ja'
      ? `${word('timeline', lang)}（${p.asOf} ${word('asOf', lang)}、${rows.length} 件）`
      : `${word('timeline', lang)} (${word('asOf', lang).toLowerCase()} ${p.asOf}, ${rows.length} milestones)`;
  const lines = rows.map((r) =>
    lang === 'ja'
      ? `${r.full}：${word('original', lang)} ${r.original}、${word('current', lang)} ${r.current}、${word('actual', lang)} ${date(r.actual)}（${r.status}）`
      : `${r.full}: ${word('original', lang)} ${r.original}; ${word('current', lang)} ${r.current}; ${word('actual', lang)} ${date(r.actual)} (${r.status})`,
  );
  if (rows.length === 0) lines.push(word('noMilestones', lang));
  return [head, ...lines].join('\n');
}

/** The x range: every date drawn and the as-of date, with a margin so that no marker sits on the edge. */
function range(rows: readonly Row[], asOf: LocalDate): { min: number; max: number } {
  const all = [
    utc(asOf),
    ...rows.flatMap((r) => [utc(r.original), utc(r.current), ...(r.actual ? [utc(r.actual)] : [])]),
  ];
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const margin = Math.max(14 * DAY, Math.round((hi - lo) * 0.03));
  return { min: lo - margin, max: hi + margin };
}

/** The ECharts option of the chart (legend, date axis on top, one row per milestone, three marker series). */
function chartOption(rows: readonly Row[], total: number, asOf: LocalDate, lang: Lang): echarts.EChartsOption {
  const capped = rows.length < total;
  const { min, max } = range(rows, asOf);
  const marker = (key: 'original' | 'current' | 'actual', symbol: string, data: Array<[number, number]>) => ({
    type: 'scatter' as const,
    name: word(key, lang),
    symbol,
    symbolSize: key === 'original' ? 11 : 10,
    // emptyCircle draws its outline in `color` and fills it white.
    itemStyle: { color: COLORS[key], opacity: 1, ...(key === 'original' ? { borderWidth: 2 } : {}) },
    silent: true,
    progressive: 0,
    large: false,
    data,
  });
  return {
    animation: false,
    useUTC: true,
    textStyle: { fontFamily: 'system-ui, sans-serif', color: COLORS.text },
    legend: {
      top: 8,
      selectedMode: false,
      itemWidth: 14,
      itemHeight: 14,
      data: [word('original', lang), word('current', lang), word('actual', lang)],
    },
    grid: { left: LABEL_WIDTH + 16, right: 48, top: TOP, bottom: BOTTOM + (capped ? NOTE : 0) },
    xAxis: {
      type: 'time',
      position: 'top',
      min,
      max,
      axisLabel: { formatter: { year: '{yyyy}', month: '{yyyy}-{MM}', day: '{yyyy}-{MM}-{dd}' }, hideOverlap: true },
      splitLine: { show: true, lineStyle: { color: '#e5e7eb' } },
    },
    yAxis: {
      type: 'category',
      inverse: true,
      data: rows.map((r) => r.label),
      axisLabel: { interval: 0, width: LABEL_WIDTH, overflow: 'truncate', ellipsis: '…' },
      axisTick: { show: false },
      splitLine: { show: true, lineStyle: { color: '#f3f4f6' } },
    },
    series: [
      marker(
        'original',
        'emptyCircle',
        rows.map((r, i) => [utc(r.original), i]),
      ),
      marker(
        'current',
        'diamond',
        rows.map((r, i) => [utc(r.current), i]),
      ),
      marker(
        'actual',
        'triangle',
        rows.flatMap((r, i): Array<[number, number]> => (r.actual ? [[utc(r.actual), i]] : [])),
      ),
      {
        // Its own series, so that the markers of the three above are theirs alone.
        type: 'scatter',
        silent: true,
        data: [],
        markLine: {
          silent: true,
          symbol: 'none',
          lineStyle: { color: COLORS.asOf, type: 'dashed', width: 1 },
          label: {
            position: 'end',
            color: COLORS.asOf,
            formatter: () => (lang === 'ja' ? `${asOf} ${word('asOf', lang)}` : `${word('asOf', lang)} ${asOf}`),
          },
          data: [{ xAxis: utc(asOf) }],
        },
      },
    ],
    graphic:
      rows.length === 0
        ? [
            {
              type: 'text',
              left: 'center',
              top: TOP + 8,
              style: { text: word('noMilestones', lang), fill: COLORS.text },
            },
          ]
        : capped
          ? [
              {
                type: 'text',
                left: LABEL_WIDTH + 16,
                bottom: BOTTOM,
                style: { text: capNote(rows.length, total, lang), fill: COLORS.text, fontSize: 12 },
              },
            ]
          : [],
  };
}

/**
 * Makes zrender's output stable and static: drops the hover classes and their style sheet, renames the
 * instance-numbered ids to one prefix, and adds `role`, `aria-label` and `<title>`. Only markup is
 * touched: text nodes cannot hold `<` (zrender escapes it), so every `<...>` matched is a tag.
 */
function finish(svg: string, label: string): string {
  const out = svg
    .replace(/<style\b[^>]*>[\s\S]*?<\/style>\s*/g, '')
    .replace(/<[^>]*>/g, (tag) => tag.replace(/ class="zr\d+-cls-\d+"/g, '').replace(/\bzr\d+-/g, 'rt-timeline-'));
  if (!out.startsWith('<svg ')) throw new Error('timelineChart: ECharts did not return an SVG document');
  const open = out.indexOf('>') + 1;
  const a = escapeHtml(label); // also right for XML: it writes numeric references only
  return `<svg role="img" aria-label="${a}" ${out.slice(5, open)}\n<title>${a}</title>${out.slice(open)}`;
}

/**
 * The timeline chart of `p` in `lang`: `svg`, an SVG document (one row per milestone, `measure — milestone`,
 * with markers for the original date, the committed date and the completion date when there is one, a
 * dashed line at `p.asOf`, a legend), and `alt`, its plain-text alternative (not HTML: escape it where it
 * goes), one line per milestone with its three dates. Same input, same bytes.
 */
export function timelineChart(p: PublicProgram, lang: Lang): { svg: string; alt: string } {
  const all = rowsOf(p, lang);
  const rows = all.slice(0, MAX_CHART_ROWS).map((r) => ({ ...r, label: rowLabel(r.measure, r.milestone) }));
  const capped = rows.length < all.length;
  const label = `${word('timeline', lang)}${lang === 'ja' ? '：' : ': '}${oneLine(p.title[lang])}`;
  // The SVG depends on nothing else: a recompile of the same update draws the same chart.
  const key = JSON.stringify([
    lang,
    p.asOf,
    all.length,
    label,
    rows.map((r) => [r.label, r.original, r.current, r.actual]),
  ]);
  let svg = drawn.get(key);
  if (svg === undefined) {
    const height = TOP + BOTTOM + ROW * Math.max(rows.length, 2) + (capped ? NOTE : 0);
    const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height });
    try {
      chart.setOption(chartOption(rows, all.length, p.asOf, lang));
      svg = finish(chart.renderToSVGString(), label);
    } finally {
      chart.dispose();
    }
    if (drawn.size >= 16) drawn.clear();
    drawn.set(key, svg);
  }
  return { svg, alt: altText(p, all, lang) };
}

/** The SVGs drawn lately, by what they show (ECharts takes tens of milliseconds for a full chart). */
const drawn = new Map<string, string>();
