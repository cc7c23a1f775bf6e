/**
 * The one plan builder of the planner, reducer and simulator tests. `basePlan()` is a small valid
 * plan (one measure, one milestone due Mon 2025-03-31, the standard policy of design.md section 2)
 * passed through `validatePlan`, so defaults are applied exactly as for a real file; overrides change
 * only what a test is about. Instants are written in Tokyo wall-clock time: `tokyo('2025-03-31T09:00')`.
 *
 * People: suzuki (program manager), sato (measure owner, manager tanaka), tanaka (sato's manager),
 * yamada (sponsor), ito (no manager, owns milestones when a test says so), watanabe (a second
 * manager when a test adds him), kato (comms), nakamura (in the plan, no role).
 */
import type { CalendarKind } from '../../src/domain/calendar';
import { formatInstant, parseInstant } from '../../src/domain/dates';
import type { MeasureState, PlannedNotification } from '../../src/domain/model';
import { validatePlan, type Plan } from '../../src/domain/plan';
import { notificationsBetween } from '../../src/domain/planner';
import { formatProblem, type Problem } from '../../src/domain/problems';
import {
  applyDependencyNews,
  dependencyNews,
  dueNotifications,
  markDealtWith,
  nextEngineAt,
  recordNotification,
  undeliverable,
} from '../../src/domain/engine';
import { applyCommand, validateCommand, type Command } from '../../src/domain/reducer';
import { statesFromPlan } from '../../src/domain/simulate';

export const ZONE = 'Asia/Tokyo';
export const MEASURE = 'auth-separation';
export const MILESTONE = 'head-company';

/** Epoch ms of a Tokyo wall-clock time `YYYY-MM-DDTHH:MM[:SS]`, or of 00:00 of a date. */
export function tokyo(s: string): number {
  const ms = parseInstant(s, ZONE);
  if (ms === undefined) throw new Error(`not an instant: ${s}`);
  return ms;
}

/** ISO 8601 with the Tokyo offset, e.g. `2025-03-03T09:00:00+09:00`. */
export function iso(ms: number): string {
  return formatInstant(ms, ZONE);
}

/** A policy as written in a plan file (before defaults). */
export interface RawPolicy {
  notifyAt: string;
  remindBefore?: number[];
  remindOnDue?: boolean;
  escalation?: Array<{ afterBusinessDays: number; notify: Array<'owner' | 'manager' | 'sponsor' | 'managers'> }>;
  repeatEveryBusinessDays?: number;
}

/** A milestone as written in a plan file; the title is filled in when absent. */
export interface RawMilestone {
  id: string;
  due: string;
  owner?: string;
  forecast?: string;
  dependsOn?: string[];
  completed?: { on: string; by: string; evidence: string };
}

/** A measure as written in a plan file; title and policy are filled in when absent. */
export interface RawMeasure {
  id: string;
  owner: string;
  sponsor?: string;
  policy?: string;
  milestones: RawMilestone[];
}

export interface PlanOverrides {
  /** Merged over the standard policy. */
  policy?: Partial<RawPolicy>;
  /** Extra policies by name. */
  policies?: Record<string, RawPolicy>;
  /** Replace the milestones of `auth-separation`. */
  milestones?: RawMilestone[];
  /** Merged over `auth-separation` (e.g. `{ sponsor: undefined }`). */
  measure?: Partial<Omit<RawMeasure, 'milestones'>>;
  /** Measures added after `auth-separation`. */
  measures?: RawMeasure[];
  /** Merged over the program section. */
  program?: { calendar?: CalendarKind; closedDates?: string[]; managers?: string[] };
}

export const STANDARD_POLICY: RawPolicy = {
  notifyAt: '09:00',
  remindBefore: [30, 7, 1],
  remindOnDue: true,
  escalation: [
    { afterBusinessDays: 1, notify: ['owner', 'manager'] },
    { afterBusinessDays: 5, notify: ['owner', 'manager', 'sponsor'] },
  ],
  repeatEveryBusinessDays: 5,
};

const person = (id: string, name: string, extra: Record<string, string> = {}) => ({
  name,
  email: `${id}@example.jp`,
  ...extra,
});
const title = (id: string) => ({ ja: id, en: id });
const rawMilestone = (m: RawMilestone) => ({ title: title(m.id), ...m });
const rawMeasure = (m: RawMeasure) => ({
  title: title(m.id),
  policy: 'standard',
  ...m,
  milestones: m.milestones.map(rawMilestone),
});

/** The raw plan object (as a file would hold it) for `overrides`. */
export function rawPlan(o: PlanOverrides = {}): Record<string, unknown> {
  return {
    program: {
      id: 'test-program',
      title: { ja: 'テスト', en: 'Test' },
      directive: { ref: '総基用第59号', issuer: 'MIC', issuedOn: '2024-04-16' },
      timezone: ZONE,
      calendar: 'jp',
      managers: ['suzuki'],
      comms: ['kato'],
      ...o.program,
    },
    people: {
      suzuki: person('suzuki', '鈴木 一郎'),
      sato: person('sato', '佐藤 花子', { manager: 'tanaka', lang: 'en' }),
      tanaka: person('tanaka', '田中 次郎'),
      yamada: person('yamada', '山田 三郎'),
      ito: person('ito', '伊藤 四郎'),
      watanabe: person('watanabe', '渡辺 五郎'),
      kato: person('kato', '加藤 美咲'),
      nakamura: person('nakamura', '中村 六郎'),
    },
    policies: { standard: { ...STANDARD_POLICY, ...o.policy }, ...o.policies },
    measures: [
      rawMeasure({
        id: MEASURE,
        owner: 'sato',
        sponsor: 'yamada',
        milestones: o.milestones ?? [{ id: MILESTONE, due: '2025-03-31' }],
        ...o.measure,
      }),
      ...(o.measures ?? []).map(rawMeasure),
    ],
  };
}

/** A validated plan (defaults applied); throws with every problem when the overrides make it invalid. */
export function basePlan(o: PlanOverrides = {}): Plan {
  const r = validatePlan(rawPlan(o));
  if (!r.ok) throw new Error(`invalid test plan:\n${r.problems.map(formatProblem).join('\n')}`);
  return r.plan;
}

/** Every measure state of `plan` as started (plan applied, or simulation begun) at Tokyo time `start`. */
export function statesAt(plan: Plan, start: string): MeasureState[] {
  return statesFromPlan(plan, tokyo(start));
}

/** The state of one measure (default `auth-separation`) of `plan` started at Tokyo time `start`. */
export function stateAt(plan: Plan, start: string, measure = MEASURE): MeasureState {
  const s = statesAt(plan, start).find((x) => x.measure.id === measure);
  if (!s) throw new Error(`no measure ${measure}`);
  return s;
}

/** Validates a command at Tokyo time `at` and applies it when accepted; returns the problems (empty when applied). */
export function act(state: MeasureState, actor: string, at: string, command: Command): Problem[] {
  const env = { actor, at: tokyo(at), command };
  const problems = validateCommand(state, env);
  if (problems.length === 0) applyCommand(state, env);
  return problems;
}

/** Like `act`, but the command must be accepted. */
export function accept(state: MeasureState, actor: string, at: string, command: Command): void {
  const problems = act(state, actor, at, command);
  if (problems.length) throw new Error(`refused: ${problems.map(formatProblem).join('; ')}`);
}

/** Notifications with `from <= at < until` (Tokyo times). */
export function between(state: MeasureState, from: string, until: string): PlannedNotification[] {
  return notificationsBetween(state, tokyo(from), tokyo(until));
}

/** One readable line per notification: `2025-04-01 escalation/1 sato,tanaka` (date in Tokyo, recipients' ids). */
export function brief(n: PlannedNotification): string {
  return `${iso(n.at).slice(0, 10)} ${n.kind}/${n.level} ${n.to.join(',')}`;
}

/** `brief` of every notification with `from <= at < until`. */
export function briefs(state: MeasureState, from: string, until: string): string[] {
  return between(state, from, until).map(brief);
}

/** Runs the engine of every state over `[sentUntil, until)`: what the measure workflows' notifiers do. */
export function runEngine(states: MeasureState[], until: number): void {
  for (;;) {
    const next = states.map((s) => ({ s, at: nextEngineAt(s) ?? Infinity })).filter((x) => x.at < until);
    if (next.length === 0) return;
    const at = Math.min(...next.map((x) => x.at));
    for (const { s } of next.filter((x) => x.at === at)) {
      for (const n of dueNotifications(s, at)) recordNotification(s, n, undeliverable(n));
      markDealtWith(s, at);
    }
  }
}

/** Runs the engine up to Tokyo time `at`, then gives the command and tells the dependents, as the workflows do. */
export function step(states: MeasureState[], measure: string, actor: string, at: string, command: Command): void {
  runEngine(states, tokyo(at));
  const state = states.find((s) => s.measure.id === measure);
  if (!state) throw new Error(`no measure ${measure}`);
  accept(state, actor, at, command);
  for (const news of dependencyNews(state, 'milestone' in command ? command.milestone : undefined)) {
    const other = states.find((s) => s.measure.id === news.measure);
    if (other) applyDependencyNews(other, news.ref, news.info);
  }
}
