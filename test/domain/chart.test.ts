/**
 * The timeline chart of the public update (design section 8, issue 6 §3): a well-formed SVG with one
 * marker per date per milestone, its legend in both languages, the same bytes for the same program, plan
 * texts escaped, a text alternative with every milestone's dates, the cap on very large programs, and
 * the chart's place in the HTML page.
 */
import { describe, expect, it } from 'vitest';
// xml-js (with sax in strict mode) comes with `feed`; here it only checks well-formedness.
import { xml2js, type Element } from 'xml-js';
import { addDays } from '../../src/domain/dates';
import { CHART_WORDS, MAX_CHART_ROWS, timelineChart } from '../../src/domain/reports/chart';
import { heading } from '../../src/domain/reports/doc';
import {
  PUBLIC_DIALECT,
  publicDocument,
  publicProjection,
  renderPublicHtml,
  type PublicMeasure,
  type PublicMilestone,
  type PublicProgram,
} from '../../src/domain/reports/public';
import { basePlan, statesAt, tokyo } from './fixtures';

const t = (ja: string, en: string) => ({ ja, en });

function milestone(id: string, originalDue: string, due: string, completedOn: string | null = null): PublicMilestone {
  return {
    id,
    title: t(`段階 ${id}`, `Stage ${id}`),
    originalDue,
    due,
    completedOn,
    status: completedOn ? 'completed' : due !== originalDue ? 'rescheduled' : 'in-progress',
  };
}

function measure(id: string, milestones: PublicMilestone[]): PublicMeasure {
  return {
    id,
    title: t(`施策 ${id}`, `Measure ${id}`),
    summary: null,
    directiveItems: ['(1)'],
    status: 'in-progress',
    milestones,
  };
}

function program(measures: PublicMeasure[]): PublicProgram {
  return { id: 'p', title: t('テスト', 'Test'), directive: null, asOf: '2025-06-20', measures };
}

/** Two measures, four milestones: one on time, one moved back, one pulled forward, one completed. */
const SMALL = program([
  measure('a', [
    milestone('1', '2025-03-31', '2025-03-31'),
    milestone('2', '2025-06-30', '2025-09-30'),
    milestone('3', '2025-12-31', '2025-11-30'),
  ]),
  measure('b', [milestone('1', '2024-10-31', '2024-10-31', '2024-10-25')]),
]);

/** `n` milestones over `m` measures, every fourth completed, every third moved back by 45 days. */
function large(m: number, n: number): PublicProgram {
  let k = 0;
  const measures = Array.from({ length: m }, (_, i) => {
    const count = Math.floor(n / m) + (i < n % m ? 1 : 0);
    return measure(
      `m${i}`,
      Array.from({ length: count }, (_, j) => {
        k++;
        const original = addDays('2024-10-01', 20 * i + 30 * j);
        const due = k % 3 === 0 ? addDays(original, 45) : original;
        return milestone(`${j}`, original, due, k % 4 === 0 ? addDays(due, -5) : null);
      }),
    );
  });
  return program(measures);
}

/** The root element of `svg`, which must be well-formed XML: sax (strict) checks the tags, this the entities. */
function parse(svg: string): Element {
  const entity = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.exec(svg);
  if (entity) throw new Error(`not an XML entity at ${entity.index}: ${svg.slice(entity.index, entity.index + 12)}`);
  const doc = xml2js(svg, { compact: false }) as Element;
  const root = doc.elements?.find((e) => e.type === 'element');
  if (!root) throw new Error('no root element');
  return root;
}

function* walk(e: Element): Generator<Element> {
  yield e;
  for (const c of e.elements ?? []) yield* walk(c);
}

/** The decoded text of every `<text>` element. */
const texts = (root: Element): string[] =>
  [...walk(root)]
    .filter((e) => e.name === 'text')
    .map((e) => (e.elements ?? []).map((c) => String(c.text ?? '')).join(''));

interface Marker {
  x: number;
  y: number;
}

/**
 * The plotted markers of a series (0: original, 1: committed, 2: completion), as ECharts' SSR metadata
 * names them (`ecmeta_ssr_type="chart"`: not the legend's icons), at the centre of their symbol transform.
 */
function markers(root: Element, series: number): Marker[] {
  return [...walk(root)]
    .filter(
      (e) =>
        e.name === 'path' &&
        e.attributes?.ecmeta_ssr_type === 'chart' &&
        e.attributes.ecmeta_series_index === String(series) &&
        String(e.attributes.transform ?? '').startsWith('matrix('),
    )
    .map((e) => {
      const m = /^matrix\(([^)]*)\)$/.exec(String(e.attributes?.transform));
      const [, , , , x, y] = (m?.[1] ?? '').split(',').map(Number);
      return { x: x!, y: y! };
    });
}

describe('timelineChart', () => {
  it('is a well-formed SVG with role="img", an aria-label and a <title>', () => {
    expect(() => parse('<svg><g></svg>')).toThrow(); // the check is strict
    expect(() => parse('<svg a=b></svg>')).toThrow();
    expect(() => parse('<svg>&nbsp;</svg>')).toThrow();
    expect(() => parse('<svg>a & b</svg>')).toThrow();
    for (const lang of ['ja', 'en'] as const) {
      const root = parse(timelineChart(SMALL, lang).svg);
      expect(root.name).toBe('svg');
      expect(root.attributes?.xmlns).toBe('http://www.w3.org/2000/svg');
      expect(root.attributes?.role).toBe('img');
      const label = `${CHART_WORDS.timeline[lang]}${lang === 'ja' ? '：テスト' : ': Test'}`;
      expect(root.attributes?.['aria-label']).toBe(label);
      const title = root.elements?.find((e) => e.type === 'element');
      expect(title?.name).toBe('title');
      expect(title?.elements?.[0]?.text).toBe(label);
    }
  });

  it('draws one marker per date per milestone, on its row, the later date to the right', () => {
    const root = parse(timelineChart(SMALL, 'en').svg);
    const [original, current, actual] = [markers(root, 0), markers(root, 1), markers(root, 2)];
    expect(original).toHaveLength(4);
    expect(current).toHaveLength(4);
    expect(actual).toHaveLength(1); // only b/1 is completed
    // Rows top to bottom in plan order, one per milestone, each series on the same rows.
    const rows = original.map((m) => m.y);
    expect(rows).toEqual([...rows].sort((a, b) => a - b));
    expect(new Set(rows).size).toBe(4);
    expect(current.map((m) => m.y)).toEqual(rows);
    expect(actual[0]!.y).toBe(rows[3]);
    const [o, c] = [original, current];
    expect(c[0]!.x).toBeCloseTo(o[0]!.x); // on time
    expect(c[1]!.x).toBeGreaterThan(o[1]!.x); // moved back
    expect(c[2]!.x).toBeLessThan(o[2]!.x); // pulled forward
    expect(actual[0]!.x).toBeLessThan(c[3]!.x); // completed before the date
    // Time runs left to right: b/1 (2024) is left of a/1 (2025-03).
    expect(o[3]!.x).toBeLessThan(o[0]!.x);
  });

  it('labels each row "measure — milestone" and writes the legend and the as-of line in the language', () => {
    const en = texts(parse(timelineChart(SMALL, 'en').svg));
    expect(en).toEqual(
      expect.arrayContaining([
        'Measure a — Stage 1',
        'Measure a — Stage 3',
        'Measure b — Stage 1',
        'Original date',
        'Committed date',
        'Completed on',
        'As of 2025-06-20',
      ]),
    );
    const ja = texts(parse(timelineChart(SMALL, 'ja').svg));
    expect(ja).toEqual(
      expect.arrayContaining(['施策 a — 段階 2', '当初の期日', '現在の期日', '完了日', '2025-06-20 時点']),
    );
    expect(ja).not.toContain('Original date');
    // Date ticks are written as dates, not as month names of a locale.
    expect(en.some((s) => /^\d{4}(-\d\d)?$/.test(s))).toBe(true);
    expect(en.join(' ')).not.toMatch(/\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b/);
  });

  it('gives the same bytes for the same program, whatever was drawn before and whatever the time zone', () => {
    const first = timelineChart(SMALL, 'ja');
    timelineChart(large(3, 10), 'en'); // moves ECharts' instance and class counters on
    expect(timelineChart(SMALL, 'ja')).toEqual(first);
    expect(first.svg).not.toMatch(/\bzr\d+-|class=|<style/);
    const zone = process.env.TZ;
    try {
      for (const tz of ['America/Los_Angeles', 'Pacific/Kiritimati']) {
        process.env.TZ = tz;
        expect(timelineChart(SMALL, 'ja').svg, tz).toBe(first.svg);
      }
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it('escapes hostile plan texts: no element, no entity, no CDATA end, no rich-text template', () => {
    const evil = '<script>alert(1)</script>&amp;"\'';
    const p: PublicProgram = {
      ...program([
        {
          ...measure('x', [{ ...milestone('1', '2025-03-31', '2025-03-31'), title: t(']]>{a|b}', ']]>{a|b}') }]),
          title: t('<b>&"', '<b>&"'),
        },
      ]),
      title: t(evil, evil),
    };
    for (const lang of ['ja', 'en'] as const) {
      const { svg, alt } = timelineChart(p, lang);
      expect(svg).not.toMatch(/<script|<b>|]]>/);
      expect(svg).not.toContain('&"');
      const root = parse(svg); // still well-formed
      expect(root.attributes?.['aria-label']).toContain(evil);
      expect(texts(root)).toContain('<b>&" — ]]>{a|b}');
      expect([...walk(root)].filter((e) => e.type === 'element' && e.name === 'script')).toEqual([]);
      // The alternative is plain text: the page escapes it.
      expect(alt).toContain('<b>&" — ]]>{a|b}');
    }
  });

  it('lists every milestone with its original, committed and completion dates in the text alternative', () => {
    const en = timelineChart(SMALL, 'en').alt.split('\n');
    expect(en).toEqual([
      'Timeline of the milestones (as of 2025-06-20, 4 milestones)',
      'Measure a — Stage 1: Original date 2025-03-31; Committed date 2025-03-31; Completed on — (In progress)',
      'Measure a — Stage 2: Original date 2025-06-30; Committed date 2025-09-30; Completed on — (Rescheduled)',
      'Measure a — Stage 3: Original date 2025-12-31; Committed date 2025-11-30; Completed on — (Rescheduled)',
      'Measure b — Stage 1: Original date 2024-10-31; Committed date 2024-10-31; Completed on 2024-10-25 (Completed)',
    ]);
    const ja = timelineChart(SMALL, 'ja').alt.split('\n');
    expect(ja[0]).toBe('マイルストーンのタイムライン（2025-06-20 時点、4 件）');
    expect(ja[2]).toBe('施策 a — 段階 2：当初の期日 2025-06-30、現在の期日 2025-09-30、完了日 —（計画変更）');
    expect(ja[4]).toBe('施策 b — 段階 1：当初の期日 2024-10-31、現在の期日 2024-10-31、完了日 2024-10-25（完了）');
  });

  it('keeps a title on one line and cuts a long measure title in the label, never in the alternative', () => {
    const long = 'Separate the authentication infrastructure of every subsidiary';
    const p = program([
      {
        ...measure('x', [{ ...milestone('1', '2025-03-31', '2025-03-31'), title: t('本体\n会社', 'Head\ncompany') }]),
        title: t(long, long),
      },
    ]);
    const { svg, alt } = timelineChart(p, 'en');
    const label = texts(parse(svg)).find((s) => s.endsWith('— Head company'));
    expect(label).toMatch(/^Separate the .*… — Head company$/);
    expect(alt.split('\n')[1]).toMatch(new RegExp(`^${long} — Head company: `));
  });

  it('grows with the milestones and draws at most MAX_CHART_ROWS of them, saying so; the alternative has all', () => {
    const height = (p: PublicProgram) => Number(parse(timelineChart(p, 'en').svg).attributes?.height);
    expect(height(large(2, 20))).toBeGreaterThan(height(SMALL));
    expect(height(large(8, 60))).toBeGreaterThan(height(large(2, 20)));

    const big = large(40, 600);
    const { svg, alt } = timelineChart(big, 'en');
    const root = parse(svg);
    expect(markers(root, 0)).toHaveLength(MAX_CHART_ROWS);
    expect(markers(root, 1)).toHaveLength(MAX_CHART_ROWS);
    expect(markers(root, 2)).toHaveLength(MAX_CHART_ROWS / 4);
    expect(texts(root)).toContain(
      `The chart shows the first ${MAX_CHART_ROWS} of 600 milestones; the text version lists them all.`,
    );
    expect(height(big)).toBe(height(large(40, MAX_CHART_ROWS + 1)));
    expect(height(big)).toBeLessThan(4000);
    expect(alt.split('\n')).toHaveLength(601);
    expect(texts(parse(timelineChart(big, 'ja').svg))).toContain(
      `図には全 600 件のうち最初の ${MAX_CHART_ROWS} 件を示します。すべてはテキストの説明にあります。`,
    );
  });

  it('draws an empty program as a valid chart that says there is nothing yet', () => {
    for (const lang of ['ja', 'en'] as const) {
      const { svg, alt } = timelineChart(program([]), lang);
      expect(texts(parse(svg))).toContain(CHART_WORDS.noMilestones[lang]);
      expect(alt.split('\n')[1]).toBe(CHART_WORDS.noMilestones[lang]);
    }
  });

  it('draws the projection of a plan', () => {
    const plan = basePlan();
    const p = publicProjection(statesAt(plan, '2025-01-06T09:00'), tokyo('2025-01-10T12:00'), plan.program);
    const count = p.measures.reduce((n, m) => n + m.milestones.length, 0);
    expect(markers(parse(timelineChart(p, 'ja').svg), 0)).toHaveLength(count);
  });
});

describe('renderPublicHtml with the chart', () => {
  const hostile: PublicProgram = {
    ...SMALL,
    measures: [{ ...SMALL.measures[0]!, title: t('<script>x</script>&', '<script>x</script>&') }],
  };

  it('puts the SVG in a figure after the intro, with a caption and the text alternative in <details>', () => {
    for (const lang of ['ja', 'en'] as const) {
      const chart = timelineChart(hostile, lang);
      const html = renderPublicHtml(publicDocument(hostile, [], lang, '2025-06'), lang, 'x', chart);
      const intro = html.indexOf('<p>');
      const figure = html.indexOf('<figure>');
      expect(intro).toBeGreaterThan(html.indexOf('</h1>'));
      expect(figure).toBeGreaterThan(html.indexOf('</p>', intro));
      expect(figure).toBeLessThan(html.indexOf('<h2>'));
      expect(html).toContain(`<figure>\n${chart.svg}\n<figcaption>`);
      const alt = chart.alt.replace(/&/g, '&#38;').replace(/</g, '&#60;').replace(/>/g, '&#62;');
      expect(html).toContain(`<details><summary>`);
      expect(html).toContain(`<pre>${alt}</pre></details>\n</figcaption>\n</figure>`);
      expect(alt.split('\n')).toHaveLength(4); // its lines are kept
      expect(html).not.toMatch(/<script/i);
      expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    }
  });

  it('puts the figure at the end when there is no paragraph, and changes nothing without a chart', () => {
    const chart = timelineChart(SMALL, 'en');
    const html = renderPublicHtml(
      { dialect: PUBLIC_DIALECT, blocks: [heading(1, 'Title'), heading(2, 'Section')] },
      'en',
      'x',
      chart,
    );
    expect(html).toMatch(/<h2>Section<\/h2>\n<figure>[\s\S]*<\/figure>\n<\/main>/);
    const doc = publicDocument(SMALL, [], 'en', '2025-06');
    const plain = renderPublicHtml(doc, 'en', 'x');
    expect(plain).toBe(renderPublicHtml(doc, 'en', 'x', undefined));
    expect(plain).not.toMatch(/<figure|<svg|figcaption/);
  });
});
