/**
 * Who may do what: the contract of design.md (section 4: completion and forecast by the milestone
 * owner, the measure owner or a program manager; re-plans decided by a program manager; cancel and
 * reassign a program manager's. Section 9: `plan apply` to a running program authorised by its
 * managers, not by the file; under `verification: required` a second person confirms: the measure
 * owner, the sponsor or a manager, never the completer. Section 8: comms or the managers decide on a
 * progress update) and the README's decisions where it is silent (a re-plan may be requested by the
 * milestone owner, the measure owner, the sponsor or a manager; report deadlines take only `complete`
 * and `forecast`), written down as ONE table, `CONTRACT`, of action × role.
 *
 * Every cell is run through the domain code the validators run: `parseUpdateArgs` + `validateCommand`
 * (measure and report-track Updates), `authorizeApply` (the client's `plan apply`) and `applyProblems`
 * (the program workflow's plan-version Update), `parseDecisionArgs` + `decisionProblems` (the progress
 * update's decision Update). A refused cell must name the actor and the action in English and
 * Japanese and leave the state exactly as it was; an allowed one must apply and record the actor.
 * The table is checked on a small plan whose cast plays one role each, then on every person and open
 * milestone of examples/ly-2024.yaml, where people hold several roles at once.
 *
 * The measures' `dependencyChanged` signal is no one's action (it carries no actor), so it has no row.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPORT_TRACK } from '../../src/domain/report-track';
import { describe, expect, it } from 'vitest';
import { authorizeApply, planApply } from '../../src/domain/amend';
import { parseUpdateArgs, type CommandType } from '../../src/domain/commands';
import { own } from '../../src/domain/limits';
import type { ActionKind, MeasureState, MilestoneState, ProgramContext } from '../../src/domain/model';
import { parsePlanText, validatePlan, type Person, type Plan } from '../../src/domain/plan';
import { formatProblem, type Problem } from '../../src/domain/problems';
import { measureInits } from '../../src/domain/program';
import { applyCommand, initialState, validateCommand } from '../../src/domain/reducer';
import { REPORT_COMMANDS, reportTrackInit } from '../../src/domain/report-track';
import {
  applyDecision,
  applyProblems,
  applyProgramInit,
  decisionProblems,
  initialProgramState,
  parseDecisionArgs,
  programInit,
  type UpdateState,
} from '../../src/domain/rollup';
import { statesFromPlan } from '../../src/domain/simulate';
import { MEASURE, MILESTONE, rawPlan, tokyo } from './fixtures';

// ---------------------------------------------------------------------------------------------
// The contract

/**
 * `yes`: allowed. `no`: refused, naming the actor and the action. `unknown`: refused as an unknown
 * person (the id is not one of the plan's people). The `completer` column says `never` where the
 * person who submitted the completion is refused whatever other role they hold.
 * Roles are relative to the milestone (or the measure) acted on: the milestone owner is the owner the
 * milestone names, else the measure owner; the owner's manager is the `manager` of either in `people`.
 * For `plan apply`, roles are those of the running program (for a new program: of the file). For the
 * report track, the milestone owner is the report's owner and the measure owner the track's (the
 * first program manager); it has no sponsor.
 */
const CONTRACT_TABLE = `
action                   | milestone owner | measure owner | sponsor | program manager | comms | owner's manager | other person | unknown id | completer
complete                 | yes             | yes           | no      | yes             | no    | no              | no           | unknown    |
forecast                 | yes             | yes           | no      | yes             | no    | no              | no           | unknown    |
replan                   | yes             | yes           | yes     | yes             | no    | no              | no           | unknown    |
approve-replan           | no              | no            | no      | yes             | no    | no              | no           | unknown    |
reject-replan            | no              | no            | no      | yes             | no    | no              | no           | unknown    |
cancel                   | no              | no            | no      | yes             | no    | no              | no           | unknown    |
reassign                 | no              | no            | no      | yes             | no    | no              | no           | unknown    |
amend                    | no              | no            | no      | yes             | no    | no              | no           | unknown    |
verify                   | no              | yes           | yes     | yes             | no    | no              | no           | unknown    | never
reject-verification      | no              | yes           | yes     | yes             | no    | no              | no           | unknown    | never
plan apply (running)     | no              | no            | no      | yes             | no    | no              | no           | no         |
plan apply (new program) | no              | no            | no      | yes             | no    | no              | no           | no         |
update approve           | no              | no            | no      | yes             | yes   | no              | no           | no         |
update reject            | no              | no            | no      | yes             | yes   | no              | no           | no         |
update recompile         | no              | no            | no      | yes             | yes   | no              | no           | no         |
report complete          | yes             | yes           | no      | yes             | no    | no              | no           | unknown    |
report forecast          | yes             | yes           | no      | yes             | no    | no              | no           | unknown    |
`;

const ROLES = [
  'milestone owner',
  'measure owner',
  'sponsor',
  'program manager',
  'comms',
  "owner's manager",
  'other person',
  'unknown id',
] as const;
type Role = (typeof ROLES)[number];
type Cell = 'yes' | 'no' | 'unknown';
interface Row {
  cells: Record<Role, Cell>;
  neverTheCompleter: boolean;
}
/** What the contract expects of one person: `completer` is a `no` for the segregation of duties. */
type Expected = Cell | 'completer';

const ACTIONS = [
  'complete',
  'forecast',
  'replan',
  'approve-replan',
  'reject-replan',
  'cancel',
  'reassign',
  'amend',
  'verify',
  'reject-verification',
  'plan apply (running)',
  'plan apply (new program)',
  'update approve',
  'update reject',
  'update recompile',
  'report complete',
  'report forecast',
] as const;
type Action = (typeof ACTIONS)[number];

function parseContract(text: string): Record<Action, Row> {
  const lines = text
    .trim()
    .split('\n')
    .map((l) => l.split('|').map((c) => c.trim()));
  const [header, ...rows] = lines;
  if (header?.join('|') !== ['action', ...ROLES, 'completer'].join('|'))
    throw new Error(`bad header: ${header?.join('|')}`);
  const out: Partial<Record<Action, Row>> = {};
  for (const [action, ...cells] of rows) {
    if (!(ACTIONS as readonly string[]).includes(action ?? '')) throw new Error(`unknown action ${action}`);
    const byRole = {} as Record<Role, Cell>;
    ROLES.forEach((role, i) => {
      const c = cells[i];
      if (c !== 'yes' && c !== 'no' && c !== 'unknown') throw new Error(`${action}/${role}: ${c}`);
      byRole[role] = c;
    });
    out[action as Action] = { cells: byRole, neverTheCompleter: cells[ROLES.length] === 'never' };
  }
  for (const a of ACTIONS) if (!out[a]) throw new Error(`no row for ${a}`);
  return out as Record<Action, Row>;
}

const CONTRACT = parseContract(CONTRACT_TABLE);

/** The contract's answer for a person holding `roles` (and, for verify, whether they are the completer). */
function expected(action: Action, roles: ReadonlySet<Role>, isCompleter = false): Expected {
  const row = CONTRACT[action];
  if (roles.has('unknown id')) return row.cells['unknown id'];
  if (row.neverTheCompleter && isCompleter) return 'completer';
  return [...roles].some((r) => row.cells[r] === 'yes') ? 'yes' : 'no';
}

/** The roles `person` holds for a milestone owned by `msOwner` of a measure owned by `measure.owner`. */
function rolesOf(
  people: Readonly<Record<string, Person>>,
  program: Pick<ProgramContext, 'managers' | 'comms'>,
  measure: { owner: string; sponsor?: string | undefined } | undefined,
  msOwner: string | undefined,
  person: string,
): Set<Role> {
  if (own(people, person) === undefined) return new Set(['unknown id']);
  const roles = new Set<Role>();
  if (msOwner !== undefined && person === msOwner) roles.add('milestone owner');
  if (measure && person === measure.owner) roles.add('measure owner');
  if (measure?.sponsor !== undefined && person === measure.sponsor) roles.add('sponsor');
  if (program.managers.includes(person)) roles.add('program manager');
  if (program.comms.includes(person)) roles.add('comms');
  const bosses = [msOwner, measure?.owner].map((p) => (p === undefined ? undefined : own(people, p)?.manager));
  if (bosses.includes(person)) roles.add("owner's manager");
  if (roles.size === 0) roles.add('other person');
  return roles;
}

/** The words that name each action in a refusal, in English and Japanese. */
const WORDS: Record<Action, { en: RegExp; ja: RegExp }> = {
  complete: { en: /may not complete/, ja: /を完了できません/ },
  forecast: { en: /may not forecast/, ja: /見込み更新できません/ },
  replan: { en: /may not re-plan/, ja: /計画変更を申請できません/ },
  'approve-replan': { en: /may not approve a re-plan/, ja: /計画変更を承認できません/ },
  'reject-replan': { en: /may not reject a re-plan/, ja: /計画変更を却下できません/ },
  cancel: { en: /may not cancel a measure/, ja: /施策を中止できません/ },
  reassign: { en: /may not reassign/, ja: /担当変更できません/ },
  amend: { en: /may not amend the plan/, ja: /計画を追加変更できません/ },
  verify: { en: /may not verify/, ja: /確認できません/ },
  // The refusal of a rejection speaks of verifying too: deciding on the completion, either way.
  'reject-verification': { en: /may not verify/, ja: /確認できません/ },
  'plan apply (running)': { en: /may not apply the plan/, ja: /plan を適用できません/ },
  'plan apply (new program)': { en: /may not apply the plan/, ja: /plan を適用できません/ },
  'update approve': { en: /only they decide on its updates/, ja: /更新を判断できるのはこの人たちだけです/ },
  'update reject': { en: /only they decide on its updates/, ja: /更新を判断できるのはこの人たちだけです/ },
  'update recompile': { en: /only they decide on its updates/, ja: /更新を判断できるのはこの人たちだけです/ },
  'report complete': { en: /may not complete/, ja: /を完了できません/ },
  'report forecast': { en: /may not forecast/, ja: /見込み更新できません/ },
};

/** Asserts a refusal as the contract expects it: the actor and the action named, in both languages. */
function expectRefusal(problems: Problem[], action: Action, actor: string, why: Exclude<Expected, 'yes'>, at: string) {
  const lines = problems.map(formatProblem).join('\n');
  expect(problems.length, `${at}: refused`).toBeGreaterThan(0);
  // Only the actor is wrong: the same command is accepted from someone with the right.
  expect(
    problems.map((p) => p.path),
    `${at}: only the actor is refused:\n${lines}`,
  ).toEqual(problems.map(() => '--as'));
  const p = problems[0] as Problem;
  if (why === 'unknown') {
    expect(p.en, at).toContain(`unknown person: ${actor}`);
    expect(p.ja, at).toContain(`未登録の人物です: ${actor}`);
    return;
  }
  expect(p.en, at).toContain(actor);
  expect(p.ja, at).toContain(actor);
  expect(p.en, at).toMatch(WORDS[action].en);
  expect(p.ja, at).toMatch(WORDS[action].ja);
  if (why === 'completer') {
    expect(p.en, at).toMatch(new RegExp(`^${actor} completed .* and may not verify it`));
    expect(p.ja, at).toContain('完了した本人なので');
  }
}

// ---------------------------------------------------------------------------------------------
// Measure commands

type MeasureAction = Extract<
  Action,
  | 'complete'
  | 'forecast'
  | 'replan'
  | 'approve-replan'
  | 'reject-replan'
  | 'cancel'
  | 'reassign'
  | 'amend'
  | 'verify'
  | 'reject-verification'
>;

/** When things happen: the state starts, a request or completion comes before, the command at `at`. */
interface Clock {
  start: number;
  before: number;
  at: number;
}

/** A case of a measure command: its state as prepared, the Update's fields, and how to check it took effect. */
interface CommandCase {
  type: CommandType;
  state: MeasureState;
  fields: Record<string, unknown>;
  milestone?: string;
  /** The roles are those toward this milestone (undefined: the measure). */
  roleMilestone?: MilestoneState;
  completer?: string;
  kind: (actor: string) => ActionKind;
  effect: (s: MeasureState, actor: string) => void;
}

const FORECAST = '2027-03-31';
const ownerOf = (s: MeasureState, ms: MilestoneState) => ms.owner ?? s.measure.owner;
const msOf = (s: MeasureState, id: string): MilestoneState => {
  const ms = s.milestones.find((m) => m.id === id);
  if (!ms) throw new Error(`no milestone ${id}`);
  return ms;
};
const isManager = (s: MeasureState, who: string) => s.program.managers.includes(who);

/** Gives a command the way the workflow does (parse, validate, apply); throws when refused. */
function given(s: MeasureState, type: CommandType, fields: Record<string, unknown>, actor: string, at: number): void {
  const parsed = parseUpdateArgs(type, { ...fields, actor });
  if (!parsed.ok) throw new Error(parsed.problems.map(formatProblem).join('\n'));
  const env = { actor, at, command: parsed.command };
  const problems = validateCommand(s, env);
  if (problems.length) throw new Error(problems.map(formatProblem).join('\n'));
  applyCommand(s, env);
}

/** The plan `plan` with one more milestone in every measure: what a later `plan apply` amends with. */
function withAddedMilestone(plan: Plan): Plan {
  const copy = structuredClone(plan);
  for (const m of copy.measures)
    m.milestones.push({ id: 'added-later', title: { ja: '追加', en: 'Added' }, due: '2027-09-30', dependsOn: [] });
  const r = validatePlan(copy);
  if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.plan;
}

/**
 * The case of `action` on milestone `milestoneId` (or the measure) of a fresh `template` state; null
 * when the milestone cannot take it (no one but a manager asks for a re-plan of it, so none waits).
 * `completer` completes first for verify and reject-verification.
 */
function commandCase(
  action: MeasureAction,
  template: MeasureState,
  milestoneId: string,
  clock: Clock,
  amendedPlan: Plan,
  completer?: string,
): CommandCase | null {
  const s = structuredClone(template);
  const ms = msOf(s, milestoneId);
  const milestone = ms.id;
  const otherPerson = (than: string) => Object.keys(s.people).find((p) => p !== than) ?? '';
  switch (action) {
    case 'complete':
      return {
        type: 'complete',
        state: s,
        fields: { milestone, evidence: 'CHG-1' },
        milestone,
        roleMilestone: ms,
        kind: () => 'completed',
        effect: (t, actor) => expect(msOf(t, milestone).completed).toMatchObject({ by: actor, evidence: 'CHG-1' }),
      };
    case 'forecast':
      return {
        type: 'forecast',
        state: s,
        fields: { milestone, date: FORECAST },
        milestone,
        roleMilestone: ms,
        kind: () => 'forecast',
        effect: (t) => expect(msOf(t, milestone).forecast).toBe(FORECAST),
      };
    case 'replan': {
      const to = ms.due === '2027-06-30' ? '2027-07-30' : '2027-06-30';
      return {
        type: 'replan',
        state: s,
        fields: { milestone, date: to, reason: 'vendor delay' },
        milestone,
        roleMilestone: ms,
        kind: (actor) => (isManager(s, actor) ? 'replanned' : 'replan-requested'),
        effect: (t, actor) => {
          if (isManager(t, actor)) {
            expect(msOf(t, milestone).due).toBe(to);
            expect(t.changeLog.at(-1)).toMatchObject({ requestedBy: actor, decidedBy: actor, decision: 'approved' });
          } else {
            expect(msOf(t, milestone).due).toBe(ms.due);
            expect(t.pending).toEqual([expect.objectContaining({ milestone, to, requestedBy: actor })]);
          }
        },
      };
    }
    case 'approve-replan':
    case 'reject-replan': {
      const requester = [ownerOf(s, ms), s.measure.owner, s.measure.sponsor].find(
        (p): p is string => p !== undefined && !isManager(s, p),
      );
      if (requester === undefined) return null;
      const to = ms.due === '2027-06-30' ? '2027-07-30' : '2027-06-30';
      given(s, 'replan', { milestone, date: to, reason: 'vendor delay' }, requester, clock.before);
      const approve = action === 'approve-replan';
      return {
        type: action,
        state: s,
        fields: approve ? { milestone } : { milestone, reason: 'not now' },
        milestone,
        roleMilestone: ms,
        kind: () => (approve ? 'replanned' : 'replan-rejected'),
        effect: (t, actor) => {
          expect(t.pending).toEqual([]);
          expect(msOf(t, milestone).due).toBe(approve ? to : ms.due);
          expect(t.changeLog.at(-1)).toMatchObject({
            requestedBy: requester,
            decidedBy: actor,
            decision: approve ? 'approved' : 'rejected',
          });
        },
      };
    }
    case 'cancel':
      return {
        type: 'cancel',
        state: s,
        fields: { reason: 'superseded' },
        kind: () => 'cancelled',
        effect: (t, actor) => expect(t.cancelled).toMatchObject({ by: actor, reason: 'superseded' }),
      };
    case 'reassign': {
      // The milestone when it has an owner of its own, else the measure.
      const ofMilestone = ms.owner !== undefined;
      const from = ofMilestone ? ownerOf(s, ms) : s.measure.owner;
      const to = otherPerson(from);
      return {
        type: 'reassign',
        state: s,
        fields: { ...(ofMilestone ? { milestone } : {}), to, reason: 'rotation' },
        ...(ofMilestone ? { milestone, roleMilestone: ms } : {}),
        kind: () => 'reassigned',
        effect: (t) => expect(ofMilestone ? msOf(t, milestone).owner : t.measure.owner, `reassigned to ${to}`).toBe(to),
      };
    }
    case 'amend': {
      const diff = planApply(measureInits(amendedPlan), new Map([[s.measure.id, s]]));
      if (diff.problems.length) throw new Error(diff.problems.map(formatProblem).join('\n'));
      const amend = diff.amend.find((a) => a.measure === s.measure.id);
      if (!amend) throw new Error(`no amendment for ${s.measure.id}`);
      const { type: _type, ...fields } = amend.command;
      return {
        type: 'amend',
        state: s,
        fields,
        kind: () => 'amended',
        effect: (t) => expect(t.milestones.map((m) => m.id)).toContain('added-later'),
      };
    }
    case 'verify':
    case 'reject-verification': {
      if (completer === undefined) throw new Error('who completes?');
      given(s, 'complete', { milestone, evidence: 'CHG-9' }, completer, clock.before);
      if (msOf(s, milestone).awaitingVerification?.by !== completer) throw new Error('the completion does not wait');
      const verify = action === 'verify';
      return {
        type: action,
        state: s,
        fields: verify ? { milestone } : { milestone, reason: 'the evidence is missing' },
        milestone,
        roleMilestone: ms,
        completer,
        kind: () => (verify ? 'verified' : 'verification-rejected'),
        effect: (t, actor) => {
          const m = msOf(t, milestone);
          expect(m.awaitingVerification).toBeUndefined();
          if (verify) expect(m.completed).toMatchObject({ by: completer, verifiedBy: actor, evidence: 'CHG-9' });
          else expect(m.completed).toBeUndefined();
        },
      };
    }
  }
}

/** Runs one cell: the Update's payload parsed, validated (never mutating), applied when allowed. */
function runCommandCell(action: MeasureAction, c: CommandCase, actor: string, want: Expected, clock: Clock): void {
  const at = `${action} by ${actor} on ${c.state.measure.id}/${c.milestone ?? ''} (expected ${want})`;
  const parsed = parseUpdateArgs(c.type, { ...c.fields, actor });
  expect(parsed.ok, `${at}: the payload is well formed`).toBe(true);
  if (!parsed.ok) return;
  expect(parsed.actor).toBe(actor);
  const env = { actor, at: clock.at, command: parsed.command };
  const before = structuredClone(c.state);
  const problems = validateCommand(c.state, env);
  expect(c.state, `${at}: validation changes nothing`).toStrictEqual(before);
  if (want !== 'yes') {
    expectRefusal(problems, action, actor, want, at);
    return;
  }
  expect(problems.map(formatProblem), at).toEqual([]);
  const { nextSeq, actions } = c.state;
  const count = actions.length;
  applyCommand(c.state, env);
  expect(c.state.actions, at).toHaveLength(count + 1);
  expect(c.state.actions.at(-1), `${at}: the audit log names the actor`).toStrictEqual({
    seq: nextSeq,
    at: clock.at,
    actor,
    kind: c.kind(actor),
    ...(c.milestone !== undefined ? { milestone: c.milestone } : {}),
    details: expect.any(Object) as Record<string, string>,
  });
  c.effect(c.state, actor);
}

/** The roles of `actor` toward a case (its milestone, else the measure). */
function caseRoles(c: CommandCase, actor: string): Set<Role> {
  const s = c.state;
  const msOwner = c.roleMilestone ? ownerOf(s, c.roleMilestone) : undefined;
  return rolesOf(s.people, s.program, s.measure, msOwner, actor);
}

// ---------------------------------------------------------------------------------------------
// The small plan: one person per role

/**
 * The cast (fixtures.ts): ito owns the milestone, sato the measure (tanaka is sato's manager), yamada
 * is the sponsor, suzuki and watanabe the program managers, kato comms, nakamura in the plan with no
 * part; mallory is nobody, and `constructor` is a key of every object but no person.
 */
const CAST = ['ito', 'sato', 'yamada', 'suzuki', 'watanabe', 'kato', 'tanaka', 'nakamura', 'mallory', 'constructor'];
const SMALL: Clock = {
  start: tokyo('2025-03-01T10:00'),
  before: tokyo('2025-03-05T10:00'),
  at: tokyo('2025-03-10T10:00'),
};

function valid(raw: unknown): Plan {
  const r = validatePlan(raw);
  if (!r.ok) throw new Error(`invalid test plan:\n${r.problems.map(formatProblem).join('\n')}`);
  return r.plan;
}

function smallRaw(verification = false): Record<string, unknown> {
  const raw = rawPlan({
    program: { managers: ['suzuki', 'watanabe'] },
    milestones: [
      { id: MILESTONE, due: '2025-03-31', owner: 'ito' },
      { id: 'second', due: '2025-06-30' },
    ],
  });
  const measures = raw.measures as Array<Record<string, unknown>>;
  if (verification && measures[0]) measures[0].verification = 'required';
  return raw;
}

const smallPlan = valid(smallRaw());
const smallVerifyPlan = valid(smallRaw(true));
const stateOf = (plan: Plan, at: number, measure = MEASURE): MeasureState => {
  const s = statesFromPlan(plan, at).find((x) => x.measure.id === measure);
  if (!s) throw new Error(`no measure ${measure}`);
  return s;
};

describe('the contract table', () => {
  it('has one row per action and a cell for every role', () => {
    expect(Object.keys(CONTRACT)).toEqual([...ACTIONS]);
    for (const a of ACTIONS) expect(Object.keys(CONTRACT[a].cells)).toEqual([...ROLES]);
    // Nobody may do anything they do not hold a role for; only verification excludes the completer.
    for (const a of ACTIONS) expect(CONTRACT[a].cells['other person']).toBe('no');
    expect(ACTIONS.filter((a) => CONTRACT[a].neverTheCompleter)).toEqual(['verify', 'reject-verification']);
  });

  it('gives every person of the small plan exactly one role', () => {
    const s = stateOf(smallPlan, SMALL.start);
    const ms = msOf(s, MILESTONE);
    expect(CAST.map((p) => [...rolesOf(s.people, s.program, s.measure, ownerOf(s, ms), p)])).toEqual([
      ['milestone owner'],
      ['measure owner'],
      ['sponsor'],
      ['program manager'],
      ['program manager'],
      ['comms'],
      ["owner's manager"],
      ['other person'],
      ['unknown id'],
      ['unknown id'],
    ]);
  });
});

const MEASURE_ACTIONS: MeasureAction[] = [
  'complete',
  'forecast',
  'replan',
  'approve-replan',
  'reject-replan',
  'cancel',
  'reassign',
  'amend',
];

describe('measure commands on the small plan (parseUpdateArgs + validateCommand + applyCommand)', () => {
  const template = stateOf(smallPlan, SMALL.start);
  const amended = withAddedMilestone(smallPlan);
  // Reassign is checked on the milestone (ito's) and on the measure (the second milestone has no owner).
  const cells = MEASURE_ACTIONS.flatMap((action) =>
    (action === 'reassign' || action === 'complete' ? [MILESTONE, 'second'] : [MILESTONE]).flatMap((milestone) =>
      CAST.map((actor) => {
        const probe = commandCase(action, template, milestone, SMALL, amended);
        if (!probe) throw new Error(`no case for ${action}`);
        const want = expected(action, caseRoles(probe, actor));
        return { action, milestone, actor, want, roles: [...caseRoles(probe, actor)].join(', ') };
      }),
    ),
  );

  it.each(cells)('$action ($milestone) by $actor [$roles]: $want', ({ action, milestone, actor, want }) => {
    const c = commandCase(action, template, milestone, SMALL, amended);
    if (!c) throw new Error(`no case for ${action}`);
    runCommandCell(action, c, actor, want, SMALL);
  });

  it('every action has at least one person allowed and one refused, so a refusal is about the actor', () => {
    for (const action of MEASURE_ACTIONS) {
      const wants = cells.filter((c) => c.action === action).map((c) => c.want);
      expect(wants, action).toContain('yes');
      expect(wants, action).toContain('no');
      expect(wants, action).toContain('unknown');
    }
  });
});

describe('verification: required on the small plan: the measure owner, the sponsor or a manager, never the completer', () => {
  const template = stateOf(smallVerifyPlan, SMALL.start);
  const amended = withAddedMilestone(smallVerifyPlan);
  // Each person allowed to complete completes once: the milestone owner, the measure owner, a manager.
  const cells = (['verify', 'reject-verification'] as const).flatMap((action) =>
    ['ito', 'sato', 'suzuki'].flatMap((completer) =>
      CAST.map((actor) => {
        const probe = commandCase(action, template, MILESTONE, SMALL, amended, completer);
        if (!probe) throw new Error(`no case for ${action}`);
        const roles = caseRoles(probe, actor);
        return { action, completer, actor, want: expected(action, roles, actor === completer), roles: [...roles] };
      }),
    ),
  );

  it.each(cells)('$action of $completer’s completion by $actor $roles: $want', ({ action, completer, actor, want }) => {
    const c = commandCase(action, template, MILESTONE, SMALL, amended, completer);
    if (!c) throw new Error(`no case for ${action}`);
    runCommandCell(action, c, actor, want, SMALL);
  });

  it('the completer is refused even when they hold a role that could verify (measure owner, manager)', () => {
    const self = cells.filter((c) => c.want === 'completer').map((c) => `${c.action}:${c.actor}`);
    expect(self).toEqual([
      'verify:ito',
      'verify:sato',
      'verify:suzuki',
      'reject-verification:ito',
      'reject-verification:sato',
      'reject-verification:suzuki',
    ]);
    // ... and a second manager may confirm what the first completed.
    expect(cells.find((c) => c.action === 'verify' && c.completer === 'suzuki' && c.actor === 'watanabe')?.want).toBe(
      'yes',
    );
  });
});

describe('roles move with reassignment and handover', () => {
  it('after a reassignment of the measure the old owner may no longer complete, the new one may', () => {
    const s = stateOf(smallPlan, SMALL.start);
    given(s, 'reassign', { to: 'nakamura', reason: 'rotation' }, 'suzuki', SMALL.before);
    const c = commandCase('complete', s, 'second', SMALL, smallPlan);
    if (!c) throw new Error('no case');
    expect(expected('complete', caseRoles(c, 'sato'))).toBe('no');
    runCommandCell('complete', c, 'sato', 'no', SMALL);
    runCommandCell('complete', c, 'nakamura', 'yes', SMALL);
  });

  it('after managers are handed over by plan apply, the old manager has no say; the new one has', () => {
    const s = stateOf(smallPlan, SMALL.start);
    const raw = smallRaw();
    (raw.program as Record<string, unknown>).managers = ['watanabe'];
    const handover = valid(raw);
    expect(authorizeApply(handover, [s], 'suzuki')).toEqual([]);
    const diff = planApply(measureInits(handover), new Map([[s.measure.id, s]]));
    const amend = diff.amend[0];
    if (!amend) throw new Error('no amendment');
    const { type: _type, ...fields } = amend.command;
    given(s, 'amend', fields, 'suzuki', SMALL.before);
    expect(s.actions.at(-1)).toMatchObject({
      kind: 'amended',
      actor: 'suzuki',
      details: { managers: 'suzuki, watanabe -> watanabe' },
    });
    const c = commandCase('cancel', s, MILESTONE, SMALL, smallPlan);
    if (!c) throw new Error('no case');
    runCommandCell('cancel', c, 'suzuki', 'no', SMALL);
    expectRefusal(authorizeApply(smallPlan, [s], 'suzuki'), 'plan apply (running)', 'suzuki', 'no', 'old manager');
    expect(authorizeApply(smallPlan, [s], 'watanabe')).toEqual([]);
    runCommandCell('cancel', c, 'watanabe', 'yes', SMALL);
  });
});

// ---------------------------------------------------------------------------------------------
// plan apply

describe('plan apply (authorizeApply, applyProblems): the running program’s managers, not the file', () => {
  // The new file names nakamura a manager too, and adds a milestone.
  const fileRaw = smallRaw();
  (fileRaw.program as Record<string, unknown>).managers = ['suzuki', 'watanabe', 'nakamura'];
  const file = withAddedMilestone(valid(fileRaw));
  const running = () => [stateOf(smallPlan, SMALL.start)];

  it.each(CAST)('to the running program, by %s', (actor) => {
    const states = running();
    const s = states[0] as MeasureState;
    const want = expected('plan apply (running)', rolesOf(s.people, s.program, undefined, undefined, actor));
    const before = structuredClone({ states, file });
    const refused = authorizeApply(file, states, actor);
    expect({ states, file }).toStrictEqual(before);
    // The program workflow's own check of the new plan version.
    const program = initialProgramState(programInit(smallPlan, 'v1'), SMALL.start, 'suzuki');
    const init = programInit(file, 'v2');
    const programBefore = structuredClone(program);
    const versionRefused = applyProblems(program, init, actor);
    expect(program).toStrictEqual(programBefore);
    if (want !== 'yes') {
      expectRefusal(refused, 'plan apply (running)', actor, want, `apply by ${actor}`);
      expect(versionRefused.map((p) => p.path)).toEqual(['--as']);
      expect(versionRefused[0]?.en).toBe(`${actor} is not a manager of the running program test-program`);
      expect(versionRefused[0]?.ja).toContain(actor);
      return;
    }
    expect(refused).toEqual([]);
    expect(versionRefused).toEqual([]);
    expect(applyProgramInit(program, init, SMALL.at, actor)).toBe(true);
    expect(program.versions.at(-1)).toEqual({ version: 'v2', at: SMALL.at, by: actor });
    const diff = planApply(measureInits(file), new Map([[s.measure.id, s]]));
    expect(diff.problems).toEqual([]);
    for (const a of diff.amend) {
      const { type: _type, ...fields } = a.command;
      given(s, 'amend', fields, actor, SMALL.at);
      expect(s.actions.at(-1)).toMatchObject({ kind: 'amended', actor, details: { added: 'added-later' } });
    }
    expect(diff.amend).toHaveLength(1);
  });

  it('nakamura, a manager only by the new file, is refused; the file’s own managers decide a new program', () => {
    const s = running()[0] as MeasureState;
    expect([...rolesOf(s.people, s.program, undefined, undefined, 'nakamura')]).toEqual(['other person']);
    expectRefusal(authorizeApply(file, [s], 'nakamura'), 'plan apply (running)', 'nakamura', 'no', 'nakamura');
  });

  it.each(CAST)('of a new program, by %s (roles from the file)', (actor) => {
    const want = expected('plan apply (new program)', rolesOf(file.people, file.program, undefined, undefined, actor));
    const before = structuredClone(file);
    const refused = authorizeApply(file, [], actor);
    expect(file).toStrictEqual(before);
    if (want !== 'yes') return expectRefusal(refused, 'plan apply (new program)', actor, want, `new, ${actor}`);
    expect(refused).toEqual([]);
    const init = measureInits(file)[0];
    if (!init) throw new Error('no measure');
    const started = initialState({ ...init, startedAt: SMALL.at, actor });
    expect(started.actions).toEqual([expect.objectContaining({ kind: 'created', actor, seq: 1 })]);
    expect(initialProgramState(programInit(file, 'v1'), SMALL.at, actor).versions).toEqual([
      { version: 'v1', at: SMALL.at, by: actor },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// The progress update

function draftOf(plan: Plan): UpdateState {
  const init = programInit(plan, 'v1');
  return {
    program: plan.program.id,
    period: '2025-03',
    state: 'draft',
    context: { program: init.program, people: init.people, policy: init.policy },
    revision: {
      n: 1,
      compiledAt: SMALL.start,
      dir: `var/updates/${plan.program.id}/2025-03/r1`,
      files: {},
      measures: 1,
      changes: 0,
      since: null,
    },
    decisions: [],
    reminders: 0,
    draftedAt: SMALL.start,
    publishedAt: null,
  };
}

const DECISIONS = [
  { action: 'update approve', decision: 'approve', next: 'approved' },
  { action: 'update reject', decision: 'reject', reason: 'typo in the summary', next: 'rejected' },
  { action: 'update recompile', decision: 'recompile', next: 'compiling' },
] as const;

/** Runs a decision cell through the update workflow's validator (parse, decisionProblems) and handler. */
function runDecisionCell(plan: Plan, d: (typeof DECISIONS)[number], actor: string): void {
  const want = expected(d.action, rolesOf(plan.people, plan.program, undefined, undefined, actor));
  const state = draftOf(plan);
  const raw = { decision: d.decision, actor, ...('reason' in d ? { reason: d.reason } : {}) };
  const rawBefore = structuredClone(raw);
  const parsed = parseDecisionArgs(raw);
  expect(raw).toStrictEqual(rawBefore);
  expect(parsed.ok, `${d.action} by ${actor}: well formed`).toBe(true);
  if (!parsed.ok) return;
  const before = structuredClone(state);
  const problems = decisionProblems(state, parsed.args);
  expect(state).toStrictEqual(before);
  if (want !== 'yes') return expectRefusal(problems, d.action, actor, want, `${d.action} by ${actor}`);
  expect(problems).toEqual([]);
  applyDecision(state, parsed.args, SMALL.at);
  expect(state.state).toBe(d.next);
  expect(state.decisions).toEqual([
    { decision: d.decision, by: actor, at: SMALL.at, revision: 1, ...('reason' in d ? { reason: d.reason } : {}) },
  ]);
}

describe('progress update decisions (parseDecisionArgs + decisionProblems + applyDecision): comms or managers', () => {
  const cells = DECISIONS.flatMap((d) => CAST.map((actor) => ({ d, actor, action: d.action })));
  it.each(cells)('$action by $actor', ({ d, actor }) => runDecisionCell(smallPlan, d, actor));
});

// ---------------------------------------------------------------------------------------------
// The report track

describe('report deadlines (@reports): complete and forecast only, by the report owner or a manager', () => {
  const raw = smallRaw();
  (raw.program as Record<string, unknown>).reports = [
    { id: 'mic-2025-04', title: { ja: '報告', en: 'Report' }, due: '2025-04-30', owner: 'sato' },
  ];
  const plan = valid(raw);
  const init = reportTrackInit(plan);
  if (!init) throw new Error('no track');
  const track = initialState({ ...init, startedAt: SMALL.start, actor: 'suzuki' });

  it('takes only complete and forecast: a deadline is the regulator’s', () => {
    expect([...REPORT_COMMANDS]).toEqual(['complete', 'forecast']);
  });

  const cells = (['report complete', 'report forecast'] as const).flatMap((action) =>
    CAST.map((actor) => ({ action, actor })),
  );
  it.each(cells)('$action by $actor', ({ action, actor }) => {
    const roles = rolesOf(plan.people, plan.program, { owner: track.measure.owner }, 'sato', actor);
    const want = expected(action, roles);
    const type = action === 'report complete' ? 'complete' : 'forecast';
    const c = commandCase(type, track, 'mic-2025-04', SMALL, plan);
    if (!c) throw new Error('no case');
    const inTrack = own(track.people, actor) !== undefined;
    if (want === 'yes' || inTrack || want === 'unknown') {
      runCommandCell(type, c, actor, want, SMALL);
      return;
    }
    // A person of the plan the track does not know (comms, the sponsor, nobody's owner): refused as
    // not one of the track's people, the actor named.
    const before = structuredClone(c.state);
    const parsed = parseUpdateArgs(type, { ...c.fields, actor });
    if (!parsed.ok) throw new Error('malformed');
    const problems = validateCommand(c.state, { actor, at: SMALL.at, command: parsed.command });
    expect(c.state).toStrictEqual(before);
    expect(problems.map((p) => p.path)).toEqual(['--as']);
    expect(problems[0]?.en).toContain(actor);
    expect(problems[0]?.ja).toContain(actor);
    expect(problems[0]?.en).toContain(`not one of the people of ${REPORT_TRACK}`);
  });
});

// ---------------------------------------------------------------------------------------------
// Every person and milestone of examples/ly-2024.yaml

describe('examples/ly-2024.yaml: the table holds for every person, measure and open milestone', () => {
  const text = readFileSync(path.join(__dirname, '..', '..', 'examples', 'ly-2024.yaml'), 'utf8');
  const parsed = parsePlanText(text);
  if (!parsed.ok) throw new Error(parsed.problems.map(formatProblem).join('\n'));
  const plan = parsed.plan;
  const verifyPlan = structuredClone(plan);
  for (const m of verifyPlan.measures) m.verification = 'required';
  const clock: Clock = {
    start: tokyo('2024-04-16T09:00'),
    before: tokyo('2024-04-16T10:00'),
    at: tokyo('2024-04-17T10:00'),
  };
  const people = [...Object.keys(plan.people), 'nobody', 'constructor', '__proto__'];
  const amended = withAddedMilestone(plan);
  const states = statesFromPlan(plan, clock.start);
  const verifyStates = statesFromPlan(verifyPlan, clock.start);
  const open = (s: MeasureState) => s.milestones.filter((m) => !m.completed && !m.cancelled).map((m) => m.id);

  it('has the roles the table speaks of', () => {
    expect(plan.program.managers).toEqual(['suzuki', 'nakamura']);
    expect(plan.program.comms).toEqual(['kato']);
    expect(states).toHaveLength(8);
    expect(states.flatMap(open)).toHaveLength(12);
    expect(states.filter((s) => open(s).length > 0)).toHaveLength(6);
  });

  it.each(MEASURE_ACTIONS)('%s', (action) => {
    let checked = 0;
    let skipped = 0;
    for (const template of states) {
      // Cancel and amend act on the measure, done or not: once per measure.
      const milestones = ['cancel', 'amend'].includes(action)
        ? [msOf(template, template.milestones[0]?.id ?? '').id]
        : open(template);
      for (const milestone of milestones)
        for (const actor of people) {
          const c = commandCase(action, template, milestone, clock, amended);
          if (!c) {
            skipped++;
            continue;
          }
          runCommandCell(action, c, actor, expected(action, caseRoles(c, actor)), clock);
          checked++;
        }
    }
    // Every open milestone (a re-plan waits wherever someone but a manager may ask); every measure for cancel and amend.
    expect({ checked, skipped }).toEqual({
      checked: (['cancel', 'amend'].includes(action) ? 8 : 12) * people.length,
      skipped: 0,
    });
  });

  it.each(['verify', 'reject-verification'] as const)(
    '%s (completed by the milestone owner, or by a manager)',
    (action) => {
      let checked = 0;
      for (const template of verifyStates)
        for (const milestone of open(template))
          for (const completer of [ownerOf(template, msOf(template, milestone)), 'nakamura'])
            for (const actor of people) {
              const c = commandCase(action, template, milestone, clock, amended, completer);
              if (!c) continue;
              runCommandCell(action, c, actor, expected(action, caseRoles(c, actor), actor === completer), clock);
              checked++;
            }
      expect(checked).toBe(12 * 2 * people.length);
    },
  );

  it('plan apply to the running program, and the progress update decisions', () => {
    for (const actor of people) {
      const roles = rolesOf(plan.people, plan.program, undefined, undefined, actor);
      const want = expected('plan apply (running)', roles);
      const refused = authorizeApply(amended, states, actor);
      if (want === 'yes') expect(refused, actor).toEqual([]);
      else expectRefusal(refused, 'plan apply (running)', actor, want, `apply by ${actor}`);
      // `__proto__` is no person id at all: parseDecisionArgs refuses it before any rule (see the fuzz tests).
      if (actor !== '__proto__') for (const d of DECISIONS) runDecisionCell(plan, d, actor);
    }
  });
});
