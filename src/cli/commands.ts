/**
 * What the `remediate` commands print and read, beside the client: exit codes, the acting person,
 * targets, the status and history documents, and `simulate`. Problems arrive as ProblemError from
 * the domain and the client; `main.ts` turns them into exit code 2.
 */
import { readFileSync } from 'node:fs';
import { readPlanFile } from '../client/tracker';
import { dateOf, formatInstant, isLocalDate } from '../domain/dates';
import { historyOmitted, historyRecords } from '../domain/history';
import { own } from '../domain/limits';
import { upcomingNotifications } from '../domain/engine';
import { compareNotifications } from '../domain/planner';
import type { MeasureState, PlannedNotification } from '../domain/model';
import type { Lang, Plan } from '../domain/plan';
import { documentMarkdown } from '../domain/reports/doc';
import { publicDocument, publicProjection, renderPublicHtml } from '../domain/reports/public';
import { timelineChart } from '../domain/reports/chart';
import { regulatorOscalJson } from '../domain/reports/oscal';
import { regulatorCsv, regulatorDocument, regulatorJson, regulatorReport } from '../domain/reports/regulator';
import { problem, ProblemError, type Problem } from '../domain/problems';
import { parseTarget as readTarget, type Target } from '../domain/refs';
import { parseActions, simulate, startOfDay, type SimEvent } from '../domain/simulate';
import { measureView } from '../domain/view';

/** Exit codes of design section 5. */
export const EXIT = { ok: 0, failure: 1, refused: 2, unreachable: 3 } as const;

/** The acting person: `--as`, else REMEDIATE_AS (from the settings). */
export function actorOf(as: string | undefined, fallback: string | undefined): string {
  const actor = as ?? fallback;
  if (!actor)
    throw new ProblemError([
      problem(
        '--as',
        'who is acting? give --as <person id> or set REMEDIATE_AS',
        '実行者を --as <人物 ID> または REMEDIATE_AS で指定してください',
      ),
    ]);
  return actor;
}

/** `<measure>/<milestone>` (milestone optional when `allowMeasure`). */
export function parseTarget(target: string, allowMeasure = false): Target {
  const t = readTarget(target, allowMeasure);
  if (t) return t;
  throw new ProblemError([
    problem(
      'target',
      `expected ${allowMeasure ? '<measure> or ' : ''}<measure>/<milestone>, got: ${target}`,
      `${allowMeasure ? '<施策> または ' : ''}<施策>/<マイルストーン> の形で指定してください: ${target}`,
    ),
  ]);
}

/** `status --json` document. */
export function statusDocument(program: string, states: MeasureState[], now: number) {
  return {
    program,
    generatedAt: new Date(now).toISOString(),
    measures: states.map((s) => ({ ...measureView(s, now), next: nextNotificationOf(s) })),
  };
}

/** What a measure sends next (when, what, to whom), from the engine's planner; null when nothing is planned. */
export interface NextNotification {
  /** In the program's time zone, `YYYY-MM-DDTHH:mm+09:00`. */
  at: string;
  kind: PlannedNotification['kind'];
  level: number;
  milestone: string;
  /** Person ids and names, in role order. */
  to: Array<{ id: string; name: string }>;
}

/** The next `count` instants at which any of `states` sends, with what each sends then (for `remediate dev`). */
export function nextSlots(
  states: readonly MeasureState[],
  count: number,
): Array<{ at: string; notifications: Array<NextNotification & { measure: string }> }> {
  const planned = states.flatMap((s) => upcomingNotifications(s, count).map((n) => ({ s, n })));
  const instants = [...new Set(planned.map((p) => p.n.at))].sort((a, b) => a - b).slice(0, count);
  return instants.map((at) => ({
    at: formatInstant(at, planned.find((p) => p.n.at === at)?.s.program.timezone ?? 'UTC'),
    notifications: planned
      .filter((p) => p.n.at === at)
      .sort((a, b) => compareNotifications(a.n, b.n))
      .map(({ s, n }) => ({ measure: n.measure, ...describeNext(s, n) })),
  }));
}

function describeNext(state: MeasureState, n: PlannedNotification): NextNotification {
  return {
    at: formatInstant(n.at, state.program.timezone),
    kind: n.kind,
    level: n.level,
    milestone: n.milestone,
    to: n.to.map((id) => ({ id, name: own(state.people, id)?.name ?? id })),
  };
}

/** The first of `upcomingNotifications(state, 1)`, for `status`. */
export function nextNotificationOf(state: MeasureState): NextNotification | null {
  const n = upcomingNotifications(state, 1)[0];
  return n ? describeNext(state, n) : null;
}

/**
 * `history --format json` document: `records`, the export (actions, decisions and notifications in time
 * order, see domain/history.ts), and `omitted`, the counts of older records only the workflow history
 * in Temporal still holds; then the state's own lists (change log, actions, pending re-plans,
 * notifications with addresses), as before.
 */
export function historyDocument(state: MeasureState) {
  const zone = state.program.timezone;
  const iso = (ms: number) => formatInstant(ms, zone);
  const log = state.notifications;
  return {
    program: state.program.id,
    measure: state.measure.id,
    records: historyRecords(state),
    omitted: historyOmitted(state),
    changeLog: state.changeLog.map((c) => ({ ...c, requestedAt: iso(c.requestedAt), decidedAt: iso(c.decidedAt) })),
    actions: state.actions.map((a) => ({ ...a, at: iso(a.at) })),
    actionsDropped: state.actionsDropped,
    pendingReplans: state.pending.map((p) => ({ ...p, requestedAt: iso(p.requestedAt) })),
    notificationCounts: { total: log.total, failed: log.failed, shown: log.recent.length },
    notifications: log.recent.map((s) => ({
      ...s,
      at: iso(s.at),
      to: s.to.map((id) => own(state.people, id)?.email ?? id),
    })),
  };
}

/** `simulate`: reads plan and actions, runs the pure simulation. */
export function runSimulation(
  file: string,
  opts: { from?: string; until: string; actions?: string },
): { plan: Plan; from: string; until: string; events: SimEvent[] } {
  const plan = readPlanFile(file);
  const zone = plan.program.timezone;
  const from = opts.from ?? dateOf(Date.now(), zone);
  const bad: Problem[] = [];
  if (!isLocalDate(from)) bad.push(problem('--from', `not a date: ${from}`, `日付ではありません: ${from}`));
  if (!isLocalDate(opts.until))
    bad.push(problem('--until', `not a date: ${opts.until}`, `日付ではありません: ${opts.until}`));
  else if (isLocalDate(from) && opts.until <= from)
    bad.push(problem('--until', `must be after --from (${from})`, `--from（${from}）より後にしてください`));
  if (bad.length) throw new ProblemError(bad);
  let actions;
  if (opts.actions) {
    let text: string;
    try {
      text = readFileSync(opts.actions, 'utf8');
    } catch {
      throw new ProblemError([problem(opts.actions, 'cannot read the actions file', 'actions ファイルを読めません')]);
    }
    const r = parseActions(text, opts.actions);
    if (!r.ok) throw new ProblemError(r.problems);
    actions = r.actions;
  }
  const events = simulate(plan, {
    from: startOfDay(from, zone),
    until: startOfDay(opts.until, zone),
    ...(actions ? { actions } : {}),
  });
  return { plan, from, until: opts.until, events };
}

/** The formats of `remediate report` for each kind. */
export const REPORT_FORMATS = {
  public: ['md', 'html', 'json'],
  regulator: ['md', 'html', 'csv', 'json', 'oscal'],
} as const;

/** One rendered report document: a file name suffix and its text. */
export interface ReportFile {
  name: string;
  text: string;
}

/**
 * `remediate report`: the public update or the regulator report of a program's live states, in one
 * format, for each language where the format has one (`langs`).
 */
export function renderReport(
  states: MeasureState[],
  now: number,
  kind: string,
  format: string,
  langs: readonly Lang[],
  program?: {
    directive: Plan['program']['directive'];
    title: { ja: string; en: string };
    timezone: string;
    id: string;
    reports: MeasureState | null;
  },
): ReportFile[] {
  const formats: readonly string[] | undefined = Object.hasOwn(REPORT_FORMATS, kind)
    ? REPORT_FORMATS[kind as keyof typeof REPORT_FORMATS]
    : undefined;
  if (!formats)
    throw new ProblemError([
      problem('--kind', `must be public or regulator: ${kind}`, `public か regulator を指定してください: ${kind}`),
    ]);
  if (!formats.includes(format)) {
    // OSCAL is the regulator's POA&M, confidential: say where it is rather than only list the public formats.
    const oscal = kind === 'public' && format === 'oscal';
    throw new ProblemError([
      problem(
        '--format',
        `a ${kind} report is ${formats.join(', ')}: ${format}` +
          (oscal ? ' (OSCAL is the confidential POA&M: use --kind regulator)' : ''),
        `${kind} の形式は ${formats.join('・')} です: ${format}` +
          (oscal ? '（OSCAL は機密の POA&M です: --kind regulator を指定してください）' : ''),
      ),
    ]);
  }
  const id = program?.id ?? states[0]?.program.id ?? 'program';
  if (kind === 'public') {
    const p = publicProjection(states, now, program);
    if (format === 'json') return [{ name: `${id}-public.json`, text: `${JSON.stringify(p, null, 2)}\n` }];
    return langs.map((lang) => {
      const doc = publicDocument(p, [], lang, p.asOf);
      return format === 'md'
        ? { name: `${id}-public.${lang}.md`, text: documentMarkdown(doc) }
        : {
            name: `${id}-public.${lang}.html`,
            text: renderPublicHtml(doc, lang, p.title[lang], timelineChart(p, lang)),
          };
    });
  }
  const r = regulatorReport(states, now, program ? { directive: program.directive, reports: program.reports } : {});
  if (format === 'json') return [{ name: `${id}-regulator.json`, text: regulatorJson(r) }];
  if (format === 'csv') return [{ name: `${id}-regulator.csv`, text: regulatorCsv(r) }];
  if (format === 'oscal') return [{ name: `${id}-regulator.oscal.json`, text: regulatorOscalJson(r) }];
  return langs.map((lang) => {
    const doc = regulatorDocument(r, lang);
    return format === 'md'
      ? { name: `${id}-regulator.${lang}.md`, text: documentMarkdown(doc) }
      : { name: `${id}-regulator.${lang}.html`, text: renderPublicHtml(doc, lang, r.program.title[lang]) };
  });
}
