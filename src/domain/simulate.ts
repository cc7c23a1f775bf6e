/**
 * `remediate simulate`: runs a plan forward in time with the same planner and reducer as the measure
 * workflows, applying scripted actions, and lists every notification the engine would send.
 */
import { z } from 'zod';
import { formatInstant, instantOf, isLocalDate, parseInstant } from './dates';
import type { MeasureState, PlannedNotification } from './model';
import { compareNotifications, cmp, milestoneNotifications } from './planner';
import { measureInits } from './program';
import { ownDependencyInfo } from './program';
import { applyCommand, initialState, validateCommand, type Command } from './reducer';
import { formatPath, problem, ProblemError, type Problem } from './problems';
import { splitRef, type Plan } from './plan';
import { parse as parseYaml } from 'yaml';

const actionSchema = z.strictObject({
  at: z.string().min(1),
  do: z.enum(['complete', 'forecast', 'replan', 'approve-replan', 'reject-replan', 'cancel', 'reassign']),
  target: z.string().min(1),
  as: z.string().min(1),
  evidence: z.string().optional(),
  date: z.string().optional(),
  reason: z.string().optional(),
  to: z.string().optional(),
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
  /** Epoch milliseconds of `at`, for ordering; not printed. */
  ms: number;
}

/** Parses an actions file (YAML or JSON list); problems name `actions[i].field`. */
export function parseActions(
  text: string,
  source = 'actions',
): { ok: true; actions: SimAction[] } | { ok: false; problems: Problem[] } {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (e) {
    return {
      ok: false,
      problems: [
        problem(
          source,
          `not valid YAML/JSON: ${e instanceof Error ? e.message : String(e)}`,
          'YAML/JSON として読めません',
        ),
      ],
    };
  }
  const parsed = z.array(actionSchema).safeParse(data ?? []);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => problem(formatPath(['actions', ...i.path]), i.message, '不正な値です')),
    };
  }
  return { ok: true, actions: parsed.data };
}

function toCommand(a: SimAction, path: string): { measure: string; command: Command } | Problem {
  const slash = a.target.indexOf('/');
  const measure = slash < 0 ? a.target : a.target.slice(0, slash);
  const milestone = slash < 0 ? undefined : a.target.slice(slash + 1);
  const needMilestone = (): string | Problem =>
    milestone ??
    problem(
      `${path}.target`,
      `${a.do} needs <measure>/<milestone>: ${a.target}`,
      `${a.do} には <施策>/<マイルストーン> が必要です: ${a.target}`,
    );
  switch (a.do) {
    case 'cancel':
      return { measure, command: { type: 'cancel', reason: a.reason ?? '' } };
    case 'reassign':
      return {
        measure,
        command: {
          type: 'reassign',
          ...(milestone !== undefined ? { milestone } : {}),
          to: a.to ?? '',
          reason: a.reason ?? '',
        },
      };
    default: {
      const m = needMilestone();
      if (typeof m !== 'string') return m;
      if (a.do === 'complete')
        return { measure, command: { type: 'complete', milestone: m, evidence: a.evidence ?? '' } };
      if (a.do === 'forecast') return { measure, command: { type: 'forecast', milestone: m, date: a.date ?? '' } };
      if (a.do === 'replan')
        return { measure, command: { type: 'replan', milestone: m, date: a.date ?? '', reason: a.reason ?? '' } };
      return { measure, command: { type: a.do, milestone: m, ...(a.reason ? { reason: a.reason } : {}) } };
    }
  }
}

const eventKind: Record<string, string> = {
  completed: 'completed',
  forecast: 'forecast',
  'replan-requested': 'replan-requested',
  replanned: 'replanned',
  'replan-rejected': 'replan-rejected',
  cancelled: 'cancelled',
  reassigned: 'reassigned',
};

/** Builds the measure states a plan starts with at instant `startedAt`. */
export function statesFromPlan(plan: Plan, startedAt: number, actor = plan.program.managers[0] ?? ''): MeasureState[] {
  return measureInits(plan).map((init) => initialState({ ...init, startedAt, actor }));
}

/** Keeps every measure's view of the milestones it depends on up to date (the workflows do this with signals). */
function refreshExternal(states: MeasureState[]): void {
  const byId = new Map(states.map((s) => [s.measure.id, s]));
  for (const s of states) {
    for (const ref of Object.keys(s.external)) {
      const { measure, milestone } = splitRef(ref, '');
      const info = byId.get(measure) && ownDependencyInfo(byId.get(measure) as MeasureState, milestone);
      if (info) s.external[ref] = info;
    }
  }
}

/** Runs the plan over `[from, until)`; throws ProblemError naming the first action that would be refused. */
export function simulate(plan: Plan, opts: { from: number; until: number; actions?: SimAction[] }): SimEvent[] {
  const zone = plan.program.timezone;
  const states = statesFromPlan(plan, opts.from);
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
    if (a.date !== undefined && !isLocalDate(a.date))
      problems.push(problem(`${path}.date`, `not a date: ${a.date}`, `日付ではありません: ${a.date}`));
    return { a, at: at ?? 0, path, index: i };
  });
  if (problems.length) throw new ProblemError(problems);
  actions.sort((x, y) => x.at - y.at || x.index - y.index);

  const events: SimEvent[] = [];
  const emails = (state: MeasureState, ids: string[]) => ids.map((id) => state.people[id]?.email ?? id);
  // One lazy schedule per milestone, advanced as time passes and rebuilt when its measure changes,
  // so a long simulation costs in proportion to what it emits.
  type Head = {
    state: MeasureState;
    schedule: Generator<PlannedNotification, void, undefined>;
    next: PlannedNotification | undefined;
  };
  let cursor = opts.from;
  const advance = (h: Head) => {
    do {
      const r = h.schedule.next();
      h.next = r.done ? undefined : r.value;
    } while (h.next && h.next.at < cursor);
  };
  const headsOf = (state: MeasureState): Head[] =>
    state.milestones.map((ms) => {
      const h: Head = { state, schedule: milestoneNotifications(state, ms), next: undefined };
      advance(h);
      return h;
    });
  const heads = new Map(states.map((st) => [st, headsOf(st)]));
  let next = 0;
  for (;;) {
    let nAt = Infinity;
    for (const hs of heads.values()) for (const h of hs) if (h.next && h.next.at < nAt) nAt = h.next.at;
    const action = actions[next];
    const aAt = action?.at ?? Infinity;
    if (Math.min(nAt, aAt) >= opts.until) break;
    if (nAt <= aAt) {
      // Notifications at an instant go out before actions at the same instant ("stops after t").
      const due: Head[] = [];
      for (const hs of heads.values()) for (const h of hs) if (h.next?.at === nAt) due.push(h);
      due.sort((x, y) => compareNotifications(x.next as PlannedNotification, y.next as PlannedNotification));
      cursor = nAt + 1;
      for (const h of due) {
        const n = h.next as PlannedNotification;
        h.state.sent.push({ key: n.key, at: n.at, kind: n.kind, milestone: n.milestone, level: n.level, to: n.to });
        events.push({
          at: formatInstant(n.at, zone),
          ms: n.at,
          kind: n.kind,
          measure: n.measure,
          milestone: n.milestone,
          level: n.level,
          to: emails(h.state, n.to),
        });
        advance(h);
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
      throw new ProblemError(
        refused.map((p) =>
          problem(
            `${action.path} (${action.a.do} ${action.a.target} at ${action.a.at})`,
            `${p.path ? `${p.path}: ` : ''}${p.en}`,
            `${p.path ? `${p.path}: ` : ''}${p.ja}`,
          ),
        ),
      );
    }
    const before = state.actions.length;
    applyCommand(state, env);
    refreshExternal(states);
    heads.set(state, headsOf(state));
    for (const rec of state.actions.slice(before)) {
      events.push({
        at: formatInstant(rec.at, zone),
        ms: rec.at,
        kind: eventKind[rec.kind] ?? rec.kind,
        measure: state.measure.id,
        ...(rec.milestone ? { milestone: rec.milestone } : {}),
        by: rec.actor,
        details: rec.details,
      });
    }
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
