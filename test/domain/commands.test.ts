/**
 * The command contract at the door (src/domain/commands.ts) and the rules that guard the running
 * program (reducer, plan apply): malformed and hostile payloads are refused before any rule runs,
 * ids are own keys, authority comes from the running program, and texts of existing milestones follow
 * the plan. Base plan: fixtures.ts (program manager suzuki; auth-separation owned by sato).
 */
import { describe, expect, it } from 'vitest';
import { authorizeApply, planApply } from '../../src/domain/amend';
import { parseDependencyChanged, parseUpdateArgs } from '../../src/domain/commands';
import { LIMITS } from '../../src/domain/limits';
import type { MeasureState } from '../../src/domain/model';
import { formatProblem } from '../../src/domain/problems';
import { measureInits } from '../../src/domain/program';
import { applyCommand, validateCommand, type Command } from '../../src/domain/reducer';
import { accept, act, basePlan, rawPlan, stateAt, statesAt, tokyo } from './fixtures';
import { validatePlan } from '../../src/domain/plan';

const HC = 'head-company';
const lines = (problems: Array<{ path: string; en: string; ja: string }>) => problems.map(formatProblem).join('\n');
const fresh = () => stateAt(basePlan(), '2025-01-06T10:00');

describe('the shape of an Update argument', () => {
  it.each([
    ['null', null],
    ['a number', 42],
    ['a string', 'x'],
    ['an array', []],
  ])('refuses %s with one clear line', (_what, args) => {
    const r = parseUpdateArgs('complete', args);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(lines(r.problems)).toContain('one object with the actor');
  });

  it('names the field of a wrong type, a missing field and an unknown field', () => {
    const r = parseUpdateArgs('complete', { actor: 'sato', milestone: HC, evidence: 42, extra: 1 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = lines(r.problems);
    expect(text).toContain('evidence: expected string');
    expect(text).toContain('unknown key: extra');
    const missing = parseUpdateArgs('complete', { actor: 'sato', milestone: HC });
    expect(!missing.ok && lines(missing.problems)).toContain('evidence: required');
    const noActor = parseUpdateArgs('cancel', { reason: 'x' });
    expect(!noActor.ok && lines(noActor.problems)).toContain('actor: required');
  });

  it('refuses a `type` smuggled into the fields and over-long texts', () => {
    const r = parseUpdateArgs('complete', { actor: 'sato', milestone: HC, evidence: 'x', type: 'cancel' });
    expect(!r.ok && lines(r.problems)).toContain('unknown key: type');
    const long = parseUpdateArgs('complete', {
      actor: 'sato',
      milestone: HC,
      evidence: 'x'.repeat(LIMITS.textChars + 1),
    });
    expect(!long.ok && lines(long.problems)).toContain('evidence: too long');
  });

  it('an amendment cannot change the measure id, owner or policy, nor carry a loose program', () => {
    const base = { actor: 'suzuki', milestones: [], people: {}, external: {}, dependents: {} };
    for (const measure of [{ id: 'other' }, { owner: 'mallory' }, { policy: 'lax' }]) {
      const r = parseUpdateArgs('amend', {
        ...base,
        measure: { title: { ja: 'a', en: 'a' }, directiveItems: [], verification: 'none', ...measure },
      });
      expect(r.ok, JSON.stringify(measure)).toBe(false);
    }
    for (const program of ['x', { id: 'x' }, { managers: ['mallory'] }]) {
      expect(parseUpdateArgs('amend', { ...base, program }).ok, JSON.stringify(program)).toBe(false);
    }
    const proto = JSON.parse('{"__proto__": {"name": "x", "email": "x@example.jp"}}') as unknown;
    expect(parseUpdateArgs('amend', { ...base, people: proto }).ok).toBe(false);
    expect(parseUpdateArgs('amend', { ...base, external: { constructor: { due: '2025-01-01', done: true } } }).ok).toBe(
      false,
    );
    const policy = { notifyAt: '09:00', remindBefore: [1e9] };
    expect(parseUpdateArgs('amend', { ...base, policy }).ok).toBe(false);
  });

  it('reads a well-formed command, with the actor beside it', () => {
    expect(parseUpdateArgs('reassign', { actor: 'suzuki', to: 'ito', reason: 'leave' })).toEqual({
      ok: true,
      actor: 'suzuki',
      command: { type: 'reassign', to: 'ito', reason: 'leave' },
    });
  });

  it('reads a dependencyChanged signal, and nothing malformed', () => {
    const info = { due: '2025-03-31', done: false };
    expect(parseDependencyChanged({ ref: 'a/b', info })).toEqual({ ref: 'a/b', info });
    for (const bad of [
      null,
      {},
      { ref: 42, info },
      { ref: 'constructor', info },
      { ref: 'a/b', info: { due: 'x', done: 'yes' } },
    ])
      expect(parseDependencyChanged(bad), JSON.stringify(bad)).toBeUndefined();
  });
});

describe('ids are own keys', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('--as %s is an unknown person', (who) => {
    const s = fresh();
    const problems = act(s, who, '2025-01-06T11:00', { type: 'complete', milestone: HC, evidence: 'x' });
    expect(lines(problems)).toContain(`unknown person: ${who}`);
    expect(s.actions).toHaveLength(1);
  });

  it('--to constructor is an unknown person', () => {
    const problems = act(fresh(), 'suzuki', '2025-01-06T11:00', { type: 'reassign', to: 'constructor', reason: 'x' });
    expect(lines(problems)).toContain('unknown person: constructor');
  });

  it('milestone constructor is an unknown milestone', () => {
    const problems = act(fresh(), 'sato', '2025-01-06T11:00', {
      type: 'complete',
      milestone: 'constructor',
      evidence: 'x',
    });
    expect(lines(problems)).toContain('unknown milestone: constructor');
  });
});

describe('re-plans decided after their date', () => {
  it('approving a re-plan whose date has passed is refused, with what to do instead', () => {
    const s = fresh();
    accept(s, 'sato', '2025-01-06T11:00', { type: 'replan', milestone: HC, date: '2025-02-14', reason: 'vendor' });
    const late = act(s, 'suzuki', '2025-02-17T10:00', { type: 'approve-replan', milestone: HC });
    expect(lines(late)).toContain('the requested date 2025-02-14 has already passed');
    expect(s.milestones[0]?.due).toBe('2025-03-31');
    // Rejecting it is still possible.
    expect(act(s, 'suzuki', '2025-02-17T10:00', { type: 'reject-replan', milestone: HC })).toEqual([]);
  });
});

describe('amendments', () => {
  const amend = (s: MeasureState, over: Partial<Extract<Command, { type: 'amend' }>> = {}): Command => ({
    type: 'amend',
    milestones: [],
    people: s.people,
    external: {},
    dependents: {},
    ...over,
  });

  it('cannot change the program id', () => {
    const s = fresh();
    const problems = act(s, 'suzuki', '2025-01-06T11:00', amend(s, { program: { ...s.program, id: 'other' } }));
    expect(lines(problems)).toContain('the program id cannot change');
  });

  it('cannot leave a reference to a person who is no longer in the plan', () => {
    const s = fresh();
    const { sato: _sato, ...people } = s.people;
    const problems = act(s, 'suzuki', '2025-01-06T11:00', amend(s, { people }));
    expect(lines(problems)).toContain('unknown person: sato');
  });

  it('hands the manager role over as a recorded change', () => {
    const s = fresh();
    accept(s, 'suzuki', '2025-01-06T11:00', amend(s, { program: { ...s.program, managers: ['watanabe'] } }));
    expect(s.program.managers).toEqual(['watanabe']);
    expect(s.actions.at(-1)).toMatchObject({
      kind: 'amended',
      actor: 'suzuki',
      details: { managers: 'suzuki -> watanabe' },
    });
    // The old manager has no say any more.
    expect(lines(act(s, 'suzuki', '2025-01-06T12:00', { type: 'cancel', reason: 'x' }))).toContain(
      'only a program manager (watanabe)',
    );
  });
});

describe('plan apply', () => {
  it('is authorised by the managers of the running program, not by the file', () => {
    const running = statesAt(basePlan(), '2025-01-06T10:00');
    const hostile = basePlan({ program: { managers: ['nakamura'] } });
    expect(lines(authorizeApply(hostile, running, 'nakamura'))).toContain(
      'nakamura may not apply the plan: only a program manager of the running program (suzuki) may',
    );
    expect(authorizeApply(hostile, running, 'suzuki')).toEqual([]);
    // A new program is authorised by its file.
    expect(authorizeApply(hostile, [], 'nakamura')).toEqual([]);
  });

  it('applies changed titles of existing milestones instead of calling them unchanged', () => {
    const plan = basePlan();
    const [state] = statesAt(plan, '2025-01-06T10:00');
    if (!state) throw new Error('no state');
    const raw = rawPlan() as { measures: Array<{ milestones: Array<{ title: unknown }> }> };
    const first = raw.measures[0]?.milestones[0];
    if (first) first.title = { ja: '本体（改題）', en: 'Head company (renamed)' };
    const renamed = validatePlan(raw);
    if (!renamed.ok) throw new Error('invalid');
    const diff = planApply(measureInits(renamed.plan), new Map([[state.measure.id, state]]));
    expect(diff.unchanged).toEqual([]);
    const cmd = diff.amend[0]?.command;
    expect(cmd?.titles).toEqual({ [HC]: { ja: '本体（改題）', en: 'Head company (renamed)' } });
    if (!cmd) return;
    const env = { actor: 'suzuki', at: tokyo('2025-01-07T10:00'), command: cmd };
    expect(validateCommand(state, env)).toEqual([]);
    applyCommand(state, env);
    expect(state.milestones[0]?.title.en).toBe('Head company (renamed)');
    expect(state.actions.at(-1)?.details.changed).toBe(`${HC}.title`);
    // Applying the renamed file again changes nothing.
    expect(planApply(measureInits(renamed.plan), new Map([[state.measure.id, state]])).unchanged).toEqual([
      state.measure.id,
    ]);
  });

  it('a measure added later learns the live state of the running measures it depends on', () => {
    const plan = basePlan();
    const [auth] = statesAt(plan, '2025-01-06T10:00');
    if (!auth) throw new Error('no auth');
    accept(auth, 'suzuki', '2025-01-06T11:00', { type: 'replan', milestone: HC, date: '2025-05-30', reason: 'vendor' });
    const grown = basePlan({
      measures: [
        {
          id: 'soc',
          owner: 'ito',
          milestones: [{ id: 'tier1', due: '2025-10-31', dependsOn: [`auth-separation/${HC}`] }],
        },
      ],
    });
    const diff = planApply(measureInits(grown), new Map([[auth.measure.id, auth]]));
    expect(diff.start.map((i) => i.measure.id)).toEqual(['soc']);
    expect(diff.start[0]?.external).toEqual({ [`auth-separation/${HC}`]: { due: '2025-05-30', done: false } });
  });
});
