/**
 * The documents of one progress update, as the compile writes them (and a program manager can render
 * them now with `remediate report`): the public update in ja and en, as Markdown and HTML, and the
 * confidential regulator report, from reporting states (memo snapshots or live states) at an instant.
 * Pure: the caller writes the files.
 */
import type { MeasureState } from '../model';
import type { Lang } from '../plan';
import { publicBaseline, type PublicBaseline } from '../rollup';
import {
  publicChanges,
  publicDocument,
  publicProjection,
  renderPublicHtml,
  PUBLIC_WORDS,
  type PublicChange,
  type PublicProgram,
  type PublicProgramSource,
} from './public';
import { timelineChart } from './chart';
import { regulatorOscalJson } from './oscal';
import { documentMarkdown } from './doc';
import { regulatorCsv, regulatorDocument, regulatorJson, regulatorReport } from './regulator';

export const LANGS: readonly Lang[] = ['ja', 'en'];

/** The public files of an update (published once approved), by name. */
export const PUBLIC_FILES = ['ja.md', 'ja.html', 'en.md', 'en.html'] as const;

/** What one compile produces. */
export interface UpdateDocuments {
  projection: PublicProgram;
  changes: PublicChange[];
  baseline: PublicBaseline;
  /** File name -> content: the public files (`PUBLIC_FILES`) and the confidential `regulator.*` ones. */
  files: Record<string, string>;
}

/** The title of a public update page in `lang`. */
export function updateTitle(p: { title: { ja: string; en: string } }, period: string, lang: Lang): string {
  return lang === 'ja'
    ? `${p.title.ja} ${PUBLIC_WORDS.update.ja}（${period}）`
    : `${p.title.en}: ${PUBLIC_WORDS.update.en} ${period}`;
}

/**
 * The documents of the update for `period` of `program` from `states` at `now`, saying what changed
 * since `previous` (the newest earlier published update's baseline; none for the first update).
 * With `dataFiles: false` the regulator report's data files are left out (see `regulatorDataFiles`).
 */
export function updateDocuments(
  states: readonly MeasureState[],
  now: number,
  program: PublicProgramSource,
  period: string,
  previous: PublicBaseline | null,
  reports: MeasureState | null = null,
  opts: { dataFiles?: boolean } = {},
): UpdateDocuments {
  const projection = publicProjection(states, now, program);
  const changes = publicChanges(previous ?? undefined, projection);
  const files: Record<string, string> = {};
  // Each document is built once and written twice: as Markdown and, without parsing it, as HTML.
  for (const lang of LANGS) {
    const doc = publicDocument(projection, changes, lang, period);
    files[`${lang}.md`] = documentMarkdown(doc);
    files[`${lang}.html`] = renderPublicHtml(
      doc,
      lang,
      updateTitle(projection, period, lang),
      timelineChart(projection, lang),
    );
  }
  const report = regulatorReport([...states], now, { directive: program.directive, reports });
  for (const lang of LANGS) {
    const doc = regulatorDocument(report, lang);
    files[`regulator.${lang}.md`] = documentMarkdown(doc);
    files[`regulator.${lang}.html`] = renderPublicHtml(doc, lang, report.program.title[lang]);
  }
  if (opts.dataFiles !== false) Object.assign(files, regulatorDataFiles(states, now, program, reports, report));
  return { projection, changes, baseline: publicBaseline(projection), files };
}

/** The regulator report's data files (CSV, JSON, OSCAL JSON), by name, in the order a compile lists them. */
export const REGULATOR_DATA_FILES = ['regulator.csv', 'regulator.json', 'regulator.oscal.json'] as const;

/**
 * The regulator report's data files (`REGULATOR_DATA_FILES`) from the same `states` at the same `now`
 * as `updateDocuments`, which then need not write them (`dataFiles: false`): a compile renders them on a
 * second thread. `report`, when given, is the report of those states (not built again).
 */
export function regulatorDataFiles(
  states: readonly MeasureState[],
  now: number,
  program: Pick<PublicProgramSource, 'directive'>,
  reports: MeasureState | null = null,
  report = regulatorReport([...states], now, { directive: program.directive, reports }),
): Record<(typeof REGULATOR_DATA_FILES)[number], string> {
  return {
    'regulator.csv': regulatorCsv(report),
    'regulator.json': regulatorJson(report),
    'regulator.oscal.json': regulatorOscalJson(report),
  };
}
