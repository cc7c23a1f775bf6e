/**
 * Segregation of duties (design section 9): under `verification: required` on a measure or a
 * milestone, a completion waits for a second person (the measure owner, the sponsor or a program
 * manager, never the completer), is shown as `awaiting verification`, keeps its reminders going until
 * confirmed, and a rejection reopens the milestone with the reason recorded.
 */
import { describe, expect, it } from 'vitest';
import type { MeasureState } from '../../src/domain/model';
import { validatePlan, type Plan } from '../../src/domain/plan';
import { formatProblem } from '../../src/domain/problems';
import { applyCommand, validateCommand } from '../../src/domain/reducer';
import { publicProjection } from '../../src/domain/reports/public';
import { milestoneStatus } from '../../src/domain/status';
import { measureView } from '../../src/domain/view';
import { accept, act, between, MEASURE, MILESTONE, rawPlan, stateAt, tokyo } from './fixtures';

/** The base plan with `verification` on the measure, or on its first milestone only. */
function planWith(where: 'measure' | 'milestone' | 'none'): Plan {
  const raw = rawPlan({
    milestones: [
      { id: MILESTONE, due: '2025-03-31' },
      { id: 'subsidiaries', due: '2025-06-30' },
    ],
  }) as { measures: Array<Record<string, unknown> & { milestones: Array<Record<string, unknown>> }> };
  const m = raw.measures[0];
  if (!m) throw new Error('no measure');
  if (where === 'measure') m.verification = 'required';
  if (where === 'milestone' && m.milestones[0]) m.milestones[0].verification = 'required';
  const r = validatePlan(raw);
  if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.plan;
}

const complete = { type: 'complete' as const, milestone: MILESTONE, evidence: 'CHG-1' };
const verify = { type: 'verify' as const, milestone: MILESTONE };
const reject = (reason: string) => ({ type: 'reject-verification' as const, milestone: MILESTONE, reason });
const ms = (s: MeasureState, id = MILESTONE) => {
  const m = s.milestones.find((x) => x.id === id);
  if (!m) throw new Error(`no milestone ${id}`);
  return m;
};
const lines = (p: ReturnType<typeof act>) => p.map(formatProblem);

describe('verification: required', () => {
  it('holds a completion as awaiting verification: not done, shown as such, reminders go on', () => {
    const s = stateAt(planWith('measure'), '2025-03-01T10:00');
    accept(s, 'sato', '2025-03-20T10:00', complete);
    expect(ms(s).completed).toBeUndefined();
    expect(ms(s).awaitingVerification).toMatchObject({ by: 'sato', on: '2025-03-20', evidence: 'CHG-1' });
    expect(milestoneStatus(s, ms(s), tokyo('2025-03-21T10:00'))).toBe('awaiting-verification');
    expect(measureView(s, tokyo('2025-03-21T10:00')).milestones[0]).toMatchObject({
      status: 'awaiting-verification',
      completedOn: null,
      awaitingVerification: { by: 'sato', on: '2025-03-20', evidence: 'CHG-1' },
    });
    expect(s.actions.at(-1)).toMatchObject({ kind: 'completion-submitted', actor: 'sato', milestone: MILESTONE });
    // The reminder on the due date still goes out: nothing is done until a second person confirms.
    expect(between(s, '2025-03-31T00:00', '2025-04-01T00:00').map((n) => n.milestone)).toContain(MILESTONE);
    // The public sees it open, not completed.
    const pub = publicProjection([s], tokyo('2025-03-21T10:00')).measures[0]?.milestones[0];
    expect(pub).toMatchObject({ status: 'in-progress', completedOn: null });
  });

  it('is confirmed by the measure owner, the sponsor or a manager, never by the completer', () => {
    for (const verifier of ['yamada', 'suzuki', 'sato']) {
      const s = stateAt(planWith('measure'), '2025-03-01T10:00');
      // ito owns nothing here; a manager completes, the others confirm.
      accept(s, 'suzuki', '2025-03-20T10:00', complete);
      const problems = act(s, verifier, '2025-03-21T10:00', verify);
      if (verifier === 'suzuki') {
        expect(lines(problems)).toEqual([
          '--as: suzuki completed auth-separation/head-company and may not verify it: a second person must (the measure owner, the sponsor or a program manager) / suzuki は auth-separation/head-company を完了した本人なので確認できません（施策責任者・スポンサー・プログラムマネージャーの別の人が確認します）',
        ]);
        expect(ms(s).completed).toBeUndefined();
        continue;
      }
      expect(problems).toEqual([]);
      expect(ms(s).completed).toMatchObject({ by: 'suzuki', on: '2025-03-20', verifiedBy: verifier });
      expect(ms(s).awaitingVerification).toBeUndefined();
      expect(milestoneStatus(s, ms(s), tokyo('2025-03-21T11:00'))).toBe('done');
      expect(s.actions.at(-1)).toMatchObject({ kind: 'verified', actor: verifier, details: { completedBy: 'suzuki' } });
      // Confirmed: no more reminders.
      expect(between(s, '2025-03-22T00:00', '2025-05-01T00:00').filter((n) => n.milestone === MILESTONE)).toEqual([]);
    }
  });

  it('refuses anyone else, a second completion, and verification when nothing waits', () => {
    const s = stateAt(planWith('measure'), '2025-03-01T10:00');
    expect(lines(act(s, 'yamada', '2025-03-19T10:00', verify))).toEqual([
      'auth-separation/head-company: auth-separation/head-company has no completion awaiting verification / auth-separation/head-company に確認待ちの完了はありません',
    ]);
    accept(s, 'sato', '2025-03-20T10:00', complete);
    expect(lines(act(s, 'tanaka', '2025-03-21T10:00', verify))[0]).toMatch(
      /^--as: tanaka may not verify auth-separation\/head-company: only the measure owner \(sato\), the sponsor or a program manager may, never the completer/,
    );
    expect(lines(act(s, 'sato', '2025-03-21T10:00', verify))[0]).toMatch(/sato completed .* and may not verify it/);
    expect(lines(act(s, 'sato', '2025-03-21T10:00', complete))[0]).toMatch(/awaiting verification/);
    expect(lines(act(s, 'yamada', '2025-03-21T10:00', reject(' ')))).toEqual([
      '--reason: a rejection needs a reason / 差し戻しには理由が必要です',
    ]);
    expect(s.actions.map((a) => a.kind)).toEqual(['created', 'completion-submitted']);
  });

  it('a rejection reopens the milestone with the reason recorded; it can be completed again', () => {
    const s = stateAt(planWith('measure'), '2025-03-01T10:00');
    accept(s, 'sato', '2025-03-20T10:00', complete);
    accept(s, 'yamada', '2025-03-21T10:00', reject('the change record is for another system'));
    expect(ms(s).awaitingVerification).toBeUndefined();
    expect(ms(s).completed).toBeUndefined();
    expect(milestoneStatus(s, ms(s), tokyo('2025-03-21T11:00'))).toBe('on-track');
    expect(s.actions.at(-1)).toMatchObject({
      kind: 'verification-rejected',
      actor: 'yamada',
      details: { completedBy: 'sato', evidence: 'CHG-1', reason: 'the change record is for another system' },
    });
    accept(s, 'sato', '2025-03-24T10:00', { ...complete, evidence: 'CHG-2' });
    accept(s, 'suzuki', '2025-03-24T15:00', verify);
    expect(ms(s).completed).toMatchObject({ evidence: 'CHG-2', on: '2025-03-24', verifiedBy: 'suzuki' });
  });

  it('on a milestone applies to that milestone only; without it a completion is done at once', () => {
    const s = stateAt(planWith('milestone'), '2025-03-01T10:00');
    accept(s, 'sato', '2025-03-20T10:00', complete);
    accept(s, 'sato', '2025-03-20T10:05', { type: 'complete', milestone: 'subsidiaries', evidence: 'CHG-9' });
    expect(ms(s).awaitingVerification).toBeDefined();
    expect(ms(s, 'subsidiaries').completed).toMatchObject({ by: 'sato' });
    const none = stateAt(planWith('none'), '2025-03-01T10:00');
    accept(none, 'sato', '2025-03-20T10:00', complete);
    expect(ms(none).completed).toMatchObject({ by: 'sato', evidence: 'CHG-1' });
    expect(ms(none).completed?.verifiedBy).toBeUndefined();
  });

  it('a workflow run from before the rule (verification: false) completes at once, as its history was written', () => {
    const s = stateAt(planWith('measure'), '2025-03-01T10:00');
    const env = { actor: 'sato', at: tokyo('2025-03-20T10:00'), command: complete, verification: false };
    expect(validateCommand(s, env)).toEqual([]);
    applyCommand(s, env);
    expect(ms(s).completed).toMatchObject({ by: 'sato' });
    expect(ms(s).awaitingVerification).toBeUndefined();
    expect(s.measure.id).toBe(MEASURE);
  });
});
