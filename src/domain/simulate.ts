/**
 * `remediate simulate`: runs a plan forward in time with the same engine rules, planner and reducer
 * as the measure workflows, applying scripted actions, and lists every notification the engine would
 * send. The loop is the workflow's: wake at the next instant, take what `dueNotifications` says,
 * record it with `recordNotification`, tell dependents with `dependencyNews`.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatInstant, instantOf, isLocalDate, parseInstant } from './dates';
import {
  applyDependencyNews,
  dependencyNews,
  dueNotifications,
  markDealtWith,
  nextEngineAt,
  recordNotification,
  recordScheduleEnds,
  undeliverable,
} from './engine';
import { LIMITS, own } from './limits';
import type { MeasureState, PlannedNotification } from './model';
import { compareNotifications, cmp } from './planner';
import type { Plan } from './plan';
import { formatPath, problem, ProblemError, type Problem } from './problems';
import { measureInits } from './program';
import { applyCommand, initialState, validateCommand, type Command } from './reducer';
import { parseTarget } from './refs';
import { REPORT_COMMANDS, REPORT_TRACK, reportTrackInit } from './report-track';

const text = z.string().max(LIMITS.textChars);
const actionSchema = z.strictObject({
  at: z.string().min(1).max(64),
  do: z.enum([
    'complete',
    'forecast',
    'replan',
    'approve-replan',
    'reject-replan',
    'verify',
    'reject-verification',
    'cancel',
    'reassign',
  ]),
  target: z
    .string()
    .min(1)
    .max(2 * LIMITS.idChars + 1),
  as: z.string().min(1).max(LIMITS.idChars),
  evidence: text.optional(),
  date: z.string().max(32).optional(),
  reason: text.optional(),
  to: z.string().max(LIMITS.idChars).optional(),
});

/** One scripted action of a simulation, as written in the actions file. */
export type SimAction = z.infer<typeof actionSchema>;

/** A simulation event: a notification, or an action taken. */
export interface SimEvent {
  at: string;
  kind: string;
  measure: string;
  milestone?: string;
  level?: number;
  to?: string[];
  by?: string;
  details?: Record<string, string>;
  /** Set on a notification that could not go out (e.g. `no recipients`). */
  skipped?: string;
  /** Epoch milliseconds of `at`, for ordering; not printed. */
  ms: number;
}

/** Parses an actions file (YAML or JSON list); problems name `actions[i].field`. */
export function parseActions(
  text: string,
  source = 'actions',
): { ok: true; actions: SimAction[] } | { ok: false; problems: Problem[] } {
  if (text.length > LIMITS.fileBytes)
    return {
      ok: false,
      problems: [problem(source, `larger than ${LIMITS.fileBytes} bytes`, `${LIMITS.fileBytes} バイトを超えています`)],
    };
  let data: unknown;
  try {
    data = parseYaml(text, { uniqueKeys: true });
  } catch (e) {
    const msg = e instanceof Error ? (e.message.split('\n')[0] ?? e.message) : String(e);
    return {
      ok: false,
      problems: [problem(source, `not valid YAML/JSON: ${msg}`, `YAML/JSON として読めません: ${msg}`)],
    };
  }
  const parsed = z
    .array(actionSchema)
    .max(10_000)
    .safeParse(data ?? []);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => problem(formatPath(['actions', ...i.path]), i.message, '不正な値です')),
    };
  }
  return { ok: true, actions: parsed.data };
}

function toCommand(a: SimAction, path: string): { measure: string; command: Command } | Problem {
  const t = parseTarget(a.target, a.do === 'cancel' || a.do === 'reassign');
  if (!t || (a.do === 'cancel' && t.milestone !== undefined))
    return problem(
      `${path}.target`,
      `${a.do} needs ${a.do === 'cancel' ? '<measure>' : a.do === 'reassign' ? '<measure> or <measure>/<milestone>' : '<measure>/<milestone>'}: ${a.target}`,
      `${a.do} の対象の形式が正しくありません: ${a.target}`,
    );
  const { measure, milestone = '' } = t;
  switch (a.do) {
    case 'cancel':
      return { measure, command: { type: 'cancel', reason: a.reason ?? '' } };
    case 'reassign':
      return {
        measure,
        command: { type: 'reassign', ...(t.milestone ? { milestone } : {}), to: a.to ?? '', reason: a.reason ?? '' },
      };
    case 'complete':
      return { measure, command: { type: 'complete', milestone, evidence: a.evidence ?? '' } };
    case 'forecast':
      return { measure, command: { type: 'forecast', milestone, date: a.date ?? '' } };
    case 'replan':
      return { measure, command: { type: 'replan', milestone, date: a.date ?? '', reason: a.reason ?? '' } };
    case 'reject-verification':
      return { measure, command: { type: 'reject-verification', milestone, reason: a.reason ?? '' } };
    default:
      return { measure, command: { type: a.do, milestone, ...(a.reason ? { reason: a.reason } : {}) } };
  }
}

/** Builds the measure states a plan starts with at instant `startedAt`. */
export function statesFromPlan(plan: Plan, startedAt: number, actor = plan.program.managers[0] ?? ''): MeasureState[] {
  return measureInits(plan).map((init) => initialState({ ...init, startedAt, actor }));
}

/** Tells the other states what changed in `state` (the workflows do this with signals). */
function tellDependents(byId: ReadonlyMap<string, MeasureState>, state: MeasureState, milestone?: string): void {
  for (const news of dependencyNews(state, milestone)) {
    const other = byId.get(news.measure);
    if (other) applyDependencyNews(other, news.ref, news.info);
  }
}

/** Runs the plan over `[from, until)`; throws ProblemError naming the first action that would be refused. */
export function simulate(plan: Plan, opts: { from: number; until: number; actions?: SimAction[] }): SimEvent[] {
  const zone = plan.program.timezone;
  if (opts.until - opts.from > LIMITS.simulateDays * 86_400_000)
    throw new ProblemError([
      problem(
        '--until',
        `a simulation covers at most ${LIMITS.simulateDays} days`,
        `シミュレーションの期間は ${LIMITS.simulateDays} 日までです`,
      ),
    ]);
  // The report deadlines run on the same engine (the program workflow's report track).
  const track = reportTrackInit(plan);
  const states = [
    ...statesFromPlan(plan, opts.from),
    ...(track ? [initialState({ ...track, startedAt: opts.from, actor: plan.program.managers[0] ?? '' })] : []),
  ];
  const byId = new Map(states.map((s) => [s.measure.id, s]));
  const problems: Problem[] = [];
  const actions = (opts.actions ?? []).map((a, i) => {
    const path = `actions[${i}]`;
    const at = parseInstant(a.at, zone);
    if (at === undefined)
      problems.push(problem(`${path}.at`, `not a date or time: ${a.at}`, `日時ではありません: ${a.at}`));
    else if (at < opts.from)
      problems.push(
        problem(
          `${path}.at`,
          `${a.at} lies before the start of the simulation (--from)`,
          `${a.at} はシミュレーション開始（--from）より前です`,
        ),
      );
    if (parseTarget(a.target, true)?.measure === REPORT_TRACK && !(REPORT_COMMANDS as readonly string[]).includes(a.do))
      problems.push(
        problem(
          `${path}.do`,
          `a report deadline can be completed or forecast, not ${a.do}`,
          `報告期限は完了か見込みの登録のみできます: ${a.do}`,
        ),
      );
    if (a.date !== undefined && !isLocalDate(a.date))
      problems.push(problem(`${path}.date`, `not a date: ${a.date}`, `日付ではありません: ${a.date}`));
    return { a, at: at ?? 0, path, index: i };
  });
  if (problems.length) throw new ProblemError(problems);
  actions.sort((x, y) => x.at - y.at || x.index - y.index);

  const events: SimEvent[] = [];
  const emails = (state: MeasureState, ids: string[]) => ids.map((id) => own(state.people, id)?.email ?? id);
  const recorded = (state: MeasureState, from: number) => {
    for (const rec of state.actions.filter((r) => r.seq >= from)) {
      events.push({
        at: formatInstant(rec.at, zone),
        ms: rec.at,
        kind: rec.kind,
        measure: state.measure.id,
        ...(rec.milestone ? { milestone: rec.milestone } : {}),
        by: rec.actor,
        details: rec.details,
      });
    }
  };
  // Each state's next notification instant, recomputed only when that state changed.
  const wake = new Map(states.map((s) => [s, nextEngineAt(s) ?? Infinity]));
  let next = 0;
  for (;;) {
    const nAt = Math.min(...wake.values());
    const action = actions[next];
    const aAt = action?.at ?? Infinity;
    if (Math.min(nAt, aAt) >= opts.until) break;
    if (nAt <= aAt) {
      // Notifications at an instant go out before actions at the same instant ("stops after t").
      const due: Array<{ state: MeasureState; n: PlannedNotification }> = [];
      for (const [state, at] of wake) {
        if (at !== nAt) continue;
        const seq = state.nextSeq;
        recordScheduleEnds(state, nAt);
        recorded(state, seq);
        for (const n of dueNotifications(state, nAt)) due.push({ state, n });
        markDealtWith(state, nAt);
        wake.set(state, nextEngineAt(state) ?? Infinity);
      }
      due.sort((x, y) => compareNotifications(x.n, y.n));
      for (const { state, n } of due) {
        const skipped = undeliverable(n);
        recordNotification(state, n, skipped);
        events.push({
          at: formatInstant(n.at, zone),
          ms: n.at,
          kind: n.kind,
          measure: n.measure,
          milestone: n.milestone,
          level: n.level,
          to: emails(state, n.to),
          ...(skipped !== undefined ? { skipped } : {}),
        });
      }
      continue;
    }
    next++;
    if (!action) break;
    const cmd = toCommand(action.a, action.path);
    if (!('command' in cmd)) throw new ProblemError([cmd]);
    const state = byId.get(cmd.measure);
    if (!state)
      throw new ProblemError([
        problem(`${action.path}.target`, `unknown measure: ${cmd.measure}`, `施策がありません: ${cmd.measure}`),
      ]);
    const env = { actor: action.a.as, at: action.at, command: cmd.command };
    const refused = validateCommand(state, env);
    if (refused.length) {
      const where = `${action.path} (${action.a.do} ${action.a.target} at ${action.a.at})`;
      throw new ProblemError(
        refused.map((p) =>
          problem(where, `${p.path ? `${p.path}: ` : ''}${p.en}`, `${p.path ? `${p.path}: ` : ''}${p.ja}`),
        ),
      );
    }
    const seq = state.nextSeq;
    applyCommand(state, env);
    recorded(state, seq);
    tellDependents(byId, state, 'milestone' in cmd.command ? cmd.command.milestone : undefined);
    for (const s of states) wake.set(s, nextEngineAt(s) ?? Infinity);
  }
  return events.sort(
    (a, b) =>
      a.ms - b.ms ||
      cmp(a.measure, b.measure) ||
      cmp(a.milestone ?? '', b.milestone ?? '') ||
      (a.level ?? -1) - (b.level ?? -1),
  );
}

/** `simulate --from` default and parsing: 00:00 of a date in the program's time zone. */
export function startOfDay(date: string, zone: string): number {
  return instantOf(date, '00:00', zone);
}
